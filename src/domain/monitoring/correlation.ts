import { sampleCorrelation, sampleVariance } from 'simple-statistics';
import type { Candle, CandleInterval } from '../candles.ts';
import { WardenError } from '../errors.ts';

export interface CorrelationMonitorOptions {
  readonly interval: CandleInterval;
  /** Number of returns in the window, N (default 50); N + 1 closes are kept per symbol. */
  readonly window?: number;
  /** Spiked when the mean pairwise correlation is strictly above this (default 0.8). */
  readonly threshold?: number;
  /** Fewest aligned returns a correlation is computed on (default ⌈N / 2⌉, at least 2). */
  readonly minReturns?: number;
  /** State from `state()` of an earlier monitor of the same account and interval. */
  readonly restore?: CorrelationMonitorState;
}

/** One close of one symbol. */
export interface ClosePoint {
  readonly openTime: number;
  readonly close: number;
}

export interface CorrelationMonitorState {
  /** The kept closes per symbol, oldest first. */
  readonly closes: Readonly<Record<string, readonly ClosePoint[]>>;
  readonly spiked: boolean;
}

export interface CorrelationReading {
  /** Mean of the pairwise Pearson correlations of the symbols' returns, in [−1, 1]. */
  readonly correlation: number;
  /** The symbols that went into it, in the order asked. */
  readonly symbols: string[];
}

export interface CorrelationCheck extends CorrelationReading {
  /** Level state: correlation > threshold. */
  readonly spiked: boolean;
  /** True only on the check where `spiked` turns on: the caller raises the event here. */
  readonly risingEdge: boolean;
}

/**
 * How much one account's symbols move together, on closed candles of one interval.
 *
 * `onCandle` keeps the last N + 1 closes of every symbol. `evaluate(symbols)`:
 * 1. takes the symbols with a full window (N + 1 closes);
 * 2. aligns them by candle openTime: only openTimes present for every one of them count, so a
 *    candle missing for one symbol removes that time for all, and the return across the gap
 *    spans the same two candles for everyone;
 * 3. computes simple returns close/previous close − 1 over the aligned closes;
 * 4. skips symbols whose returns have zero variance (a flat price): their correlation is
 *    undefined, so they are neither correlated nor uncorrelated and are left out;
 * 5. averages simple-statistics' `sampleCorrelation` (Pearson) over every pair of the rest.
 *
 * It returns undefined when fewer than 2 symbols remain or fewer than `minReturns` returns align.
 * Floating-point results are clamped to [−1, 1].
 */
export class CorrelationMonitor {
  readonly interval: CandleInterval;
  readonly window: number;
  readonly threshold: number;
  readonly minReturns: number;
  private readonly closes = new Map<string, ClosePoint[]>();
  private spiked: boolean;

  constructor(options: CorrelationMonitorOptions) {
    this.interval = options.interval;
    const window = options.window ?? 50;
    if (!Number.isInteger(window) || window < 2) {
      throw new WardenError('WARDEN_CONFIG_INVALID', 'correlation window must be an integer ≥ 2', { window });
    }
    const minReturns = options.minReturns ?? Math.max(2, Math.ceil(window / 2));
    if (!Number.isInteger(minReturns) || minReturns < 2 || minReturns > window) {
      throw new WardenError('WARDEN_CONFIG_INVALID', 'minReturns must be an integer in [2, window]', {
        minReturns,
      });
    }
    const threshold = options.threshold ?? 0.8;
    if (!(threshold >= -1 && threshold <= 1)) {
      throw new WardenError('WARDEN_CONFIG_INVALID', 'correlation threshold must be in [−1, 1]', {
        threshold,
      });
    }
    this.window = window;
    this.minReturns = minReturns;
    this.threshold = threshold;
    this.spiked = options.restore?.spiked ?? false;
    for (const [symbol, points] of Object.entries(options.restore?.closes ?? {})) {
      this.closes.set(symbol, points.slice(-(window + 1)));
    }
  }

  /** Takes a closed candle; other intervals and candles not newer than the symbol's last are ignored. */
  onCandle(c: Candle): void {
    if (c.interval !== this.interval) return;
    let points = this.closes.get(c.symbol);
    if (points === undefined) {
      points = [];
      this.closes.set(c.symbol, points);
    }
    const last = points[points.length - 1];
    if (last !== undefined && c.openTime <= last.openTime) return;
    points.push({ openTime: c.openTime, close: c.close });
    if (points.length > this.window + 1) points.shift();
  }

  /** The mean pairwise correlation of the symbols' returns, or undefined (see the class). */
  evaluate(symbols: readonly string[]): CorrelationReading | undefined {
    const full = [...new Set(symbols)].filter((s) => (this.closes.get(s)?.length ?? 0) === this.window + 1);
    if (full.length < 2) return undefined;
    const series = full.map((s) => this.closes.get(s) as ClosePoint[]);

    let common = new Set(series[0]?.map((p) => p.openTime));
    for (const points of series.slice(1)) {
      const times = new Set(points.map((p) => p.openTime));
      common = new Set([...common].filter((t) => times.has(t)));
    }
    if (common.size - 1 < this.minReturns) return undefined;

    const used: string[] = [];
    const returns: number[][] = [];
    full.forEach((symbol, k) => {
      const aligned = (series[k] as ClosePoint[]).filter((p) => common.has(p.openTime));
      const r = aligned.slice(1).map((p, i) => p.close / (aligned[i] as ClosePoint).close - 1);
      if (sampleVariance(r) > 0) {
        used.push(symbol);
        returns.push(r);
      }
    });
    if (used.length < 2) return undefined;

    let sum = 0;
    let pairs = 0;
    for (let i = 0; i < returns.length; i++) {
      for (let j = i + 1; j < returns.length; j++) {
        sum += sampleCorrelation(returns[i] as number[], returns[j] as number[]);
        pairs += 1;
      }
    }
    const correlation = Math.min(1, Math.max(-1, sum / pairs));
    return { correlation, symbols: used };
  }

  /**
   * `evaluate` plus the threshold's level and rising edge. No reading (undefined) counts as not
   * spiked, so a spike after the account's set of symbols became measurable again fires anew.
   */
  check(symbols: readonly string[]): CorrelationCheck | undefined {
    const reading = this.evaluate(symbols);
    const spiked = reading !== undefined && reading.correlation > this.threshold;
    const risingEdge = spiked && !this.spiked;
    this.spiked = spiked;
    return reading === undefined ? undefined : { ...reading, spiked, risingEdge };
  }

  /** Drops a symbol's closes (e.g. when the account no longer holds it). */
  forget(symbol: string): void {
    this.closes.delete(symbol);
  }

  /** A snapshot for `restore`. */
  state(): CorrelationMonitorState {
    const closes: Record<string, readonly ClosePoint[]> = {};
    for (const [symbol, points] of this.closes) closes[symbol] = [...points];
    return { closes, spiked: this.spiked };
  }
}
