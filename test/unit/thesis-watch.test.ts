import { describe, expect, it } from 'vitest';
import type { Candle, CandleInterval } from '../../src/domain/candles.ts';
import { isWardenError } from '../../src/domain/errors.ts';
import { ThesisWatch } from '../../src/domain/monitoring/thesis.ts';

import { candleAt, M15, CANDLE_T0 as T0 } from '../support/candles.ts';

/** Candle n of a 15m series (or `interval`), with only what the watch reads set meaningfully. */
function candle(
  n: number,
  low: number,
  high: number,
  close: number,
  interval: CandleInterval = '15m',
): Candle {
  return candleAt({ n, low, high, close, interval });
}
/** A candle whose low, high and close are all `close`. */
const flat = (n: number, close: number, interval?: CandleInterval) =>
  candle(n, close, close, close, interval);

describe('ThesisWatch: invalidation price', () => {
  it('long: a close exactly at the price does not fire, one tick below does, and only once', () => {
    const w = new ThesisWatch({ side: 'long', thesis: { invalidationPrice: 100 } });
    expect(w.onCandle(flat(0, 100))).toBeUndefined();
    expect(w.onCandle(flat(1, 99.99))).toEqual({ kind: 'INVALIDATION_PRICE', level: 100, close: 99.99 });
    expect(w.hasFired).toBe(true);
    expect(w.onCandle(flat(2, 90))).toBeUndefined();
  });

  it('short: a close exactly at the price does not fire, one tick above does', () => {
    const w = new ThesisWatch({ side: 'short', thesis: { invalidationPrice: 100 } });
    expect(w.onCandle(flat(0, 100))).toBeUndefined();
    expect(w.onCandle(flat(1, 99))).toBeUndefined();
    expect(w.onCandle(flat(2, 100.01))).toEqual({ kind: 'INVALIDATION_PRICE', level: 100, close: 100.01 });
    expect(w.onCandle(flat(3, 120))).toBeUndefined();
  });

  it('judges the close, not the wick', () => {
    const w = new ThesisWatch({ side: 'long', thesis: { invalidationPrice: 100 } });
    expect(w.onCandle(candle(0, 95, 102, 101))).toBeUndefined();
  });

  it('counts only candles of the thesis interval', () => {
    const w = new ThesisWatch({ side: 'long', thesis: { invalidationPrice: 100, interval: '1h' } });
    expect(w.interval).toBe('1h');
    expect(w.onCandle(flat(0, 50, '15m'))).toBeUndefined();
    expect(w.onCandle(flat(1, 50, '1m'))).toBeUndefined();
    expect(w.onCandle(flat(0, 50, '1h'))).toEqual({ kind: 'INVALIDATION_PRICE', level: 100, close: 50 });
  });

  it('defaults to 15m when the thesis names no interval', () => {
    const w = new ThesisWatch({ side: 'long', thesis: { invalidationPrice: 100 } });
    expect(w.interval).toBe('15m');
    expect(w.onCandle(flat(0, 50, '1h'))).toBeUndefined();
    expect(w.onCandle(flat(0, 50, '15m'))?.kind).toBe('INVALIDATION_PRICE');
  });

  it('ignores a repeated or older candle', () => {
    const w = new ThesisWatch({ side: 'long', thesis: { invalidationPrice: 100 } });
    expect(w.onCandle(flat(5, 101))).toBeUndefined();
    expect(w.onCandle(flat(5, 50))).toBeUndefined();
    expect(w.onCandle(flat(4, 50))).toBeUndefined();
    expect(w.hasFired).toBe(false);
  });

  it('refuses an unknown interval and a bad price or lookback', () => {
    const bad = [
      () => new ThesisWatch({ side: 'long', thesis: { interval: '2m' } }),
      () => new ThesisWatch({ side: 'long', thesis: { invalidationPrice: 0 } }),
      () => new ThesisWatch({ side: 'long', thesis: { invalidationPrice: Number.NaN } }),
      () => new ThesisWatch({ side: 'long', thesis: {}, swingLookback: 0 }),
      () => new ThesisWatch({ side: 'long', thesis: {}, swingLookback: 1.5 }),
    ];
    for (const make of bad) {
      try {
        make();
        expect.unreachable();
      } catch (e) {
        expect(isWardenError(e, 'WARDEN_CONFIG_INVALID')).toBe(true);
      }
    }
  });
});

describe('ThesisWatch: swing break', () => {
  // Lows 105, 103, 100, 102, 101: candle 2 (low 100) is lower than the two before and the two
  // after it, so it is a swing low, confirmed when candle 4 closes.
  const dip = [
    candle(0, 105, 108, 107),
    candle(1, 103, 106, 105),
    candle(2, 100, 103, 102),
    candle(3, 102, 105, 104),
  ];

  it('long: a swing low counts only once confirmed, and a close below it fires SWING_BREAK', () => {
    const w = new ThesisWatch({ side: 'long', thesis: { swingBreak: true } });
    for (const c of dip) expect(w.onCandle(c)).toBeUndefined();
    expect(w.swingLevel).toBeUndefined(); // one confirming candle of two so far
    expect(w.onCandle(candle(4, 101, 104, 103))).toBeUndefined();
    expect(w.swingLevel).toBe(100);
    expect(w.onCandle(candle(5, 99, 103, 100))).toBeUndefined(); // close at the level: not beyond
    expect(w.onCandle(candle(6, 99, 101, 99.9))).toEqual({ kind: 'SWING_BREAK', level: 100, close: 99.9 });
    expect(w.onCandle(candle(7, 90, 95, 91))).toBeUndefined();
  });

  it('an unconfirmed candidate is not a level: the candle that undercuts it unmakes it', () => {
    const w = new ThesisWatch({ side: 'long', thesis: { swingBreak: true } });
    for (const c of dip) w.onCandle(c);
    // Candle 4 closes below the candidate 100 but, the candidate being unconfirmed, nothing fires.
    expect(w.onCandle(candle(4, 97, 101, 98))).toBeUndefined();
    expect(w.swingLevel).toBeUndefined();
  });

  it('equal lows are not a swing (strictly lower on both sides)', () => {
    const w = new ThesisWatch({ side: 'long', thesis: { swingBreak: true } });
    const lows = [103, 100, 100, 102, 104, 105];
    lows.forEach((low, n) => {
      w.onCandle(candle(n, low, low + 3, low + 2));
    });
    expect(w.swingLevel).toBeUndefined();
  });

  it('a newer confirmed swing low replaces the older one', () => {
    const w = new ThesisWatch({ side: 'long', thesis: { swingBreak: true }, swingLookback: 1 });
    // Lookback 1: lows 102, 100, 101 → swing 100; then 104, 103, 105 → swing 103.
    [102, 100, 101].forEach((low, n) => {
      w.onCandle(candle(n, low, low + 3, low + 2));
    });
    expect(w.swingLevel).toBe(100);
    [104, 103, 105].forEach((low, n) => {
      w.onCandle(candle(n + 3, low, low + 3, low + 2));
    });
    expect(w.swingLevel).toBe(103);
    expect(w.onCandle(candle(6, 102, 105, 102.5))).toEqual({ kind: 'SWING_BREAK', level: 103, close: 102.5 });
  });

  it('short: tracks swing highs and fires on a close above', () => {
    const w = new ThesisWatch({ side: 'short', thesis: { swingBreak: true } });
    const highs = [95, 97, 100, 98, 96];
    highs.forEach((high, n) => {
      expect(w.onCandle(candle(n, high - 3, high, high - 1))).toBeUndefined();
    });
    expect(w.swingLevel).toBe(100);
    expect(w.onCandle(candle(5, 97, 100, 100))).toBeUndefined();
    expect(w.onCandle(candle(6, 98, 101, 100.5))).toEqual({ kind: 'SWING_BREAK', level: 100, close: 100.5 });
  });

  it('ignores swings unless the thesis asks for them', () => {
    const w = new ThesisWatch({ side: 'long', thesis: { invalidationPrice: 50 } });
    for (const c of dip) w.onCandle(c);
    w.onCandle(candle(4, 101, 104, 103));
    expect(w.swingLevel).toBeUndefined();
    expect(w.onCandle(candle(5, 90, 95, 91))).toBeUndefined();
  });

  it('reports the invalidation price when both break on one candle', () => {
    const w = new ThesisWatch({ side: 'long', thesis: { invalidationPrice: 99, swingBreak: true } });
    for (const c of dip) w.onCandle(c);
    w.onCandle(candle(4, 101, 104, 103));
    expect(w.onCandle(candle(5, 97, 101, 98))).toEqual({ kind: 'INVALIDATION_PRICE', level: 99, close: 98 });
  });
});

describe('ThesisWatch: state', () => {
  it('restores pending candidates, the swing and the fired flag', () => {
    const thesis = { swingBreak: true };
    const a = new ThesisWatch({ side: 'long', thesis });
    for (const c of [candle(0, 105, 108, 107), candle(1, 103, 106, 105), candle(2, 100, 103, 102)])
      a.onCandle(c);
    a.onCandle(candle(3, 102, 105, 104));
    const saved = a.state();
    expect(saved).toEqual({ fired: false, lastOpenTime: T0 + 3 * M15, extremes: [105, 103, 100, 102] });

    const b = new ThesisWatch({ side: 'long', thesis, restore: JSON.parse(JSON.stringify(saved)) });
    expect(b.onCandle(candle(3, 1, 1, 1))).toBeUndefined(); // already seen
    b.onCandle(candle(4, 101, 104, 103));
    expect(b.swingLevel).toBe(100);
    expect(b.onCandle(candle(5, 98, 101, 99))).toEqual({ kind: 'SWING_BREAK', level: 100, close: 99 });

    const c = new ThesisWatch({ side: 'long', thesis, restore: b.state() });
    expect(c.hasFired).toBe(true);
    expect(c.onCandle(candle(6, 50, 60, 55))).toBeUndefined();
  });
});
