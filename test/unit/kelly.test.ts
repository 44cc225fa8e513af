import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal } from '../../src/domain/money.ts';
import {
  type EdgeEstimate,
  edgeValue,
  kellyFraction,
  type Payoff,
  payoffOf,
  type SizeEntryInput,
  sizeEntry,
} from '../../src/domain/risk/kelly.ts';

function payoff(e: EdgeEstimate): Payoff {
  const p = payoffOf(e);
  if ('problem' in p) throw new Error(p.problem);
  return p;
}

function problem(e: EdgeEstimate): string {
  const p = payoffOf(e);
  if (!('problem' in p)) throw new Error(`expected a problem, got ${JSON.stringify(p)}`);
  return p.problem;
}

describe('payoffOf', () => {
  it('reads a binary long as buying YES at the price', () => {
    const e: EdgeEstimate = { side: 'long', price: 0.4, probability: 0.55, binary: true };
    // win 1 − 0.4 = 0.6, loss 0.4
    expect(payoffOf(e)).toEqual({ probability: 0.55, win: 0.6, loss: 0.4 });
  });

  it('reads a binary short as buying NO at one minus the price', () => {
    const e: EdgeEstimate = { side: 'short', price: 0.7, probability: 0.6, binary: true };
    // NO settles with probability 1 − 0.6 = 0.4, wins 0.7, costs 1 − 0.7 = 0.3
    expect(payoffOf(e)).toEqual({ probability: 0.4, win: 0.7, loss: 0.3 });
  });

  it('refuses binary prices outside (0, 1) and missing or bad probabilities', () => {
    expect(problem({ side: 'long', price: 1, probability: 0.5, binary: true })).toBe(
      'A binary contract needs a price strictly between 0 and 1, not 1.',
    );
    expect(problem({ side: 'long', price: 0, probability: 0.5, binary: true })).toBe(
      'The price must be a positive number, not 0.',
    );
    expect(problem({ side: 'short', price: 0.5, probability: 1.2, binary: true })).toBe(
      'A binary contract needs a probability from 0 to 1, not 1.2.',
    );
    expect(problem({ side: 'short', price: 0.5, binary: true })).toContain('not undefined');
  });

  it('reads a probability with stop and target prices', () => {
    // long 100, stop 98, target 104: win 4, loss 2
    expect(payoffOf({ side: 'long', price: 100, probability: 0.5, stopPrice: 98, targetPrice: 104 })).toEqual(
      {
        probability: 0.5,
        win: 4,
        loss: 2,
      },
    );
    // short 100, stop 102, target 95: win 5, loss 2
    expect(
      payoffOf({ side: 'short', price: 100, probability: 0.4, stopPrice: 102, targetPrice: 95 }),
    ).toEqual({ probability: 0.4, win: 5, loss: 2 });
    // Decimal differences: 0.3 − 0.1 is 0.2, not 0.19999999999999998.
    expect(
      payoffOf({ side: 'long', price: 0.3, probability: 0.5, stopPrice: 0.1, targetPrice: 0.6 }),
    ).toEqual({
      probability: 0.5,
      win: 0.3,
      loss: 0.2,
    });
  });

  it('refuses a stop or a target on the wrong side of the price', () => {
    expect(problem({ side: 'long', price: 100, probability: 0.5, stopPrice: 101, targetPrice: 104 })).toBe(
      'The stop 101 of a long entry at 100 must be below the entry price.',
    );
    expect(problem({ side: 'short', price: 100, probability: 0.5, stopPrice: 100, targetPrice: 95 })).toBe(
      'The stop 100 of a short entry at 100 must be above the entry price.',
    );
    expect(problem({ side: 'long', price: 100, probability: 0.5, stopPrice: 98, targetPrice: 99 })).toBe(
      'The target 99 of a long entry at 100 must be above the entry price.',
    );
    expect(problem({ side: 'short', price: 100, probability: 0.5, stopPrice: 102, targetPrice: 103 })).toBe(
      'The target 103 of a short entry at 100 must be below the entry price.',
    );
  });

  it('reads an expected move with a stop, the confidence as the probability', () => {
    // win 0.02 × 50 = 1, loss 50 − 49.5 = 0.5
    expect(
      payoffOf({ side: 'long', price: 50, expectedMove: 0.02, confidence: 0.6, stopPrice: 49.5 }),
    ).toEqual({ probability: 0.6, win: 1, loss: 0.5 });
    expect(payoffOf({ side: 'short', price: 50, expectedMove: 0.02, stopPrice: 51 })).toEqual({
      probability: 1,
      win: 1,
      loss: 1,
    });
    expect(problem({ side: 'long', price: 50, expectedMove: -0.02, stopPrice: 49 })).toBe(
      'The expected move must be a positive fraction of the price, not -0.02.',
    );
    expect(problem({ side: 'long', price: 50, expectedMove: 0.02, confidence: 2, stopPrice: 49 })).toBe(
      'The confidence must be from 0 to 1, not 2.',
    );
  });

  it('says what is missing otherwise', () => {
    const message =
      'The edge cannot be sized: it needs a probability with a stop and a target price, an expected move with a stop price, or a binary contract with a probability.';
    expect(problem({ side: 'long', price: 100 })).toBe(message);
    expect(problem({ side: 'long', price: 100, probability: 0.6, stopPrice: 98 })).toBe(message);
    expect(problem({ side: 'long', price: 100, expectedMove: 0.01 })).toBe(message);
  });
});

describe('edgeValue', () => {
  it('is probability minus price for a binary long, price minus probability for a short', () => {
    const long: EdgeEstimate = { side: 'long', price: 0.4, probability: 0.55, binary: true };
    // 0.55 × 0.6 − 0.45 × 0.4 = 0.33 − 0.18 = 0.15
    expect(edgeValue(long, payoff(long))).toBe(0.15);
    const short: EdgeEstimate = { side: 'short', price: 0.7, probability: 0.6, binary: true };
    // 0.4 × 0.7 − 0.6 × 0.3 = 0.28 − 0.18 = 0.1
    expect(edgeValue(short, payoff(short))).toBe(0.1);
    const bad: EdgeEstimate = { side: 'long', price: 0.6, probability: 0.5, binary: true };
    expect(edgeValue(bad, payoff(bad))).toBe(-0.1);
  });

  it('is the probability above the break-even probability loss / (win + loss) otherwise', () => {
    const e: EdgeEstimate = { side: 'long', price: 100, probability: 0.5, stopPrice: 98, targetPrice: 104 };
    // win 4, loss 2: break-even 2 / 6 = 1/3; 0.5 − 1/3 = 1/6
    expect(edgeValue(e, payoff(e))).toBeCloseTo(1 / 6, 12);
    const move: EdgeEstimate = {
      side: 'long',
      price: 50,
      expectedMove: 0.02,
      confidence: 0.6,
      stopPrice: 49.5,
    };
    // win 50 × 0.02 = 1, loss 0.5: break-even 0.5 / 1.5 = 1/3; 0.6 − 1/3 = 0.2666…
    expect(edgeValue(move, payoff(move))).toBeCloseTo(0.6 - 1 / 3, 12);
    const none: EdgeEstimate = {
      side: 'long',
      price: 100,
      probability: 0.5,
      stopPrice: 99,
      targetPrice: 101,
    };
    // win 1, loss 1: break-even 0.5; no edge
    expect(edgeValue(none, payoff(none))).toBe(0);
  });
});

describe('kellyFraction', () => {
  it('matches hand-computed values of (b·q − (1 − q)) / b', () => {
    // b = 2: (1.2 − 0.4) / 2 = 0.4
    expect(kellyFraction({ probability: 0.6, win: 2, loss: 1 })).toBe(0.4);
    // b = 2: (1 − 0.5) / 2 = 0.25
    expect(kellyFraction({ probability: 0.5, win: 4, loss: 2 })).toBe(0.25);
    // b = 2.5: (1 − 0.6) / 2.5 = 0.16
    expect(kellyFraction({ probability: 0.4, win: 5, loss: 2 })).toBe(0.16);
    // b = 1.5: (0.825 − 0.45) / 1.5 = 0.25
    expect(kellyFraction({ probability: 0.55, win: 1.5, loss: 1 })).toBe(0.25);
    // Even money at a coin flip: no edge; worse than that: negative.
    expect(kellyFraction({ probability: 0.5, win: 1, loss: 1 })).toBe(0);
    expect(kellyFraction({ probability: 0.3, win: 1, loss: 1 })).toBe(-0.4);
    // A certain win: bet everything.
    expect(kellyFraction({ probability: 1, win: 1, loss: 0.5 })).toBe(1);
  });

  it('equals (q − p) / (1 − p) for a binary long', () => {
    const cases: Array<[number, number]> = [
      [0.55, 0.4],
      [0.9, 0.5],
      [0.3, 0.1],
      [0.51, 0.5],
      [0.2, 0.35],
      [0.999, 0.01],
      [0.07, 0.93],
    ];
    for (const [q, p] of cases) {
      const e: EdgeEstimate = { side: 'long', price: p, probability: q, binary: true };
      expect(kellyFraction(payoff(e))).toBeCloseTo((q - p) / (1 - p), 12);
    }
  });

  it('for a binary short equals the NO long: (1 − q − (1 − p)) / p', () => {
    const e: EdgeEstimate = { side: 'short', price: 0.7, probability: 0.6, binary: true };
    // NO at 0.3 with probability 0.4: (0.4 − 0.3) / 0.7 = 1/7
    expect(kellyFraction(payoff(e))).toBeCloseTo(1 / 7, 12);
  });

  it('refuses payoffs that cannot be bets', () => {
    expect(() => kellyFraction({ probability: 1.5, win: 1, loss: 1 })).toThrow(RangeError);
    expect(() => kellyFraction({ probability: 0.5, win: 0, loss: 1 })).toThrow(RangeError);
    expect(() => kellyFraction({ probability: 0.5, win: 1, loss: -1 })).toThrow(RangeError);
  });
});

// ES-like: long 5000, stop 4990, target 5020, q 0.5 → win 20, loss 10, b = 2, f* = 0.25.
const ES: SizeEntryInput = {
  payoff: { probability: 0.5, win: 20, loss: 10 },
  price: 5000,
  bankroll: '50000',
  kellyMultiplier: 0.5,
  confidence: 0.8,
  multiplier: 50,
  lotSize: 1,
};

describe('sizeEntry', () => {
  it('sizes an exact Kelly quantity with no clamp', () => {
    // f = 0.5 × 0.25 × 0.8 = 0.1 → risk 0.1 × 50000 = 5000; per contract 10 × 50 = 500 → 10.
    // notional 10 × 5000 × 50 = 2 500 000
    expect(sizeEntry(ES)).toEqual({ quantity: 10, fraction: 0.1, riskAmount: '5000', notional: '2500000' });
  });

  it('uses a quarter Kelly and full confidence by default, flooring to whole lots', () => {
    const { kellyMultiplier: _k, confidence: _c, ...rest } = ES;
    // f = 0.25 × 0.25 = 0.0625 → risk 3125 / 500 = 6.25 → 6 lots.
    expect(sizeEntry(rest)).toEqual({
      quantity: 6,
      fraction: 0.0625,
      riskAmount: '3000',
      notional: '1500000',
      clampedBy: 'lot',
    });
  });

  it('caps the notional per market', () => {
    // cap 1 000 000 / (5000 × 50) = 4 contracts, under the Kelly 10.
    expect(sizeEntry({ ...ES, maxNotionalPerMarket: 1_000_000 })).toEqual({
      quantity: 4,
      fraction: 0.1,
      riskAmount: '2000',
      notional: '1000000',
      clampedBy: 'market',
    });
    // 1 100 000 / 250 000 = 4.4 → 4: still the market cap that bound it, not the lot.
    expect(sizeEntry({ ...ES, maxNotionalPerMarket: '1100000' })).toMatchObject({
      quantity: 4,
      clampedBy: 'market',
    });
  });

  it('caps the notional as a share of the bankroll, reporting the later cap when both bind', () => {
    // market cap 1 500 000 / 250 000 = 6; bankroll cap 15 × 50 000 / 250 000 = 3.
    expect(sizeEntry({ ...ES, maxNotionalPerMarket: 1_500_000, maxBankrollFraction: 15 })).toEqual({
      quantity: 3,
      fraction: 0.1,
      riskAmount: '1500',
      notional: '750000',
      clampedBy: 'bankroll',
    });
    // market cap 3, bankroll cap 6: the bankroll cap does not reduce it further.
    expect(sizeEntry({ ...ES, maxNotionalPerMarket: 750_000, maxBankrollFraction: 30 })).toMatchObject({
      quantity: 3,
      clampedBy: 'market',
    });
    // A cap above the Kelly size changes nothing.
    expect(sizeEntry({ ...ES, maxNotionalPerMarket: 10_000_000, maxBankrollFraction: 100 })).toEqual(
      sizeEntry(ES),
    );
  });

  it('caps the fraction at the whole bankroll', () => {
    // q 0.9, even money: f* = 0.9 − 0.1 = 0.8; double Kelly 1.6 → 1. Risk 1000 / 1 = 1000 units.
    expect(
      sizeEntry({
        payoff: { probability: 0.9, win: 1, loss: 1 },
        price: 10,
        bankroll: 1000,
        kellyMultiplier: 2,
        multiplier: 1,
        lotSize: 1,
      }),
    ).toEqual({ quantity: 1000, fraction: 1, riskAmount: '1000', notional: '10000', clampedBy: 'kelly' });
  });

  it('floors to a lot of 0.001', () => {
    // long 30000, stop 29700, target 30600, q 0.6: win 600, loss 300, f* = (2 × 0.6 − 0.4) / 2 = 0.4.
    // f = 0.25 × 0.4 = 0.1 → risk 1000 / 300 = 3.333… → 3.333
    const btc: SizeEntryInput = {
      payoff: { probability: 0.6, win: 600, loss: 300 },
      price: 30000,
      bankroll: 10000,
      multiplier: 1,
      lotSize: 0.001,
    };
    expect(sizeEntry(btc)).toEqual({
      quantity: 3.333,
      fraction: 0.1,
      riskAmount: '999.9', // 3.333 × 300
      notional: '99990', // 3.333 × 30000
      clampedBy: 'lot',
    });
    // Notional at most 2 × 10000 = 20000: 20000 / 30000 = 0.666… → 0.666
    expect(sizeEntry({ ...btc, maxBankrollFraction: 2 })).toEqual({
      quantity: 0.666,
      fraction: 0.1,
      riskAmount: '199.8',
      notional: '19980',
      clampedBy: 'bankroll',
    });
  });

  it('refuses a bet without an edge', () => {
    const even = sizeEntry({ ...ES, payoff: { probability: 0.5, win: 1, loss: 1 } });
    expect(even).toMatchObject({ problem: 'NO_EDGE' });
    expect(sizeEntry({ ...ES, payoff: { probability: 0.3, win: 1, loss: 1 } })).toEqual({
      problem: 'NO_EDGE',
      message: 'The edge gives no positive fraction to bet: full Kelly is -0.4, scaled to -0.16.',
    });
    expect(sizeEntry({ ...ES, kellyMultiplier: 0 })).toMatchObject({ problem: 'NO_EDGE' });
  });

  it('refuses a size under one lot', () => {
    // Bankroll 1000: risk 0.1 × 1000 = 100 / 500 per contract = 0.2 contracts.
    expect(sizeEntry({ ...ES, bankroll: 1000 })).toEqual({
      problem: 'SIZE_TOO_SMALL',
      message: 'The size 0.2 is less than one lot of 1.',
    });
    expect(sizeEntry({ ...ES, maxNotionalPerMarket: 100_000 })).toMatchObject({ problem: 'SIZE_TOO_SMALL' });
    expect(sizeEntry({ ...ES, bankroll: '-5' })).toMatchObject({ problem: 'SIZE_TOO_SMALL' });
  });

  it('sizes a binary long on its premium', () => {
    // YES at 0.40, q 0.55: f* = 0.15 / 0.6 = 0.25; f = 0.0625 → risk 62.5 / 0.4 = 156.25 → 156.
    const e: EdgeEstimate = { side: 'long', price: 0.4, probability: 0.55, binary: true };
    expect(
      sizeEntry({ payoff: payoff(e), price: 0.4, bankroll: 1000, multiplier: 1, lotSize: 1, binary: true }),
    ).toEqual({ quantity: 156, fraction: 0.0625, riskAmount: '62.4', notional: '62.4', clampedBy: 'lot' });
  });

  it('sizes a binary short as NO contracts at one minus the price', () => {
    // NO at 0.3, q 0.4: f* = 1/7; f = 0.35 / 7 = 0.05 → risk 35 / 0.3 = 116.67 → 116.
    // Risk and notional are both the premium, 116 × 0.3 = 34.8.
    const e: EdgeEstimate = { side: 'short', price: 0.7, probability: 0.6, binary: true };
    const input: SizeEntryInput = {
      payoff: payoff(e),
      price: 0.7,
      bankroll: 700,
      kellyMultiplier: 0.35,
      multiplier: 1,
      lotSize: 1,
      binary: true,
    };
    const size = sizeEntry(input);
    expect(size).toMatchObject({ quantity: 116, riskAmount: '34.8', notional: '34.8', clampedBy: 'lot' });
    expect('fraction' in size && size.fraction).toBeCloseTo(0.05, 12);
    // A 30 notional cap: 30 / 0.3 = 100 contracts.
    expect(sizeEntry({ ...input, maxNotionalPerMarket: 30 })).toMatchObject({
      quantity: 100,
      notional: '30',
      clampedBy: 'market',
    });
  });

  it('refuses inputs no caller should send', () => {
    expect(() => sizeEntry({ ...ES, lotSize: 0 })).toThrow(RangeError);
    expect(() => sizeEntry({ ...ES, multiplier: -1 })).toThrow(RangeError);
    expect(() => sizeEntry({ ...ES, price: 0 })).toThrow(RangeError);
    expect(() => sizeEntry({ ...ES, kellyMultiplier: -0.5 })).toThrow(RangeError);
    expect(() => sizeEntry({ ...ES, confidence: 1.5 })).toThrow(RangeError);
  });
});

describe('sizeEntry properties', () => {
  const hundredths = (lo: number, hi: number) => fc.integer({ min: lo, max: hi }).map((n) => n / 100);
  const input = fc.record({
    payoff: fc.record({
      probability: hundredths(1, 99),
      win: hundredths(1, 100_000),
      loss: hundredths(1, 100_000),
    }),
    price: hundredths(1, 10_000_000),
    bankroll: fc.integer({ min: 0, max: 10_000_000 }),
    confidence: hundredths(0, 100),
    multiplier: fc.constantFrom(1, 5, 20, 50),
    lotSize: fc.constantFrom(0.001, 0.01, 1, 100),
    maxNotionalPerMarket: fc.option(fc.integer({ min: 0, max: 1_000_000_000 }), { nil: undefined }),
    maxBankrollFraction: fc.option(hundredths(0, 5000), { nil: undefined }),
    binary: fc.boolean(),
  });
  const multipliers = fc
    .tuple(hundredths(0, 300), hundredths(0, 300))
    .map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a]));

  const quantityOf = (r: ReturnType<typeof sizeEntry>): number => ('problem' in r ? 0 : r.quantity);

  it('never exceeds a limit and never grows when the Kelly multiplier shrinks', () => {
    fc.assert(
      fc.property(input, multipliers, (base, [lower, higher]) => {
        const small = sizeEntry({ ...base, kellyMultiplier: lower });
        const large = sizeEntry({ ...base, kellyMultiplier: higher });
        expect(quantityOf(small)).toBeLessThanOrEqual(quantityOf(large));
        for (const [kellyMultiplier, r] of [
          [lower, small],
          [higher, large],
        ] as const) {
          if ('problem' in r) continue;
          const q = new Decimal(r.quantity);
          expect(q.gte(base.lotSize)).toBe(true);
          expect(q.mod(base.lotSize).isZero()).toBe(true);
          const unit = base.binary ? base.payoff.loss : base.price;
          const notional = q.times(unit).times(base.multiplier);
          expect(notional.eq(r.notional)).toBe(true);
          if (base.maxNotionalPerMarket !== undefined) {
            expect(notional.lte(base.maxNotionalPerMarket)).toBe(true);
          }
          if (base.maxBankrollFraction !== undefined) {
            expect(notional.lte(new Decimal(base.maxBankrollFraction).times(base.bankroll))).toBe(true);
          }
          const risk = q.times(base.payoff.loss).times(base.multiplier);
          expect(risk.eq(r.riskAmount)).toBe(true);
          const f = Decimal.min(
            new Decimal(kellyMultiplier).times(kellyFraction(base.payoff)).times(base.confidence),
            1,
          );
          expect(risk.lte(f.times(base.bankroll))).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
