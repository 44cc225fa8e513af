import { CANDLE_INTERVALS, type Candle, type CandleInterval } from '../candles.ts';
import { WardenError } from '../errors.ts';
import type { PositionSide } from '../order.ts';
import type { Thesis } from '../position.ts';

/** The interval a thesis is judged on when it names none. */
export const DEFAULT_THESIS_INTERVAL: CandleInterval = '15m';
/** Candles on each side of a fractal swing point. */
export const DEFAULT_SWING_LOOKBACK = 2;

export type ThesisBreakKind = 'INVALIDATION_PRICE' | 'SWING_BREAK';

/** A candle close that invalidated the thesis. */
export interface ThesisBreak {
  readonly kind: ThesisBreakKind;
  /** The invalidation price, or the swing low (long) / swing high (short) that broke. */
  readonly level: number;
  readonly close: number;
}

/** What a `ThesisWatch` needs to resume after a restart. */
export interface ThesisWatchState {
  readonly fired: boolean;
  /** openTime of the last candle taken; older or repeated candles are ignored. */
  readonly lastOpenTime?: number;
  /**
   * Lows (long) or highs (short) of the last 2·lookback candles, oldest first: the candidates
   * still waiting for confirmation and the candles before them.
   */
  readonly extremes: readonly number[];
  /** The last confirmed swing low (long) / swing high (short). */
  readonly swing?: number;
}

export interface ThesisWatchOptions {
  readonly side: PositionSide;
  readonly thesis: Pick<Thesis, 'invalidationPrice' | 'interval' | 'swingBreak'>;
  /** Candles that must lie on each side of a swing point (default 2, a 5-candle fractal). */
  readonly swingLookback?: number;
  /** State from `state()` of an earlier watch of the same position. */
  readonly restore?: ThesisWatchState;
}

/**
 * Watches one position's thesis on closed candles of the thesis interval (`15m` when the thesis
 * names none). The caller routes the position's symbol to it; candles of other intervals are
 * ignored.
 *
 * - A close strictly beyond the invalidation price invalidates: long close < price, short
 *   close > price. A close exactly at the price does not.
 * - With `swingBreak`, the last confirmed fractal swing low (long) or swing high (short) is
 *   tracked: a candle whose low is strictly lower than the lows of the `lookback` candles before
 *   it and the `lookback` candles after it, confirmed when the last of those after it closes. A
 *   close strictly below that low (long; above the swing high for short) invalidates. Each close
 *   is judged against the swing confirmed before it; a newer confirmed swing replaces the older.
 *
 * When both break on the same candle the invalidation price is reported, being the level the
 * thesis named. The watch fires at most once and is silent afterwards.
 */
export class ThesisWatch {
  readonly interval: CandleInterval;
  private readonly long: boolean;
  private readonly invalidationPrice: number | undefined;
  private readonly swingBreak: boolean;
  private readonly lookback: number;
  private fired: boolean;
  private lastOpenTime: number | undefined;
  private extremes: number[];
  private swing: number | undefined;

  constructor(options: ThesisWatchOptions) {
    const { thesis } = options;
    const interval = thesis.interval ?? DEFAULT_THESIS_INTERVAL;
    if (!(CANDLE_INTERVALS as readonly string[]).includes(interval)) {
      throw new WardenError('WARDEN_CONFIG_INVALID', `unknown thesis interval "${interval}"`, { interval });
    }
    const price = thesis.invalidationPrice;
    if (price !== undefined && !(Number.isFinite(price) && price > 0)) {
      throw new WardenError('WARDEN_CONFIG_INVALID', 'thesis invalidationPrice must be a positive number', {
        invalidationPrice: price,
      });
    }
    const lookback = options.swingLookback ?? DEFAULT_SWING_LOOKBACK;
    if (!Number.isInteger(lookback) || lookback < 1) {
      throw new WardenError('WARDEN_CONFIG_INVALID', 'swingLookback must be an integer ≥ 1', { lookback });
    }
    this.interval = interval as CandleInterval;
    this.long = options.side === 'long';
    this.invalidationPrice = price;
    this.swingBreak = thesis.swingBreak === true;
    this.lookback = lookback;
    const r = options.restore;
    this.fired = r?.fired ?? false;
    this.lastOpenTime = r?.lastOpenTime;
    this.extremes = [...(r?.extremes ?? [])].slice(-2 * lookback);
    this.swing = r?.swing;
  }

  /** Takes a closed candle; returns the break on the candle that invalidates the thesis, once. */
  onCandle(c: Candle): ThesisBreak | undefined {
    if (this.fired || c.interval !== this.interval) return undefined;
    if (this.lastOpenTime !== undefined && c.openTime <= this.lastOpenTime) return undefined;
    this.lastOpenTime = c.openTime;

    const hit = this.check(c.close);
    if (hit !== undefined) {
      this.fired = true;
      return hit;
    }
    if (this.swingBreak) this.track(this.long ? c.low : c.high);
    return undefined;
  }

  /** Whether the watch has fired. */
  get hasFired(): boolean {
    return this.fired;
  }

  /** The last confirmed swing low (long) / swing high (short), if any. */
  get swingLevel(): number | undefined {
    return this.swing;
  }

  /** A snapshot for `restore`. */
  state(): ThesisWatchState {
    return {
      fired: this.fired,
      ...(this.lastOpenTime === undefined ? {} : { lastOpenTime: this.lastOpenTime }),
      extremes: [...this.extremes],
      ...(this.swing === undefined ? {} : { swing: this.swing }),
    };
  }

  private check(close: number): ThesisBreak | undefined {
    const p = this.invalidationPrice;
    if (p !== undefined && (this.long ? close < p : close > p)) {
      return { kind: 'INVALIDATION_PRICE', level: p, close };
    }
    const s = this.swing;
    if (this.swingBreak && s !== undefined && (this.long ? close < s : close > s)) {
      return { kind: 'SWING_BREAK', level: s, close };
    }
    return undefined;
  }

  /** Adds the candle's low (long) or high (short) and confirms the candidate `lookback` back. */
  private track(extreme: number): void {
    const k = this.lookback;
    const w = this.extremes;
    w.push(extreme);
    if (w.length === 2 * k + 1) {
      const candidate = w[k] as number;
      // "Beyond" is lower for swing lows and higher for swing highs.
      const beyond = (a: number, b: number): boolean => (this.long ? a < b : a > b);
      if (w.every((x, i) => i === k || beyond(candidate, x))) this.swing = candidate;
      w.shift();
    }
  }
}
