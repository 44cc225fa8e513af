import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineInstrument } from '../../src/domain/instrument.ts';
import { type Decimal, dec, ZERO } from '../../src/domain/money.ts';
import { IndexedHeap } from '../../src/domain/monitoring/indexed-heap.ts';
import { type Position, unrealizedPnl } from '../../src/domain/position.ts';
import { RiskLevelIndex } from '../../src/domain/risk/level-index.ts';
import { adverse, candidateLevel, favourable, pnlLevel, priceAtPnl } from '../../src/domain/risk/levels.ts';

function position(side: 'long' | 'short', quantity: number, costBasis: string, symbol = 'ES'): Position {
  const basis = dec(costBasis);
  return {
    id: 'p1',
    accountId: 'acc',
    symbol,
    side,
    quantity,
    entryPrice: basis.div(quantity).toNumber(),
    costBasis: basis,
    realizedPnl: ZERO,
    openedAt: 0,
    updatedAt: 0,
  };
}

const ES = defineInstrument({ symbol: 'ES', tickSize: 0.25, lotSize: 1, multiplier: 50 });

describe('priceAtPnl', () => {
  it('is the exact price of a PnL for a long and a short', () => {
    // Long 1 ES at 5000 (×50): 5000 + (−400)/50/1 = 4992.
    expect(priceAtPnl(position('long', 1, '5000'), 50, dec(-400)).toFixed()).toBe('4992');
    // Short 1 ES at 5000: 5000 − (−400)/50 = 5008.
    expect(priceAtPnl(position('short', 1, '5000'), 50, dec(-400)).toFixed()).toBe('5008');
    // Short 2 at 100 (×1): cost 200; (200 + 50)/2 = 125 is where it has lost 50.
    expect(priceAtPnl(position('short', 2, '200'), 1, dec(-50)).toFixed()).toBe('125');
    // Long 2 ES at 5000: +500 at (10000 + 500/50)/2 = 5005.
    expect(priceAtPnl(position('long', 2, '10000'), 50, dec(500)).toFixed()).toBe('5005');
  });

  it('works from the exact cost basis of several fills, with no float drift', () => {
    // Fills at 5000.25, 5000.5 and 5001: cost 15001.75 for 3. −400 at (15001.75 − 8)/3 = 14993.75/3
    // = 4997.91666…
    const p = position('long', 3, '15001.75');
    const price: Decimal = priceAtPnl(p, 50, dec(-400));
    expect(price.toFixed(10)).toBe('4997.9166666667');
    // At that price the position's PnL is −400 to the precision of the division (40 digits).
    expect(unrealizedPnl(p, ES, price.toNumber()).minus(-400).abs().lt('0.000001')).toBe(true);
    // 0.1 + 0.2: long 1 at 0.3 (×1) has lost 0.1 at exactly 0.2.
    expect(priceAtPnl(position('long', 1, '0.3', 'BTC'), 1, dec('-0.1')).toFixed()).toBe('0.2');
  });
});

describe('pnlLevel', () => {
  it('is the exact price widened by two ulps towards firing early', () => {
    const long = position('long', 1, '5000');
    // The loss level of the long is at 4992 from above: a tick at 4992 reaches it, 4992.25 does not.
    const level = pnlLevel(long, 50, dec(-400), adverse(long));
    expect(adverse(long)).toBe('falls');
    expect(level).toBeGreaterThan(4992);
    expect(level - 4992).toBeLessThan(1e-9);
    expect(4992 <= level).toBe(true);
    expect(4992.25 <= level).toBe(false);
    const short = position('short', 1, '5000');
    const up = pnlLevel(short, 50, dec(-400), adverse(short));
    expect(adverse(short)).toBe('rises');
    expect(favourable(short)).toBe('falls');
    expect(up).toBeLessThan(5008);
    expect(5008 - up).toBeLessThan(1e-9);
    expect(5008 >= up).toBe(true);
    expect(5007.75 >= up).toBe(false);
  });

  it('never lands on the wrong side of an exact level the float cannot hold', () => {
    // 14993.75/3 is not a float: the level must still be reached by the first float at or below it.
    const p = position('long', 3, '15001.75');
    const exact = priceAtPnl(p, 50, dec(-400));
    const level = pnlLevel(p, 50, dec(-400), 'falls');
    expect(dec(level).gte(exact)).toBe(true);
    const rising = pnlLevel(p, 50, dec(-400), 'rises');
    expect(dec(rising).lte(exact)).toBe(true);
  });

  it('maps unreachable and non-positive levels to safe bounds', () => {
    expect(candidateLevel(dec(-5), 'falls')).toBe(-5); // a price never falls to −5: never fires
    expect(candidateLevel(dec(-5), 'rises')).toBe(0); // any price is above: fires, to be checked exactly
    expect(candidateLevel(dec('1e400'), 'rises')).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('RiskLevelIndex', () => {
  // Counts the heap scans reachedBy makes, by wrapping the prototype method (restored after).
  const original = IndexedHeap.prototype.collect;
  let scans = 0;
  let visits = 0;
  beforeEach(() => {
    scans = 0;
    visits = 0;
    IndexedHeap.prototype.collect = function (this: IndexedHeap, bound, visit) {
      scans++;
      original.call(this, bound, (h) => {
        visits++;
        visit(h);
      });
    };
  });
  afterEach(() => {
    IndexedHeap.prototype.collect = original;
  });

  it('reads only the two heap tops when nothing is reached, however many levels there are', () => {
    const index = new RiskLevelIndex();
    // 10,000 longs' loss levels at 1000 … 10999 and 10,000 shorts' at 20000 … 29999.
    for (let i = 0; i < 10_000; i++) index.set(index.allocate(), 'ES', 'falls', 1000 + i);
    for (let i = 0; i < 10_000; i++) index.set(index.allocate(), 'ES', 'rises', 20_000 + i);
    expect(index.size('ES')).toBe(20_000);
    expect(index.reachedBy('ES', 15_000, 15_000)).toEqual([]);
    expect(scans).toBe(0);
    expect(visits).toBe(0);
  });

  it('reports exactly the reached levels, visiting only those', () => {
    const index = new RiskLevelIndex();
    const falls = Array.from({ length: 1000 }, (_, i) => {
      const h = index.allocate();
      index.set(h, 'ES', 'falls', 1 + i); // levels 1 … 1000
      return h;
    });
    const rises = index.allocate();
    index.set(rises, 'ES', 'rises', 5008);
    // A tick at 995 reaches the falling levels 995 … 1000 (six of them), not the rising one.
    const reached = [...index.reachedBy('ES', 995, 995)].sort((a, b) => a - b);
    expect(reached).toEqual(falls.slice(994));
    expect(visits).toBe(6);
    // Inclusive at both ends.
    expect(index.reachedBy('ES', 1000, 1000)).toEqual([falls[999]]);
    expect(index.reachedBy('ES', 1000.5, 5008)).toEqual([rises]);
    expect(index.reachedBy('ES', 1000.5, 5007.99)).toEqual([]);
    // A conflated tick (low 999, high 5009) reaches both sides.
    expect([...index.reachedBy('ES', 999, 5009)].sort((a, b) => a - b)).toEqual([
      falls[998],
      falls[999],
      rises,
    ]);
    // Levels stay until their owner moves or clears them.
    expect(index.reachedBy('ES', 1000, 1000)).toEqual([falls[999]]);
    expect(index.reachedBy('NQ', 0, 1e9)).toEqual([]);
  });

  it('moves, re-directs, clears and re-uses levels', () => {
    const index = new RiskLevelIndex();
    const h = index.allocate();
    index.set(h, 'ES', 'falls', 4992);
    expect(index.reachedBy('ES', 4992, 4992)).toEqual([h]);
    index.set(h, 'ES', 'falls', 4990); // moved down
    expect(index.reachedBy('ES', 4991, 4991)).toEqual([]);
    expect(index.reachedBy('ES', 4990, 4990)).toEqual([h]);
    index.set(h, 'ES', 'rises', 5010); // now a level the price rises to
    expect(index.reachedBy('ES', 4000, 4000)).toEqual([]);
    expect(index.reachedBy('ES', 5010, 5010)).toEqual([h]);
    expect(index.size('ES')).toBe(1);
    index.set(h, 'BTC', 'falls', 100); // to another symbol
    expect(index.size('ES')).toBe(0);
    expect(index.reachedBy('ES', 0, 1e9)).toEqual([]);
    expect(index.reachedBy('BTC', 100, 100)).toEqual([h]);
    index.set(h, 'BTC', 'falls', Number.NEGATIVE_INFINITY); // unreachable: cleared
    expect(index.size('BTC')).toBe(0);
    index.set(h, 'BTC', 'falls', 100);
    index.clear(h);
    expect(index.reachedBy('BTC', 0, 1e9)).toEqual([]);
    index.set(h, 'BTC', 'falls', 100);
    index.release(h);
    expect(index.size('BTC')).toBe(0);
    const again = index.allocate();
    expect(again).toBe(h); // handles are re-used
    expect(index.reachedBy('BTC', 0, 1e9)).toEqual([]); // with no level
  });
});
