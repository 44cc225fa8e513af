import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { FeedWatchdog } from '../../src/engine/feed-watchdog.ts';
import { TickConflator } from '../../src/engine/tick-conflator.ts';

describe('tick conflator', () => {
  it('keeps one pending tick per symbol with the low and high it travelled, in first-pending order', () => {
    const c = new TickConflator();
    c.push({ ts: 1, symbol: 'ES', price: 5000, volume: 2 });
    c.push({ ts: 2, symbol: 'BTC', price: 64000 });
    c.push({ ts: 3, symbol: 'ES', price: 4979.75, volume: 1 });
    c.push({ ts: 4, symbol: 'ES', price: 5001, volume: 3 });
    expect(c.depth).toBe(2);
    expect(c.conflated).toBe(2);
    const es = { low: 4979.75, high: 5001 };
    expect(c.shift()).toEqual({
      ts: 4,
      symbol: 'ES',
      price: 5001,
      volume: 6,
      ...es,
      // Without quotes, mid, bid and ask are the last price.
      range: { last: es, mid: es, bid: es, ask: es },
      count: 3,
    });
    const btc = { low: 64000, high: 64000 };
    expect(c.shift()).toEqual({
      ts: 2,
      symbol: 'BTC',
      price: 64000,
      ...btc,
      range: { last: btc, mid: btc, bid: btc, ask: btc },
      count: 1,
    });
    expect(c.shift()).toBeUndefined();
    // A symbol drained once starts a fresh range.
    c.push({ ts: 5, symbol: 'ES', price: 4990 });
    expect(c.shift()).toMatchObject({ low: 4990, high: 4990, count: 1 });
  });

  it('keeps the low and high of the mid, bid and ask as well', () => {
    const c = new TickConflator();
    c.push({ ts: 1, symbol: 'ES', price: 5000, bid: 4999.75, ask: 5000.25 });
    c.push({ ts: 2, symbol: 'ES', price: 4990, bid: 4980, ask: 4995 });
    c.push({ ts: 3, symbol: 'ES', price: 5002 });
    c.push({ ts: 4, symbol: 'ES', price: 5001, bid: 5000.75, ask: 5001.25 });
    expect(c.shift()?.range).toEqual({
      last: { low: 4990, high: 5002 },
      mid: { low: 4987.5, high: 5002 },
      bid: { low: 4980, high: 5002 },
      ask: { low: 4995, high: 5002 },
    });
  });

  it('stays bounded by the number of symbols whatever the number of ticks', () => {
    const c = new TickConflator();
    for (let i = 0; i < 100_000; i++) c.push({ ts: i, symbol: `S${i % 7}`, price: 100 + (i % 13) });
    expect(c.depth).toBe(7);
  });
});

describe('feed watchdog', () => {
  it('alerts once when a watched symbol goes quiet, and once when it recovers', () => {
    const clock = new SimulatedClock(0);
    const seen: string[] = [];
    const watchdog = new FeedWatchdog({
      clock,
      staleMs: 120_000,
      checkEveryMs: 1_000,
      watched: () => ['ES'],
      onStale: (s, last) => seen.push(`stale ${s} last=${last}`),
      onRecovered: (s, gap) => seen.push(`recovered ${s} after ${gap}`),
    });
    watchdog.start();
    watchdog.onTick('ES', 10_000);
    clock.advanceTo(129_999);
    expect(seen).toEqual([]);
    clock.advanceTo(130_000);
    expect(seen).toEqual(['stale ES last=10000']);
    clock.advanceTo(200_000);
    expect(seen).toHaveLength(1);
    watchdog.onTick('ES', 200_500);
    expect(seen).toEqual(['stale ES last=10000', 'recovered ES after 190500']);
    expect(watchdog.isStale('ES')).toBe(false);
  });
});
