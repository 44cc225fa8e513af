import type { Tick } from '../domain/tick.ts';
import { WardenError } from './errors.ts';
import type { CandleClosedV1, PayloadOf } from './events/catalog.ts';

export const CANDLE_INTERVALS = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

const MINUTE = 60_000;
const INTERVAL_MS: Readonly<Record<CandleInterval, number>> = {
  '1m': MINUTE,
  '5m': 5 * MINUTE,
  '15m': 15 * MINUTE,
  '1h': 60 * MINUTE,
  '4h': 240 * MINUTE,
  '1d': 1440 * MINUTE,
};

/** Length of an interval in milliseconds. */
export function intervalMs(interval: CandleInterval): number {
  return INTERVAL_MS[interval];
}

/** One bar of one symbol over [openTime, closeTime). */
export interface Candle {
  readonly symbol: string;
  readonly interval: CandleInterval;
  /** Epoch ms, a multiple of the interval since the epoch (so `1d` opens at UTC midnight). */
  readonly openTime: number;
  /** openTime + the interval; the candle covers ticks with openTime ≤ ts < closeTime. */
  readonly closeTime: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Sum of the ticks' volumes; ticks without a volume add nothing. */
  readonly volume: number;
  /** Number of ticks aggregated. */
  readonly ticks: number;
}

type MutableCandle = { -readonly [K in keyof Candle]: Candle[K] };

/** Per symbol and interval: the candle being built, and the end of the last one closed. */
interface Slot {
  current: MutableCandle | undefined;
  closedUntil: number;
}

/**
 * Builds OHLCV candles from ticks for several intervals at once. Buckets are aligned to the epoch
 * in UTC: a tick at exactly 10:05:00.000 opens the candle [10:05, 10:10) and closes [10:00, 10:05).
 *
 * A candle closes either when a tick of its symbol falls in a later bucket (`onTick`) or when the
 * clock reaches its end (`closeDue`, for a timer at each boundary, so a candle closes even when no
 * tick follows). Each candle is emitted exactly once.
 *
 * Gaps produce no candles: a bucket without a tick has no candle, since there is no honest
 * price to give it (an empty or flat candle would feed fake bars to ATR and structure checks).
 *
 * Late ticks: a tick whose bucket is before the candle being built, or already closed, cannot
 * change a candle that was emitted; it is dropped for that interval (and still used for the
 * others it fits) and counted in `lateTicks`. In a guarded feed this only happens when
 * `closeDue` ran ahead of a tick stamped before the boundary.
 *
 * Ticks are assumed valid (see tick-guard.ts): a NaN price would poison the candle.
 */
export class CandleAggregator {
  /** The intervals, shortest first, without duplicates. */
  readonly intervals: readonly CandleInterval[];
  private readonly lengths: readonly number[];
  private readonly slots = new Map<string, Slot[]>();
  private late = 0;

  constructor(intervals: readonly CandleInterval[]) {
    for (const i of intervals) {
      if (!(i in INTERVAL_MS)) {
        throw new WardenError('WARDEN_CONFIG_INVALID', `unknown candle interval "${i}"`, { interval: i });
      }
    }
    this.intervals = [...new Set(intervals)].sort((a, b) => INTERVAL_MS[a] - INTERVAL_MS[b]);
    this.lengths = this.intervals.map((i) => INTERVAL_MS[i]);
  }

  /** (tick, interval) pairs dropped because their bucket was already closed or passed. */
  get lateTicks(): number {
    return this.late;
  }

  /**
   * Adds a tick. Returns the candles of its symbol that this tick closed, shortest interval
   * first, and updates (or opens) the candles it belongs to.
   */
  onTick(tick: Tick): Candle[] {
    let slots = this.slots.get(tick.symbol);
    if (slots === undefined) {
      slots = this.lengths.map(() => ({ current: undefined, closedUntil: Number.NEGATIVE_INFINITY }));
      this.slots.set(tick.symbol, slots);
    }
    const closed: Candle[] = [];
    const volume = tick.volume ?? 0;
    for (let k = 0; k < slots.length; k++) {
      const slot = slots[k] as Slot;
      const length = this.lengths[k] as number;
      const openTime = Math.floor(tick.ts / length) * length;
      const c = slot.current;
      if (c !== undefined && openTime === c.openTime) {
        if (tick.price > c.high) c.high = tick.price;
        if (tick.price < c.low) c.low = tick.price;
        c.close = tick.price;
        c.volume += volume;
        c.ticks += 1;
        continue;
      }
      if (c !== undefined && openTime < c.openTime) {
        this.late += 1;
        continue;
      }
      if (c === undefined && openTime < slot.closedUntil) {
        this.late += 1;
        continue;
      }
      if (c !== undefined) {
        closed.push(c);
        slot.closedUntil = c.closeTime;
      }
      slot.current = {
        symbol: tick.symbol,
        interval: this.intervals[k] as CandleInterval,
        openTime,
        closeTime: openTime + length,
        open: tick.price,
        high: tick.price,
        low: tick.price,
        close: tick.price,
        volume,
        ticks: 1,
      };
    }
    return closed;
  }

  /**
   * Closes every candle whose closeTime ≤ now. Returned in closeTime order, then shortest
   * interval first, then symbols in the order they were first seen.
   */
  closeDue(now: number): Candle[] {
    const closed: Candle[] = [];
    for (const slots of this.slots.values()) {
      for (const slot of slots) {
        const c = slot.current;
        if (c !== undefined && c.closeTime <= now) {
          closed.push(c);
          slot.closedUntil = c.closeTime;
          slot.current = undefined;
        }
      }
    }
    if (closed.length > 1) {
      const rank = new Map(this.intervals.map((i, k) => [i, k]));
      const symbolRank = new Map([...this.slots.keys()].map((s, k) => [s, k]));
      closed.sort(
        (a, b) =>
          a.closeTime - b.closeTime ||
          (rank.get(a.interval) as number) - (rank.get(b.interval) as number) ||
          (symbolRank.get(a.symbol) as number) - (symbolRank.get(b.symbol) as number),
      );
    }
    return closed;
  }

  /** A copy of the candle being built for the symbol and interval, if any. */
  current(symbol: string, interval: CandleInterval): Candle | undefined {
    const k = this.intervals.indexOf(interval);
    const c = k < 0 ? undefined : this.slots.get(symbol)?.[k]?.current;
    return c === undefined ? undefined : { ...c };
  }
}

/** The `data` of a `Market.Candle.Closed.v1` event for a closed candle. */
export function candleClosedPayload(c: Candle): PayloadOf<typeof CandleClosedV1> {
  return {
    symbol: c.symbol,
    interval: c.interval,
    openTime: new Date(c.openTime).toISOString(),
    closeTime: new Date(c.closeTime).toISOString(),
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
    ticks: c.ticks,
  };
}
