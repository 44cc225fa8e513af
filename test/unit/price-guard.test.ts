import { describe, expect, it } from 'vitest';
import { PriceGuard } from '../../src/domain/price-guard.ts';
import type { SourcedTick } from '../../src/domain/tick.ts';

const SETTINGS = { maxJumpPct: 10, confirmTicks: 2 };

/** Feeds prices of one symbol; what each one gave: the accepted price (or '-'), and the rejected. */
function run(prices: number[], settings = SETTINGS) {
  const guard = new PriceGuard(() => settings);
  return prices.map((price, i) => {
    const v = guard.push({ ts: i, symbol: 'BTC', price, line: i + 2 } satisfies SourcedTick);
    return [v.accept?.tick.price ?? '-', v.rejected.map((o) => o.tick.line)];
  });
}

describe('price guard', () => {
  it('accepts moves within the band', () => {
    expect(run([100, 105, 115, 104])).toEqual([
      [100, []],
      [105, []],
      [115, []],
      [104, []],
    ]);
  });

  it('rejects a bad print when the price comes back before the move is confirmed', () => {
    // 1,000 is ten times the price; 101 is back at the level: the print (line 3) was bad.
    expect(run([100, 1000, 101])).toEqual([
      [100, []],
      ['-', []],
      [101, [3]],
    ]);
  });

  it('accepts a real move once the next ticks confirm it, with the range of the held ones', () => {
    const guard = new PriceGuard(() => SETTINGS);
    guard.push({ ts: 1, symbol: 'BTC', price: 100 });
    expect(guard.push({ ts: 2, symbol: 'BTC', price: 70 }).accept).toBeUndefined();
    expect(guard.push({ ts: 3, symbol: 'BTC', price: 66 }).accept).toBeUndefined();
    const v = guard.push({ ts: 4, symbol: 'BTC', price: 68 });
    expect(v.accept?.tick.price).toBe(68);
    expect(v.accept?.range?.last).toEqual({ low: 66, high: 70 });
    expect(v.rejected).toEqual([]);
    expect(guard.lastPrice('BTC')).toBe(68);
  });

  it('judges a tick far from both levels afresh, and drains what was never confirmed', () => {
    const guard = new PriceGuard(() => SETTINGS);
    guard.push({ ts: 1, symbol: 'BTC', price: 100, line: 2 });
    guard.push({ ts: 2, symbol: 'BTC', price: 200, line: 3 });
    const v = guard.push({ ts: 3, symbol: 'BTC', price: 10, line: 4 });
    expect(v.rejected.map((o) => o.tick.line)).toEqual([3]);
    expect(v.accept).toBeUndefined();
    expect(guard.drain().map((o) => o.tick.line)).toEqual([4]);
  });

  it('passes the first tick of a symbol and symbols without settings', () => {
    const guard = new PriceGuard((s) => (s === 'BTC' ? SETTINGS : undefined));
    expect(guard.push({ ts: 1, symbol: 'ETH', price: 1 }).accept).toBeDefined();
    expect(guard.push({ ts: 2, symbol: 'ETH', price: 100 }).accept).toBeDefined();
    expect(guard.push({ ts: 3, symbol: 'BTC', price: 5 }).accept).toBeDefined();
  });
});
