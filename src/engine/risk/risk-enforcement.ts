import { ChallengeFailedV1, EvaluationRuleViolatedV1, LimitBreachedV1 } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import { type Decimal, moneyString } from '../../domain/money.ts';
import type { Position } from '../../domain/position.ts';
import { isSymbolBlocked, type RuleBreach, type RuleCode } from '../../domain/risk/rules.ts';
import type { CancelTimer } from '../../ports/clock.ts';
import { type Cause, causedBy } from '../event-factory.ts';
import type { ExitCondition } from '../execution/exit-table.ts';
import type { AccountRisk } from './account-risk.ts';
import { positionsOf, type RiskContext } from './risk-context.ts';

/** The conditions a flattening hold closes positions with. */
const FLATTEN_CONDITION: Partial<Record<string, ExitCondition>> = {
  DAILY_LOSS: 'circuit_breaker',
  MAX_LOSS: 'risk_rule',
  DAILY_PROFIT_LOCK: 'risk_rule',
  STORE_ERRORS: 'circuit_breaker',
  CHALLENGE_FAILED: 'risk_rule',
};

/** Why a position waits for its symbol's first price: its rules are unchecked, or its exit is to be tried again. */
type Waiting = 'adopted' | 'exit';

/**
 * What a breach makes happen: the `Risk.Limit.Breached.v1` record (with the evaluation's violation
 * or failure), and the exits. Exits go through the execution service (market, reduce-only,
 * deterministic client order ids, retried); an enforcement exit that ends with the position still
 * open while a rule still wants it gone is tried again after a delay, or at the symbol's first
 * price when it has none yet (the venue rejects an order without one).
 */
export class RiskEnforcement {
  private readonly retryTimers = new Map<string, CancelTimer>();
  /** By symbol, positions waiting for its first price. */
  private readonly awaitingPrice = new Map<string, Map<string, Waiting>>();

  constructor(
    private readonly ctx: RiskContext,
    /** Delay before an enforcement exit that ended without closing the position is tried again. */
    private readonly retryMs: number,
  ) {}

  /** Emits `Risk.Limit.Breached.v1` (and the evaluation's violation) and returns it. */
  breach(a: AccountRisk, b: RuleBreach, position?: Position, cause: Cause = {}): Envelope {
    const { events, emit } = this.ctx;
    const limit = text(b.limit);
    const value = text(b.value);
    const event = events.create(
      LimitBreachedV1,
      a.id,
      {
        accountId: a.id,
        rule: b.rule,
        limit,
        value,
        action: b.action,
        ...(position !== undefined ? { positionId: position.id, symbol: position.symbol } : {}),
      },
      cause,
      b.urgency,
    );
    emit(event);
    if (a.spec.challenge !== undefined && a.spec.preset !== undefined && a.challenge !== 'FAILED') {
      const fails = this.ctx.challenges.fails(a, b.rule);
      emit(
        events.create(
          EvaluationRuleViolatedV1,
          a.id,
          {
            accountId: a.id,
            preset: a.spec.preset,
            phase: a.spec.challenge.phase,
            rule: b.rule,
            limit,
            value,
            consequence: fails ? 'FAILED' : 'ENFORCED',
            ...(position !== undefined ? { positionId: position.id, symbol: position.symbol } : {}),
          },
          causedBy(event),
        ),
      );
    }
    return event;
  }

  /** Fails the account's evaluation on `rule` (once): `Challenge.Failed.v1` and a flattening halt until a person resets it. */
  fail(a: AccountRisk, rule: RuleCode, limit: Decimal, value: Decimal, cause: Cause): void {
    if (a.spec.challenge === undefined || a.challenge === 'FAILED') return;
    a.challenge = 'FAILED';
    a.failedRule = rule;
    this.ctx.emit(
      this.ctx.events.create(
        ChallengeFailedV1,
        a.id,
        {
          accountId: a.id,
          preset: a.spec.preset ?? 'custom',
          phase: a.spec.challenge.phase,
          rule,
          limit: moneyString(limit),
          value: moneyString(value),
          message: `${rule} broken: ${moneyString(value)} against ${moneyString(limit)}`,
        },
        cause,
      ),
    );
    this.ctx.states.add(
      a.id,
      {
        reason: 'CHALLENGE_FAILED',
        state: 'HALTED',
        since: this.ctx.clock.now(),
        manualReset: true,
        flatten: true,
      },
      cause,
    );
  }

  /** Closes `quantity` of the position (all of it when absent) for the rule `breach` recorded; false when an exit is already working. */
  close(position: Position, breach: Envelope, quantity?: number): boolean {
    return this.ctx.execution.exit({
      position,
      ...(quantity !== undefined ? { quantity } : {}),
      condition: 'risk_rule',
      cause: causedBy(breach),
    });
  }

  /** Exits every open position of a flattening account that is not already exiting. */
  flatten(a: AccountRisk, cause: Cause): void {
    // A tripped breaker names the exit whatever else flattens with it (a daily loss that also
    // fails an evaluation still closes with CIRCUIT_BREAKER, DESIGN.md "Risk").
    const breaker = this.ctx.states
      .holds(a.id)
      .some((h) => h.flatten && FLATTEN_CONDITION[h.reason] === 'circuit_breaker');
    const condition: ExitCondition = breaker ? 'circuit_breaker' : 'risk_rule';
    for (const p of positionsOf(this.ctx, a)) {
      if (this.ctx.execution.isExiting(p.id)) continue;
      this.ctx.execution.exit({ position: p, condition, cause });
    }
  }

  /** True while a rule wants the position closed whatever the price: a flattening hold, a blocked symbol. */
  mustExit(a: AccountRisk, p: Position): boolean {
    return this.ctx.states.flattening(a.id) || isSymbolBlocked(a.spec.rules, p.symbol);
  }

  /**
   * An exit ended. If the position is still open while a rule still wants it gone (a flattening
   * hold, a blocked symbol), try again after a delay: an exit placed before the symbol's first
   * price, for one, is rejected by the venue.
   */
  onExitReleased(positionId: string): void {
    const { book, clock } = this.ctx;
    const p = book.positionById(positionId);
    const a = p && this.ctx.accounts.get(p.accountId);
    if (p === undefined || a === undefined || !this.mustExit(a, p)) return;
    if (this.retryTimers.has(positionId)) return;
    if (book.lastTick(p.symbol) === undefined) {
      // No price yet: the venue would reject every retry, so the next one waits for the first tick.
      this.awaitPrice(p.symbol, positionId, 'exit');
      return;
    }
    this.retryTimers.set(
      positionId,
      clock.schedule(clock.now() + this.retryMs, () => {
        this.retryTimers.delete(positionId);
        this.retryExit(a, positionId);
      }),
    );
  }

  /** Tries a released enforcement exit again if a rule still wants the position gone. */
  retryExit(a: AccountRisk, positionId: string): void {
    if (this.ctx.states.flattening(a.id)) {
      this.flatten(a, {});
      return;
    }
    const current = this.ctx.book.positionById(positionId);
    if (current === undefined || this.ctx.execution.isExiting(positionId)) return;
    if (this.mustExit(a, current)) this.ctx.execution.exit({ position: current, condition: 'risk_rule' });
  }

  /** Makes the position wait for its symbol's first price; an adopted position's wait is not replaced by an exit's. */
  awaitPrice(symbol: string, positionId: string, what: Waiting): void {
    const waiting = this.awaitingPrice.get(symbol) ?? new Map<string, Waiting>();
    if (waiting.get(positionId) !== 'adopted') waiting.set(positionId, what);
    this.awaitingPrice.set(symbol, waiting);
  }

  /** Whether any position waits for a first price (checked on every tick, so kept cheap). */
  get awaiting(): boolean {
    return this.awaitingPrice.size > 0;
  }

  /** The positions that waited for the symbol's first price, which has come: they wait no more. */
  takeAwaiting(symbol: string): ReadonlyMap<string, Waiting> | undefined {
    const waiting = this.awaitingPrice.get(symbol);
    if (waiting !== undefined) this.awaitingPrice.delete(symbol);
    return waiting;
  }

  /** The position closed: no retry of its exit. */
  forget(positionId: string): void {
    this.retryTimers.get(positionId)?.();
    this.retryTimers.delete(positionId);
  }

  stop(): void {
    for (const cancel of this.retryTimers.values()) cancel();
  }
}

/** A limit or value as an event records it: money as a decimal string, a count as a number's text. */
function text(v: Decimal | number): string {
  return typeof v === 'number' ? String(v) : moneyString(v);
}
