import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Account, accountPnl, applyFillToAccount, createAccount } from '../../src/domain/account.ts';
import { defineInstrument, type Instrument } from '../../src/domain/instrument.ts';
import type { Fill } from '../../src/domain/order.ts';

/*
 * Reference arithmetic: exact rationals over BigInt, independent of decimal.js. Average-cost
 * accounting per (account, symbol): scaling in moves the average, scaling out realizes
 * (exit − average) × quantity × multiplier, a fill through flat closes and reopens.
 */
interface Rat {
  n: bigint;
  d: bigint;
}
const gcd = (a: bigint, b: bigint): bigint => {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b) [a, b] = [b, a % b];
  return a;
};
const rat = (n: bigint, d = 1n): Rat => {
  if (d < 0n) [n, d] = [-n, -d];
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
};
const add = (a: Rat, b: Rat) => rat(a.n * b.d + b.n * a.d, a.d * b.d);
const sub = (a: Rat, b: Rat) => rat(a.n * b.d - b.n * a.d, a.d * b.d);
const mul = (a: Rat, b: Rat) => rat(a.n * b.n, a.d * b.d);
const div = (a: Rat, b: Rat) => rat(a.n * b.d, a.d * b.n);
/** Parses a decimal string exactly. */
const fromDecimal = (s: string): Rat => {
  const neg = s.startsWith('-');
  const [i, f = ''] = (neg ? s.slice(1) : s).split('.');
  const r = rat(BigInt(i! + f), 10n ** BigInt(f.length));
  return neg ? rat(-r.n, r.d) : r;
};
/** Rounds to cents, half away from zero, as a string. */
const cents = (r: Rat): string => {
  const scaled = r.n * 100n;
  const neg = scaled < 0n;
  const abs = neg ? -scaled : scaled;
  let q = abs / r.d;
  if ((abs % r.d) * 2n >= r.d) q++;
  const s = q.toString().padStart(3, '0');
  return `${neg && q !== 0n ? '-' : ''}${s.slice(0, -2)}.${s.slice(-2)}`;
};

interface RefPosition {
  qty: Rat; // signed: > 0 long, < 0 short
  avg: Rat;
}

class Reference {
  realized = rat(0n);
  fees = rat(0n);
  positions = new Map<string, RefPosition>();

  apply(fill: Fill, multiplier: Rat): void {
    this.fees = add(this.fees, fromDecimal(fill.fee));
    const price = fromDecimal(String(fill.price));
    let signed = fromDecimal(String(fill.quantity));
    if (fill.side === 'sell') signed = rat(-signed.n, signed.d);
    const p = this.positions.get(fill.symbol);
    if (p === undefined || p.qty.n === 0n) {
      this.positions.set(fill.symbol, { qty: signed, avg: price });
      return;
    }
    const sameSide = p.qty.n > 0n === signed.n > 0n;
    if (sameSide) {
      const qty = add(p.qty, signed);
      p.avg = div(add(mul(p.avg, p.qty), mul(price, signed)), qty);
      p.qty = qty;
      return;
    }
    const absPos = p.qty.n < 0n ? rat(-p.qty.n, p.qty.d) : p.qty;
    const absFill = signed.n < 0n ? rat(-signed.n, signed.d) : signed;
    const closing = sub(absPos, absFill).n >= 0n ? absFill : absPos;
    const perUnit = p.qty.n > 0n ? sub(price, p.avg) : sub(p.avg, price);
    this.realized = add(this.realized, mul(mul(perUnit, closing), multiplier));
    const rest = add(p.qty, signed);
    if (rest.n === 0n) this.positions.delete(fill.symbol);
    else if (rest.n > 0n === p.qty.n > 0n) p.qty = rest;
    else this.positions.set(fill.symbol, { qty: rest, avg: price });
  }

  pnl(marks: Map<string, number>, multipliers: Map<string, Rat>): Rat {
    let total = sub(this.realized, this.fees);
    for (const [symbol, p] of this.positions) {
      const mark = fromDecimal(String(marks.get(symbol)!));
      total = add(total, mul(mul(sub(mark, p.avg), p.qty), multipliers.get(symbol)!));
    }
    return total;
  }
}

const instruments: Instrument[] = [
  defineInstrument({ symbol: 'ES', tickSize: 0.25, lotSize: 1, multiplier: 50 }),
  defineInstrument({ symbol: 'BTC-USD', tickSize: 0.01, lotSize: 0.001, multiplier: 1 }),
  defineInstrument({ symbol: 'KX-YES', tickSize: 0.01, lotSize: 1, multiplier: 1 }),
  defineInstrument({ symbol: 'MNQ', tickSize: 0.25, lotSize: 1, multiplier: 2 }),
];
const bySymbol = new Map(instruments.map((i) => [i.symbol, i]));
const ACCOUNTS = ['a1', 'a2', 'a3'];

/** A price on the instrument's tick grid, as the number a feed would give. */
const priceOn = (inst: Instrument) =>
  fc.integer({ min: 1, max: 2_000_000 }).map((ticks) => Number((ticks * inst.tickSize).toFixed(8)));
const qtyOn = (inst: Instrument) =>
  fc.integer({ min: 1, max: 5_000 }).map((lots) => Number((lots * inst.lotSize).toFixed(8)));

const fillArb = fc
  .record({
    account: fc.constantFrom(...ACCOUNTS),
    symbol: fc.constantFrom(...instruments.map((i) => i.symbol)),
    side: fc.constantFrom('buy' as const, 'sell' as const),
    feeCents: fc.integer({ min: 0, max: 500 }),
    seed: fc.nat(),
  })
  .chain((r) => {
    const inst = bySymbol.get(r.symbol)!;
    return fc.record({ price: priceOn(inst), quantity: qtyOn(inst) }).map((pq) => ({ ...r, ...pq }));
  });

const FILLS_PER_RUN = 1_000;
const RUNS = 100;

describe('account PnL', () => {
  it(`matches an exact rational reference to the cent over ${FILLS_PER_RUN * RUNS} random fills`, () => {
    fc.assert(
      fc.property(
        fc.array(fillArb, { minLength: FILLS_PER_RUN, maxLength: FILLS_PER_RUN }),
        fc.array(fc.integer({ min: 1, max: 2_000_000 }), {
          minLength: instruments.length,
          maxLength: instruments.length,
        }),
        (fills, markTicks) => {
          const accounts = new Map<string, Account>(ACCOUNTS.map((id) => [id, createAccount(id, 100_000)]));
          const refs = new Map(ACCOUNTS.map((id) => [id, new Reference()]));
          let ids = 0;
          fills.forEach((f, i) => {
            const fill: Fill = {
              fillId: `f${i}`,
              accountId: f.account,
              symbol: f.symbol,
              side: f.side,
              quantity: f.quantity,
              price: f.price,
              fee: (f.feeCents / 100).toFixed(2),
              clientOrderId: `c${i}`,
              venueOrderId: `v${i}`,
              ts: i,
            };
            const inst = bySymbol.get(f.symbol)!;
            const result = applyFillToAccount(accounts.get(f.account)!, fill, inst, () => `p${ids++}`);
            accounts.set(f.account, result.account);
            refs.get(f.account)!.apply(fill, fromDecimal(String(inst.multiplier)));
          });
          const marks = new Map(
            instruments.map((inst, k) => [inst.symbol, Number((markTicks[k]! * inst.tickSize).toFixed(8))]),
          );
          const multipliers = new Map(instruments.map((i) => [i.symbol, fromDecimal(String(i.multiplier))]));
          for (const id of ACCOUNTS) {
            const actual = accountPnl(accounts.get(id)!, bySymbol, marks);
            const expected = refs.get(id)!.pnl(marks, multipliers);
            // Within 1e-12 of the exact value: far inside a cent, so no drift can reach the cents.
            const diff = sub(fromDecimal(actual.toFixed()), expected);
            const absN = diff.n < 0n ? -diff.n : diff.n;
            expect(absN * 10n ** 12n < diff.d, `${id}: ${actual.toFixed()} vs exact ${cents(expected)}`).toBe(
              true,
            );
            // Quantities never drift either: the open quantity equals the reference's exactly.
            for (const [symbol, p] of accounts.get(id)!.positions) {
              const r = refs.get(id)!.positions.get(symbol)!;
              const signed = p.side === 'long' ? p.quantity : -p.quantity;
              expect(fromDecimal(String(signed))).toEqual(r.qty);
            }
            expect(accounts.get(id)!.positions.size).toBe(refs.get(id)!.positions.size);
          }
        },
      ),
      { numRuns: RUNS, seed: 20261121, endOnFailure: true },
    );
  });

  it('keeps sums exact where floats drift', () => {
    const btc = bySymbol.get('BTC-USD')!;
    const base = {
      accountId: 'a',
      symbol: 'BTC-USD',
      fee: '0',
      clientOrderId: 'c',
      venueOrderId: 'v',
      ts: 0,
    };
    let account = createAccount('a', 1_000);
    account = applyFillToAccount(
      account,
      { ...base, fillId: '0', side: 'buy', quantity: 0.3, price: 100 },
      btc,
      () => 'p',
    ).account;
    let floatSum = 0;
    for (let i = 1; i <= 3; i++) {
      account = applyFillToAccount(
        account,
        { ...base, fillId: String(i), side: 'sell', quantity: 0.1, price: 100.1 },
        btc,
        () => 'p',
      ).account;
      floatSum += (100.1 - 100) * 0.1;
    }
    expect(account.realizedPnl.toFixed()).toBe('0.03');
    expect(account.positions.size).toBe(0);
    expect(floatSum).not.toBe(0.03);
  });

  it('compares a −400.00 loss equal to a −400 limit exactly', () => {
    const es = bySymbol.get('ES')!;
    let account = createAccount('a', 50_000);
    const base = { accountId: 'a', symbol: 'ES', fee: '0', clientOrderId: 'c', venueOrderId: 'v', ts: 0 };
    account = applyFillToAccount(
      account,
      { ...base, fillId: '1', side: 'buy', quantity: 2, price: 5000.1 },
      es,
      () => 'p',
    ).account;
    // 2 contracts × 50 × 4 points = 400.
    account = applyFillToAccount(
      account,
      { ...base, fillId: '2', side: 'sell', quantity: 2, price: 4996.1 },
      es,
      () => 'q',
    ).account;
    expect(account.realizedPnl.toFixed()).toBe('-400');
    expect(account.realizedPnl.eq(-400)).toBe(true);
  });
});
