import type { Candle, CandleInterval } from '../../src/domain/candles.ts';

/** 2024-03-01T08:00:00Z, the anchor of the candle series in the signal tests. */
export const CANDLE_T0 = 1_709_280_000_000;
export const M15 = 900_000;

/** Candle n of a 15m series from CANDLE_T0; fields not given default to `close`. */
export function candleAt(spec: {
  n: number;
  close: number;
  low?: number;
  high?: number;
  symbol?: string;
  interval?: CandleInterval;
}): Candle {
  return {
    symbol: spec.symbol ?? 'BTC',
    interval: spec.interval ?? '15m',
    openTime: CANDLE_T0 + spec.n * M15,
    closeTime: CANDLE_T0 + (spec.n + 1) * M15,
    open: spec.close,
    high: spec.high ?? spec.close,
    low: spec.low ?? spec.close,
    close: spec.close,
    volume: 0,
    ticks: 1,
  };
}
