import { ATR, SMA } from 'trading-signals';
import type { Candle, CandleInterval } from '../candles.ts';
import { WardenError } from '../errors.ts';

export interface VolatilityMonitorOptions {
  readonly symbol: string;
  readonly interval: CandleInterval;
  /** ATR period (default 14). */
  readonly period?: number;
  /** Number of ATR values averaged into the norm (default 100). */
  readonly meanPeriod?: number;
  /** Spiked when ATR > multiplier × the norm (default 2). */
  readonly multiplier?: number;
}

/** The monitor's reading after a candle. */
export interface VolatilityReading {
  readonly atr: number;
  /** Mean of the last `meanPeriod` ATR values, this one included; absent until there are that many. */
  readonly atrMean?: number;
  /** Level state: ATR is above multiplier × mean on this candle. */
  readonly spiked: boolean;
  /** True only on the candle where `spiked` turns on: the caller raises the event here. */
  readonly risingEdge: boolean;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new WardenError('WARDEN_CONFIG_INVALID', `${name} must be an integer ≥ 1`, { [name]: value });
  }
  return value;
}

/**
 * ATR spike detector for one symbol and interval, fed closed candles.
 *
 * ATR is trading-signals' `ATR`, which uses Wilder's smoothing (its `WSMA`): true range of each
 * candle (the first candle's high − low, as there is no previous close), seeded with the simple
 * mean of the first `period` true ranges, then ATRₜ = ATRₜ₋₁ + (TRₜ − ATRₜ₋₁) / period. So the
 * first ATR comes with the `period`-th candle and the first mean with candle
 * `period + meanPeriod − 1`. The norm is trading-signals' `SMA` over the ATR values.
 *
 * The indicators cannot be snapshotted, so after a restart the monitor is rebuilt with
 * `warmUp(history)`: give it at least `period + meanPeriod` candles. Wilder's seed then weighs
 * ((period − 1) / period)^meanPeriod, about 6·10⁻⁴ with the defaults, so the result matches an
 * unbroken run to that precision. Edges inside the history are not reported.
 *
 * Candles of another symbol or interval, and candles not newer than the last one, are ignored.
 */
export class VolatilityMonitor {
  readonly symbol: string;
  readonly interval: CandleInterval;
  private readonly multiplier: number;
  private readonly atr: ATR;
  private readonly mean: SMA;
  private lastOpenTime = Number.NEGATIVE_INFINITY;
  private spiked = false;

  constructor(options: VolatilityMonitorOptions) {
    this.symbol = options.symbol;
    this.interval = options.interval;
    const multiplier = options.multiplier ?? 2;
    if (!(Number.isFinite(multiplier) && multiplier > 0)) {
      throw new WardenError('WARDEN_CONFIG_INVALID', 'multiplier must be a positive number', { multiplier });
    }
    this.multiplier = multiplier;
    this.atr = new ATR(positiveInteger('period', options.period ?? 14));
    this.mean = new SMA(positiveInteger('meanPeriod', options.meanPeriod ?? 100));
  }

  /** Takes a closed candle; undefined while ATR has too few candles or when the candle is not ours. */
  onCandle(c: Candle): VolatilityReading | undefined {
    if (c.symbol !== this.symbol || c.interval !== this.interval || c.openTime <= this.lastOpenTime) {
      return undefined;
    }
    this.lastOpenTime = c.openTime;
    const atr = this.atr.add({ high: c.high, low: c.low, close: c.close });
    if (atr === null) return undefined;
    const atrMean = this.mean.add(atr);
    const spiked = atrMean !== null && atr > this.multiplier * atrMean;
    const risingEdge = spiked && !this.spiked;
    this.spiked = spiked;
    return atrMean === null ? { atr, spiked, risingEdge } : { atr, atrMean, spiked, risingEdge };
  }

  /** Feeds past candles, oldest first, without reporting their edges. */
  warmUp(candles: readonly Candle[]): void {
    for (const c of candles) this.onCandle(c);
  }

  /** Whether the last reading was spiked. */
  get isSpiked(): boolean {
    return this.spiked;
  }
}
