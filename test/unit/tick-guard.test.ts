import { describe, expect, it } from 'vitest';
import { createTickGuard } from '../../src/domain/tick-guard.ts';

const T = Date.UTC(2024, 2, 1, 10);

describe('createTickGuard', () => {
  it('accepts ticks of known symbols in time order', () => {
    const guard = createTickGuard(['BTC', 'ETH']);
    expect(guard.check({ ts: T, symbol: 'BTC', price: 100 })).toBeUndefined();
    expect(
      guard.check({ ts: T + 1, symbol: 'ETH', price: 10, bid: 9.9, ask: 10.1, volume: 3 }),
    ).toBeUndefined();
  });

  it('rejects an unknown symbol, with the line when known', () => {
    const guard = createTickGuard(['BTC']);
    expect(guard.check({ ts: T, symbol: 'DOGE', price: 1, line: 12 })).toEqual({
      line: 12,
      code: 'WARDEN_TICK_UNKNOWN_SYMBOL',
      message: expect.stringMatching(/^line 12: DOGE: /),
    });
    expect(guard.check({ ts: T, symbol: 'DOGE', price: 1 })).toMatchObject({
      code: 'WARDEN_TICK_UNKNOWN_SYMBOL',
    });
    expect(guard.check({ ts: T, symbol: 'DOGE', price: 1 })).not.toHaveProperty('line');
  });

  it('rejects a tick older than the previous accepted tick of the feed, whatever its symbol', () => {
    const guard = createTickGuard(['BTC', 'ETH']);
    expect(guard.check({ ts: T + 1000, symbol: 'BTC', price: 100 })).toBeUndefined();
    expect(guard.check({ ts: T + 999, symbol: 'ETH', price: 10, line: 4 })).toMatchObject({
      line: 4,
      code: 'WARDEN_TICK_OUT_OF_ORDER',
    });
    // The rejected tick did not move the feed's time back: T + 999 is still too old.
    expect(guard.check({ ts: T + 999, symbol: 'BTC', price: 101 })).toMatchObject({
      code: 'WARDEN_TICK_OUT_OF_ORDER',
    });
  });

  it('allows equal timestamps, across and within symbols', () => {
    const guard = createTickGuard(['BTC', 'ETH']);
    expect(guard.check({ ts: T, symbol: 'BTC', price: 100 })).toBeUndefined();
    expect(guard.check({ ts: T, symbol: 'ETH', price: 10 })).toBeUndefined();
    expect(guard.check({ ts: T, symbol: 'BTC', price: 100.5 })).toBeUndefined();
  });

  it('rejects an exact repeat of the previous accepted tick of the symbol', () => {
    const guard = createTickGuard(['BTC', 'ETH']);
    const tick = { ts: T, symbol: 'BTC', price: 100, bid: 99, ask: 101, volume: 2 };
    expect(guard.check(tick)).toBeUndefined();
    expect(guard.check({ ...tick, line: 9 })).toMatchObject({ line: 9, code: 'WARDEN_TICK_DUPLICATE' });
    // Any differing field makes it a new tick.
    expect(guard.check({ ...tick, volume: 3 })).toBeUndefined();
    expect(guard.check({ ...tick, volume: 3, bid: 99.5 })).toBeUndefined();
    // Another symbol in between does not hide a repeat of this symbol's last tick.
    expect(guard.check({ ts: T, symbol: 'ETH', price: 10 })).toBeUndefined();
    expect(guard.check({ ...tick, volume: 3, bid: 99.5 })).toMatchObject({ code: 'WARDEN_TICK_DUPLICATE' });
  });

  it('re-checks prices and quotes, and a rejected tick leaves the state alone', () => {
    const guard = createTickGuard(['BTC']);
    for (const price of [Number.NaN, 0, -1, Number.POSITIVE_INFINITY]) {
      expect(guard.check({ ts: T, symbol: 'BTC', price })).toMatchObject({ code: 'WARDEN_TICK_BAD_PRICE' });
    }
    expect(guard.check({ ts: T, symbol: 'BTC', price: 10, bid: 0 })).toMatchObject({
      code: 'WARDEN_TICK_BAD_PRICE',
    });
    expect(guard.check({ ts: T, symbol: 'BTC', price: 10, bid: 10.5, ask: 10.4 })).toMatchObject({
      code: 'WARDEN_TICK_BAD_PRICE',
    });
    expect(guard.check({ ts: Number.NaN, symbol: 'BTC', price: 10 })).toMatchObject({
      code: 'WARDEN_TICK_MALFORMED',
    });
    // A bad tick stamped later did not advance the feed's time.
    expect(guard.check({ ts: T + 5000, symbol: 'BTC', price: -1 })).toMatchObject({
      code: 'WARDEN_TICK_BAD_PRICE',
    });
    expect(guard.check({ ts: T + 1000, symbol: 'BTC', price: 10 })).toBeUndefined();
  });
});
