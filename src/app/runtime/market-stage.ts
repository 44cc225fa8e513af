import {
  type Candle,
  CandleAggregator,
  type CandleInterval,
  candleClosedPayload,
  intervalMs,
} from '../../domain/candles.ts';
import { AlertTriggeredV1, CandleClosedV1 } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import type { Tick } from '../../domain/tick.ts';
import { EventFactory } from '../../engine/event-factory.ts';
import { FeedWatchdog } from '../../engine/feed-watchdog.ts';
import type { Clock } from '../../ports/clock.ts';
import type { IdGenerator } from '../../ports/ids.ts';

export interface MarketStageOptions {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Candle intervals to aggregate and emit `Market.Candle.Closed.v1` for (none when empty). */
  readonly candleIntervals: readonly CandleInterval[];
  /** Seconds without a tick after which a symbol with open positions is stale (0: no watchdog). */
  readonly staleFeedSeconds: number;
  /** The symbols with open positions, over every partition. */
  readonly watched: () => Iterable<string>;
  /** Where the stage's events go: the output once, and every partition's followers. */
  readonly emit: (envelope: Envelope) => void;
}

/**
 * What the market does once per process, whatever the partitions: candles aggregated from the
 * ticks (and closed on the clock between ticks), and the stale-feed watchdog. Their events are
 * market events, keyed by symbol; the runtime emits each once and hands it to every partition.
 */
export class MarketStage {
  private readonly events: EventFactory;
  private readonly candles: CandleAggregator | undefined;
  private readonly smallestIntervalMs: number;
  private cancelCandleTimer: (() => void) | undefined;
  readonly watchdog: FeedWatchdog | undefined;

  constructor(private readonly options: MarketStageOptions) {
    this.events = new EventFactory(options.clock, options.ids);
    const intervals = options.candleIntervals;
    this.candles = intervals.length > 0 ? new CandleAggregator(intervals) : undefined;
    this.smallestIntervalMs = Math.min(...intervals.map(intervalMs));
    const staleMs = options.staleFeedSeconds * 1000;
    this.watchdog =
      staleMs > 0
        ? new FeedWatchdog({
            clock: options.clock,
            staleMs,
            watched: options.watched,
            onStale: (symbol, last) =>
              this.alert(
                symbol,
                'FEED_STALE',
                'critical',
                `no tick for ${symbol} in ${options.staleFeedSeconds} s while positions are open`,
                { lastTickAt: last === undefined ? null : new Date(last).toISOString() },
              ),
            onRecovered: (symbol, silentMs) =>
              this.alert(
                symbol,
                'FEED_RECOVERED',
                'info',
                `${symbol} ticks again after ${Math.round(silentMs / 1000)} s`,
                { silentMs },
              ),
          })
        : undefined;
  }

  /** Arms the candle timer (the partitions' engines have started). */
  startCandles(): void {
    this.armCandleTimer();
  }

  /** Starts the watchdog (the partitions' risk engines have started). */
  startWatchdog(): void {
    this.watchdog?.start();
  }

  /** Aggregates a tick into the candles, emitting those it closes. */
  candleTick(tick: Tick): void {
    if (this.candles !== undefined) this.emitCandles(this.candles.onTick(tick));
  }

  /** Tells the watchdog a tick arrived. */
  watchdogTick(tick: Tick): void {
    this.watchdog?.onTick(tick.symbol, tick.ts);
  }

  stop(): void {
    this.cancelCandleTimer?.();
    this.cancelCandleTimer = undefined;
    this.watchdog?.stop();
  }

  private armCandleTimer(): void {
    if (this.candles === undefined) return;
    const { clock } = this.options;
    const step = this.smallestIntervalMs;
    const next = Math.floor(clock.now() / step) * step + step;
    this.cancelCandleTimer = clock.schedule(next, () => {
      this.emitCandles(this.candles!.closeDue(clock.now()));
      this.armCandleTimer();
    });
  }

  private emitCandles(closed: readonly Candle[]): void {
    for (const c of closed) {
      this.options.emit(this.events.create(CandleClosedV1, c.symbol, candleClosedPayload(c)));
    }
  }

  private alert(
    symbol: string,
    code: string,
    severity: 'critical' | 'info',
    message: string,
    details: object,
  ): void {
    this.options.emit(
      this.events.create(AlertTriggeredV1, symbol, {
        code,
        severity,
        symbol,
        message,
        details: { ...details },
      }),
    );
  }
}
