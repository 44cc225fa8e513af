import type { TradingState } from '../../domain/account.ts';
import { TradingHaltedV1, TradingResumedV1 } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import { isoTime } from '../../domain/events/envelope.ts';
import type { CancelTimer, Clock } from '../../ports/clock.ts';
import type { Cause, EventFactory } from '../event-factory.ts';

/**
 * One reason an account cannot trade freely. An account's state is the most restrictive of its
 * holds: HALTED over REDUCING over ACTIVE (no hold).
 */
export interface Hold {
  /** Stable code: a rule code (`DAILY_LOSS`, `COOLDOWN_AFTER_LOSS`, …), a breaker, or `MANUAL`. */
  readonly reason: string;
  readonly state: 'REDUCING' | 'HALTED';
  readonly since: number;
  /** When the hold lifts by itself; absent: it lasts until lifted (reset, recovery or a person). */
  readonly until?: number;
  /** Only a person can lift it (`warden state <account> active`). */
  readonly manualReset: boolean;
  /** While it holds, any position the account opens is closed at once (a flatten rule). */
  readonly flatten: boolean;
  /** A person's words, for manual holds. */
  readonly note?: string;
}

interface AccountHolds {
  readonly holds: Map<string, Hold>;
  readonly timers: Map<string, CancelTimer>;
  state: TradingState;
}

export interface TradingStatesOptions {
  readonly clock: Clock;
  readonly events: EventFactory;
  readonly emit: (envelope: Envelope) => void;
  /** Told of every state change, to keep the engine's account record in step. */
  readonly onState: (accountId: string, state: TradingState) => void;
}

const RANK: Record<TradingState, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 };

/**
 * Account trading states as a set of holds (DESIGN.md "Risk"). Adding or lifting a hold that
 * changes the state emits `Risk.Trading.Halted.v1` (more restrictive) or `Risk.Trading.Resumed.v1`
 * (less restrictive) with the reason; a hold with `until` lifts itself on the engine clock.
 */
export class TradingStates {
  private readonly accounts = new Map<string, AccountHolds>();

  constructor(private readonly options: TradingStatesOptions) {}

  state(accountId: string): TradingState {
    return this.accounts.get(accountId)?.state ?? 'ACTIVE';
  }

  holds(accountId: string): Hold[] {
    return [...(this.accounts.get(accountId)?.holds.values() ?? [])];
  }

  /** The hold that decides the account's state (the most restrictive, then the oldest). */
  deciding(accountId: string): Hold | undefined {
    let best: Hold | undefined;
    for (const h of this.accounts.get(accountId)?.holds.values() ?? []) {
      if (best === undefined || RANK[h.state] > RANK[best.state]) best = h;
    }
    return best;
  }

  has(accountId: string, reason: string): boolean {
    return this.accounts.get(accountId)?.holds.has(reason) ?? false;
  }

  /** True when a hold that flattens is in force. */
  flattening(accountId: string): boolean {
    for (const h of this.accounts.get(accountId)?.holds.values() ?? []) if (h.flatten) return true;
    return false;
  }

  /**
   * Adds (or replaces) the hold with this reason. Replacing a hold with a less restrictive one can
   * ease the state (a manual HALTED hold replaced by a manual REDUCING one): that emits Resumed.
   * A hold that replaces one of the same reason and state keeps the earlier `since`: the account
   * has been held since then, whatever was renewed (an end time, a note).
   */
  add(accountId: string, added: Hold, cause: Cause = {}): void {
    const a = this.entry(accountId);
    const earlier = a.holds.get(added.reason);
    const hold: Hold =
      earlier !== undefined && earlier.state === added.state && earlier.since < added.since
        ? { ...added, since: earlier.since }
        : added;
    a.timers.get(hold.reason)?.();
    a.timers.delete(hold.reason);
    a.holds.set(hold.reason, hold);
    if (hold.until !== undefined) {
      a.timers.set(
        hold.reason,
        this.options.clock.schedule(hold.until, () =>
          this.lift(accountId, hold.reason, `${hold.reason}_ENDED`),
        ),
      );
    }
    const next = stateOf(a.holds);
    const why = hold.note !== undefined ? `${hold.reason}: ${hold.note}` : hold.reason;
    if (RANK[next] < RANK[a.state]) {
      this.settle(accountId, a, why, cause);
    } else if (RANK[next] > RANK[a.state]) {
      const previous = a.state;
      a.state = next;
      this.options.onState(accountId, next);
      this.options.emit(
        this.options.events.create(
          TradingHaltedV1,
          accountId,
          {
            accountId,
            state: next,
            previousState: previous,
            reason: why,
            ...(hold.until !== undefined ? { until: isoTime(hold.until) } : {}),
            ...(hold.manualReset ? { manualReset: true } : {}),
          },
          cause,
        ),
      );
    }
  }

  /** Lifts the hold with this reason (if any); `why` is the reason of the resulting Resumed event. */
  lift(accountId: string, reason: string, why: string, cause: Cause = {}): boolean {
    const a = this.accounts.get(accountId);
    if (a === undefined || !a.holds.has(reason)) return false;
    a.holds.delete(reason);
    a.timers.get(reason)?.();
    a.timers.delete(reason);
    this.settle(accountId, a, why, cause);
    return true;
  }

  /** Lifts every hold that `matches`; one Resumed event at most. */
  liftWhere(accountId: string, matches: (hold: Hold) => boolean, why: string, cause: Cause = {}): number {
    const a = this.accounts.get(accountId);
    if (a === undefined) return 0;
    let lifted = 0;
    for (const [reason, hold] of a.holds) {
      if (!matches(hold)) continue;
      a.holds.delete(reason);
      a.timers.get(reason)?.();
      a.timers.delete(reason);
      lifted++;
    }
    if (lifted > 0) this.settle(accountId, a, why, cause);
    return lifted;
  }

  /**
   * Puts back holds saved before a restart, without events (the log has them already): the state
   * they imply is set and their `until` timers armed (a time already past lifts the hold at the
   * next timer run, with its Resumed event).
   */
  restore(accountId: string, holds: readonly Hold[]): void {
    const a = this.entry(accountId);
    for (const hold of holds) {
      a.holds.set(hold.reason, hold);
      if (hold.until !== undefined) {
        a.timers.set(
          hold.reason,
          this.options.clock.schedule(hold.until, () =>
            this.lift(accountId, hold.reason, `${hold.reason}_ENDED`),
          ),
        );
      }
    }
    const next = stateOf(a.holds);
    if (next !== a.state) {
      a.state = next;
      this.options.onState(accountId, next);
    }
  }

  /** Cancels every timer (engine stop). */
  stop(): void {
    for (const a of this.accounts.values()) {
      for (const cancel of a.timers.values()) cancel();
      a.timers.clear();
    }
  }

  private settle(accountId: string, a: AccountHolds, why: string, cause: Cause): void {
    const next = stateOf(a.holds);
    if (next === a.state) return;
    const previous = a.state;
    a.state = next;
    this.options.onState(accountId, next);
    const definition = RANK[next] < RANK[previous] ? TradingResumedV1 : TradingHaltedV1;
    this.options.emit(
      this.options.events.create(
        definition,
        accountId,
        { accountId, state: next, previousState: previous, reason: why },
        cause,
      ),
    );
  }

  private entry(accountId: string): AccountHolds {
    let a = this.accounts.get(accountId);
    if (a === undefined) {
      a = { holds: new Map(), timers: new Map(), state: 'ACTIVE' };
      this.accounts.set(accountId, a);
    }
    return a;
  }
}

function stateOf(holds: ReadonlyMap<string, Hold>): TradingState {
  let state: TradingState = 'ACTIVE';
  for (const h of holds.values()) if (RANK[h.state] > RANK[state]) state = h.state;
  return state;
}
