import { describe, expect, it } from 'vitest';
import type { Candle, CandleInterval } from '../../src/domain/candles.ts';
import { isWardenError } from '../../src/domain/errors.ts';
import { VolatilityMonitor } from '../../src/domain/monitoring/volatility.ts';

import { candleAt } from '../support/candles.ts';

function candle(
  n: number,
  high: number,
  low: number,
  close: number,
  symbol = 'BTC',
  interval: CandleInterval = '15m',
): Candle {
  return candleAt({ n, high, low, close, symbol, interval });
}
/** A candle closing at 100 with range r around it: its true range is r when the previous close is 100. */
const ranged = (n: number, r: number) => candle(n, 100 + r / 2, 100 - r / 2, 100);

describe('VolatilityMonitor: ATR', () => {
  it("matches Wilder's ATR(3) computed by hand", () => {
    // TR: c0 high − low = 2 (no previous close); c1 max(1, |11 − 9|, |10 − 9|) = 2;
    // c2 max(3, |13 − 10.5|, |10 − 10.5|) = 3; c3 max(1.5, |12.5 − 12|, |11 − 12|) = 1.5;
    // c4 (gap up) max(1, |16 − 11.5|, |15 − 11.5|) = 4.5.
    // ATR: seed (2 + 2 + 3) / 3 = 7/3; then (2·ATR + TR) / 3: (14/3 + 1.5) / 3 = 37/18;
    // (37/9 + 4.5) / 3 = 155/54. Mean of the last two ATRs: (7/3 + 37/18) / 2 = 79/36;
    // (37/18 + 155/54) / 2 = 133/54.
    const m = new VolatilityMonitor({ symbol: 'BTC', interval: '15m', period: 3, meanPeriod: 2 });
    expect(m.onCandle(candle(0, 10, 8, 9))).toBeUndefined();
    expect(m.onCandle(candle(1, 11, 10, 10.5))).toBeUndefined();
    const r2 = m.onCandle(candle(2, 13, 10, 12));
    expect(r2?.atr).toBeCloseTo(7 / 3, 12);
    expect(r2?.atrMean).toBeUndefined();
    expect(r2?.spiked).toBe(false);
    const r3 = m.onCandle(candle(3, 12.5, 11, 11.5));
    expect(r3?.atr).toBeCloseTo(37 / 18, 12);
    expect(r3?.atrMean).toBeCloseTo(79 / 36, 12);
    const r4 = m.onCandle(candle(4, 16, 15, 15.5));
    expect(r4?.atr).toBeCloseTo(155 / 54, 12);
    expect(r4?.atrMean).toBeCloseTo(133 / 54, 12);
    expect(r4?.spiked).toBe(false); // 155/54 ≤ 2 · 133/54
  });

  it('with the defaults, ATR starts at candle 14 and the mean at candle 113', () => {
    const m = new VolatilityMonitor({ symbol: 'BTC', interval: '15m' });
    const readings = Array.from({ length: 113 }, (_, n) => m.onCandle(ranged(n, 1)));
    expect(readings.slice(0, 13).every((r) => r === undefined)).toBe(true);
    expect(readings[13]).toEqual({ atr: 1, spiked: false, risingEdge: false });
    expect(readings[111]?.atrMean).toBeUndefined();
    expect(readings[112]).toEqual({ atr: 1, atrMean: 1, spiked: false, risingEdge: false });
  });

  it('ignores other symbols, other intervals and candles not newer than the last', () => {
    const m = new VolatilityMonitor({ symbol: 'BTC', interval: '15m', period: 1, meanPeriod: 1 });
    expect(m.onCandle(candle(0, 101, 99, 100, 'ETH'))).toBeUndefined();
    expect(m.onCandle(candle(0, 101, 99, 100, 'BTC', '1h'))).toBeUndefined();
    expect(m.onCandle(candle(1, 101, 99, 100))?.atr).toBe(2);
    expect(m.onCandle(candle(1, 110, 90, 100))).toBeUndefined();
    expect(m.onCandle(candle(0, 110, 90, 100))).toBeUndefined();
  });

  it('refuses bad settings', () => {
    for (const bad of [{ period: 0 }, { meanPeriod: 2.5 }, { multiplier: 0 }, { multiplier: Number.NaN }]) {
      try {
        new VolatilityMonitor({ symbol: 'BTC', interval: '15m', ...bad });
        expect.unreachable();
      } catch (e) {
        expect(isWardenError(e, 'WARDEN_CONFIG_INVALID')).toBe(true);
      }
    }
  });
});

describe('VolatilityMonitor: spikes', () => {
  // ATR(1) is the true range itself; the mean is over the last 4 ATRs, this one included.
  const spec = { symbol: 'BTC', interval: '15m', period: 1, meanPeriod: 4 } as const;

  it('ATR exactly twice the mean is not a spike', () => {
    const m = new VolatilityMonitor(spec);
    [1, 1, 1, 1].forEach((r, n) => {
      m.onCandle(ranged(n, r));
    });
    // mean (1 + 1 + 1 + 3) / 4 = 1.5; 3 > 3 is false.
    expect(m.onCandle(ranged(4, 3))).toEqual({ atr: 3, atrMean: 1.5, spiked: false, risingEdge: false });
  });

  it('raises the edge once per spike, not while it lasts, and again after it falls back', () => {
    const m = new VolatilityMonitor(spec);
    const ranges = [1, 1, 1, 1, 5, 8, 1, 1, 1, 1, 6];
    const got = ranges.map((r, n) => m.onCandle(ranged(n, r)));
    // Means from candle 3: 1, (1+1+1+5)/4 = 2, (1+1+5+8)/4 = 3.75, 3.75, 3.75, 2.75, 1, (1+1+1+6)/4 = 2.25.
    expect(got.map((r) => r?.atrMean)).toEqual([
      undefined,
      undefined,
      undefined,
      1,
      2,
      3.75,
      3.75,
      3.75,
      2.75,
      1,
      2.25,
    ]);
    expect(got.map((r) => r?.spiked)).toEqual([
      false,
      false,
      false,
      false,
      true,
      true,
      false,
      false,
      false,
      false,
      true,
    ]);
    expect(got.map((r) => r?.risingEdge)).toEqual([
      false,
      false,
      false,
      false,
      true,
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
  });

  it('warmUp takes history silently, so a spike already under way does not raise a new edge', () => {
    const m = new VolatilityMonitor(spec);
    m.warmUp([1, 1, 1, 1, 5].map((r, n) => ranged(n, r)));
    expect(m.isSpiked).toBe(true);
    expect(m.onCandle(ranged(5, 8))).toMatchObject({ spiked: true, risingEdge: false });
  });
});
