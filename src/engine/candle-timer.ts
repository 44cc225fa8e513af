import {
  type Candle,
  CandleAggregator,
  type CandleInterval,
  candleClosedPayload,
  intervalMs,
} from '../domain/candles.ts';
import { CandleClosedV1 } from '../domain/events/catalog.ts';
import type { Envelope } from '../domain/events/envelope.ts';
import type { Tick } from '../domain/tick.ts';
import type { CancelTimer, Clock } from '../ports/clock.ts';
import type { EventFactory } from './event-factory.ts';

/** What the candle timer is built from. */
export interface CandleTimerOptions {
  readonly clock: Clock;
  readonly events: EventFactory;
  readonly emit: (envelope: Envelope) => void;
  /** Intervals to aggregate; with none the timer does nothing. */
  readonly intervals: readonly CandleInterval[];
}

/**
 * Aggregates ticks into candles and emits `Market.Candle.Closed.v1` when one closes: on the
 * first tick past its end, or on the clock at the boundary of the smallest interval, so a candle
 * closes on time even when no tick follows.
 */
export class CandleTimer {
  private readonly candles: CandleAggregator | undefined;
  private readonly stepMs: number;
  private cancel: CancelTimer | undefined;

  constructor(private readonly options: CandleTimerOptions) {
    const intervals = options.intervals;
    this.candles = intervals.length > 0 ? new CandleAggregator(intervals) : undefined;
    this.stepMs = Math.min(...intervals.map(intervalMs));
  }

  /** Adds a validated tick, emitting the candles it closes. */
  onTick(tick: Tick): void {
    if (this.candles !== undefined) this.emitCandles(this.candles.onTick(tick));
  }

  /** Arms the timer for the next boundary of the smallest interval (none without intervals). */
  arm(): void {
    const candles = this.candles;
    if (candles === undefined) return;
    const { clock } = this.options;
    const next = Math.floor(clock.now() / this.stepMs) * this.stepMs + this.stepMs;
    this.cancel = clock.schedule(next, () => {
      this.emitCandles(candles.closeDue(clock.now()));
      this.arm();
    });
  }

  /** Cancels the timer. */
  stop(): void {
    this.cancel?.();
  }

  private emitCandles(closed: readonly Candle[]): void {
    for (const c of closed) {
      this.options.emit(this.options.events.create(CandleClosedV1, c.symbol, candleClosedPayload(c)));
    }
  }
}
