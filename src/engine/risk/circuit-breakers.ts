import { CircuitBreakerTrippedV1 } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import { WindowCounter } from '../../domain/risk/window-counter.ts';
import type { CancelTimer, Clock } from '../../ports/clock.ts';
import type { VenueOutcome } from '../engine.ts';
import type { EventFactory } from '../event-factory.ts';
import type { TradingStates } from './trading-states.ts';

export interface CircuitBreakerSettings {
  /** Venue API errors (transient or fatal; a rejection is not one) that trip the venue breaker … */
  readonly venueErrors: number;
  /** … when more than that many fall within this window. */
  readonly venueWindowMs: number;
  /** After this long open, entries are let through again on trial: a success closes, a failure re-opens. */
  readonly venueProbeAfterMs: number;
  /** Store write errors that trip the store breaker … */
  readonly storeErrors: number;
  /** … when more than that many fall within this window. */
  readonly storeWindowMs: number;
}

export const DEFAULT_BREAKERS: CircuitBreakerSettings = {
  venueErrors: 5,
  venueWindowMs: 5 * 60_000,
  venueProbeAfterMs: 60_000,
  storeErrors: 3,
  storeWindowMs: 60_000,
};

export interface CircuitBreakersOptions {
  readonly clock: Clock;
  readonly events: EventFactory;
  readonly emit: (envelope: Envelope) => void;
  readonly states: TradingStates;
  /** Every account the breakers act on. */
  readonly accounts: () => readonly string[];
  readonly settings?: Partial<CircuitBreakerSettings>;
}

type VenueBreaker = 'CLOSED' | 'OPEN' | 'HALF_OPEN';

/**
 * The engine-wide circuit breakers of DESIGN.md "Risk", on the engine clock so that a replay
 * trips them at the same moments every time:
 * - venue API errors: more than 5 in 5 minutes pause entries on every account (a `VENUE_ERRORS`
 *   REDUCING hold; exits and cancels still go out). The first successful venue call closes the
 *   breaker again; after a minute open it also lets entries through on trial (half-open), and a
 *   single failure then re-opens it.
 * - store errors: more than 3 in 1 minute halt every account (a `STORE_ERRORS` HALTED hold) until
 *   a person resets it.
 *
 * Deliberately not cockatiel's CircuitBreakerPolicy: it reads `Date.now()` and schedules its own
 * timers (dist/CircuitBreakerPolicy.js, 3.2.1), which a simulated clock cannot drive.
 */
export class CircuitBreakers {
  private readonly settings: CircuitBreakerSettings;
  private readonly venueFailures: WindowCounter;
  private readonly storeFailures: WindowCounter;
  private venue: VenueBreaker = 'CLOSED';
  private probeTimer: CancelTimer | undefined;
  private storeOpen = false;

  constructor(private readonly options: CircuitBreakersOptions) {
    this.settings = { ...DEFAULT_BREAKERS, ...options.settings };
    this.venueFailures = new WindowCounter(this.settings.venueWindowMs);
    this.storeFailures = new WindowCounter(this.settings.storeWindowMs);
  }

  get venueState(): VenueBreaker {
    return this.venue;
  }

  get storeTripped(): boolean {
    return this.storeOpen;
  }

  /** Records the outcome of a venue call. */
  onVenue(outcome: VenueOutcome): void {
    const now = this.options.clock.now();
    if (outcome.ok) {
      if (this.venue !== 'CLOSED') this.closeVenue('VENUE_RECOVERED');
      return;
    }
    const count = this.venueFailures.record(now);
    if (this.venue === 'HALF_OPEN' || (this.venue === 'CLOSED' && count > this.settings.venueErrors)) {
      this.openVenue(
        this.venue === 'HALF_OPEN'
          ? `a trial venue call failed (${outcome.error.message}); entries paused again`
          : `${count} venue API errors in ${this.settings.venueWindowMs / 60_000} min (last: ${outcome.error.message}); entries paused`,
      );
    }
  }

  /** Records a failed store write. */
  onStoreError(message: string): void {
    const count = this.storeFailures.record(this.options.clock.now());
    if (this.storeOpen || count <= this.settings.storeErrors) return;
    this.storeOpen = true;
    this.trip(
      'STORE_ERRORS',
      `${count} store errors in ${this.settings.storeWindowMs / 1000} s (last: ${message}); all trading paused until a manual reset`,
      true,
    );
    for (const id of this.options.accounts()) {
      this.options.states.add(id, {
        reason: 'STORE_ERRORS',
        state: 'HALTED',
        since: this.options.clock.now(),
        manualReset: true,
        flatten: false,
      });
    }
  }

  /** A person reset the store breaker (lifting its holds is the caller's `setState`). */
  resetStore(): void {
    this.storeOpen = false;
    this.storeFailures.clear();
  }

  stop(): void {
    this.probeTimer?.();
  }

  private openVenue(message: string): void {
    this.venue = 'OPEN';
    this.trip('VENUE_ERRORS', message, false);
    for (const id of this.options.accounts()) {
      this.options.states.add(id, {
        reason: 'VENUE_ERRORS',
        state: 'REDUCING',
        since: this.options.clock.now(),
        manualReset: false,
        flatten: false,
      });
    }
    this.probeTimer?.();
    this.probeTimer = this.options.clock.schedule(
      this.options.clock.now() + this.settings.venueProbeAfterMs,
      () => {
        this.probeTimer = undefined;
        if (this.venue !== 'OPEN') return;
        this.venue = 'HALF_OPEN';
        for (const id of this.options.accounts()) this.options.states.lift(id, 'VENUE_ERRORS', 'VENUE_TRIAL');
      },
    );
  }

  private closeVenue(why: string): void {
    this.venue = 'CLOSED';
    this.venueFailures.clear();
    this.probeTimer?.();
    this.probeTimer = undefined;
    for (const id of this.options.accounts()) this.options.states.lift(id, 'VENUE_ERRORS', why);
  }

  private trip(breaker: 'VENUE_ERRORS' | 'STORE_ERRORS', message: string, manualReset: boolean): void {
    this.options.emit(
      this.options.events.create(CircuitBreakerTrippedV1, breaker, { breaker, message, manualReset }),
    );
  }
}
