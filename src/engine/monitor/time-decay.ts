import type { Envelope } from '../../domain/events/envelope.ts';
import type { MonitorProfile } from '../../domain/monitoring/profile.ts';
import type { Position } from '../../domain/position.ts';
import type { Clock } from '../../ports/clock.ts';
import type { EventFactory } from '../event-factory.ts';
import { timeDecayEvent } from '../monitor-events.ts';
import type { BookView } from '../trading.ts';
import type { IndexUpkeep } from './index-upkeep.ts';
import type { RouteEvent } from './types.ts';

/** What time decay needs: the clock to schedule on, the positions, and where its event goes. */
export interface TimeDecayDeps {
  readonly clock: Clock;
  readonly events: EventFactory;
  readonly emit: (envelope: Envelope) => void;
  readonly engine: BookView;
  readonly upkeep: IndexUpkeep;
  /** The decay event is routed by its urgency like any other monitoring event. */
  readonly route: RouteEvent;
}

const HOUR_MS = 3_600_000;

/**
 * Time decay: a position open strictly longer than its profile's limit raises
 * `Position.Time.Decayed.v1` once, from a timer on the engine's clock (so before the first tick
 * that comes after that moment), and remembers that it did across restarts.
 */
export class TimeDecay {
  /** Positions whose time decay has fired (remembered across restarts through snapshots). */
  readonly decayed = new Set<string>();

  constructor(private readonly deps: TimeDecayDeps) {}

  /** A restart says the position's decay already fired. */
  restore(positionId: string): void {
    this.decayed.add(positionId);
  }

  /**
   * Schedules the position's decay unless it already fired; the timer's cancel, if one was set.
   * Strictly longer than the limit, so the timer is due one millisecond after it (at once when
   * the position is already older: the clock runs a time in the past at its next opportunity).
   */
  schedule(position: Position, profile: MonitorProfile): (() => void) | undefined {
    if (this.decayed.has(position.id)) return undefined;
    const due = position.openedAt + profile.timeDecayHours * HOUR_MS + 1;
    return this.deps.clock.schedule(due, () => {
      this.decayed.add(position.id);
      this.fire(position.accountId, position.symbol, position.id);
    });
  }

  /** The position closed: nothing about it is remembered. */
  forget(positionId: string): void {
    this.decayed.delete(positionId);
  }

  private fire(accountId: string, symbol: string, positionId: string): void {
    const { engine, upkeep, events, clock } = this.deps;
    const w = upkeep.get(positionId);
    const position = engine.account(accountId)?.positions.get(symbol);
    if (w === undefined || position === undefined || position.id !== positionId) return;
    const instrument = engine.instrument(symbol)!;
    const price = engine.lastTick(symbol)?.price ?? position.entryPrice;
    const event = timeDecayEvent(events, position, instrument, price, clock.now());
    this.deps.emit(event);
    this.deps.route(event, position, instrument, w.profile, price);
  }
}
