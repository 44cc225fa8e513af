import type { CandleInterval } from '../../domain/candles.ts';
import { AlertTriggeredV1 } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import type { Tick } from '../../domain/tick.ts';
import { CandleTimer } from '../../engine/candle-timer.ts';
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
 * The stale-feed watchdog and its alerts (`FEED_STALE`, `FEED_RECOVERED`), or undefined when
 * `staleFeedSeconds` is 0.
 */
export function feedWatchdogOf(options: {
  readonly clock: Clock;
  readonly events: EventFactory;
  readonly staleFeedSeconds: number;
  readonly watched: () => Iterable<string>;
  readonly emit: (envelope: Envelope) => void;
}): FeedWatchdog | undefined {
  const { clock, events, staleFeedSeconds, emit } = options;
  if (staleFeedSeconds <= 0) return undefined;
  const alert = (
    symbol: string,
    code: string,
    severity: 'critical' | 'info',
    message: string,
    details: object,
  ) =>
    emit(
      events.create(AlertTriggeredV1, symbol, { code, severity, symbol, message, details: { ...details } }),
    );
  return new FeedWatchdog({
    clock,
    staleMs: staleFeedSeconds * 1000,
    watched: options.watched,
    onStale: (symbol, last) =>
      alert(
        symbol,
        'FEED_STALE',
        'critical',
        `no tick for ${symbol} in ${staleFeedSeconds} s while positions are open`,
        {
          lastTickAt: last === undefined ? null : new Date(last).toISOString(),
        },
      ),
    onRecovered: (symbol, silentMs) =>
      alert(
        symbol,
        'FEED_RECOVERED',
        'info',
        `${symbol} ticks again after ${Math.round(silentMs / 1000)} s`,
        {
          silentMs,
        },
      ),
  });
}

/**
 * What the market does once per process, whatever the partitions: candles aggregated from the
 * ticks (and closed on the clock between ticks), and the stale-feed watchdog. Their events are
 * market events, keyed by symbol; the runtime emits each once and hands it to every partition.
 */
export class MarketStage {
  private readonly candles: CandleTimer;
  readonly watchdog: FeedWatchdog | undefined;

  constructor(options: MarketStageOptions) {
    const events = new EventFactory(options.clock, options.ids);
    this.candles = new CandleTimer({
      clock: options.clock,
      events,
      emit: options.emit,
      intervals: options.candleIntervals,
    });
    this.watchdog = feedWatchdogOf({ ...options, events });
  }

  /** Arms the candle timer (the partitions' engines have started). */
  startCandles(): void {
    this.candles.arm();
  }

  /** Starts the watchdog (the partitions' risk engines have started). */
  startWatchdog(): void {
    this.watchdog?.start();
  }

  /** Aggregates a tick into the candles, emitting those it closes. */
  candleTick(tick: Tick): void {
    this.candles.onTick(tick);
  }

  /** Tells the watchdog a tick arrived. */
  watchdogTick(tick: Tick): void {
    this.watchdog?.onTick(tick.symbol, tick.ts);
  }

  stop(): void {
    this.candles.stop();
    this.watchdog?.stop();
  }
}
