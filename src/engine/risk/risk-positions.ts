import { type Decimal, subQty } from '../../domain/money.ts';
import type { Position } from '../../domain/position.ts';
import {
  accountContractBreach,
  instrumentContractBreach,
  newestFirst,
} from '../../domain/risk/contract-rules.ts';
import { cooldownAfterLossBreach, tradeFrequencyBreach } from '../../domain/risk/frequency-rules.ts';
import { sessionEntryBreach, symbolBlockBreach } from '../../domain/risk/session-rules.ts';
import { isProtected, noStopLossBreach } from '../../domain/risk/stop-rules.ts';
import { type Cause, causedBy } from '../event-factory.ts';
import type { AccountRisk } from './account-risk.ts';
import { lastMetrics, positionsOf, type RiskContext } from './risk-context.ts';
import type { RiskEnforcement } from './risk-enforcement.ts';
import type { RiskLevels } from './risk-levels.ts';
import type { RiskLimits } from './risk-limits.ts';
import type { Hold } from './trading-states.ts';

/**
 * The rules that run on a position's life: when a fill opens or adds to it (or Warden adopts it),
 * when it closes, and while it has no protective stop. Evaluation order on a fill: session and
 * symbol blocks, daily lockouts, per-position limits, contract limits, frequency, then the
 * stop-loss grace. A close re-checks the daily limits at once (cascade) and may start a cooldown.
 */
export class RiskPositions {
  constructor(
    private readonly ctx: RiskContext,
    private readonly levels: RiskLevels,
    private readonly limits: RiskLimits,
    private readonly enforcement: RiskEnforcement,
  ) {}

  /**
   * A fill opened or increased `p`, or (`fill` false) the engine started with it or adopted it.
   * Every rule on the position's state applies either way; the entry-time rules (sessions refusing
   * entries, trade counting) only to Warden's own fills, whose entry time is known.
   */
  onAdded(a: AccountRisk, p: Position, cause: Cause, fill: boolean): void {
    const rules = a.spec.rules;
    const now = this.ctx.clock.now();
    this.limits.armPosition(a, p);
    if (fill) a.tradedToday = true;
    // 1. Session and symbol blocks.
    const blocked = sessionEntryBreach(rules, p, now, fill) ?? symbolBlockBreach(rules, p);
    if (blocked !== undefined) {
      this.enforcement.close(p, this.enforcement.breach(a, blocked, p, cause));
      return;
    }
    // 2. Daily lockouts: a position opened while the account is flattening closes at once.
    if (this.ctx.states.flattening(a.id)) {
      this.enforcement.flatten(a, cause);
      return;
    }
    // 3. Per-position limits at the current price.
    const price = this.ctx.book.lastTick(p.symbol)?.price;
    if (price !== undefined) {
      this.limits.checkPosition(a, p, 'loss', price);
      this.limits.checkPosition(a, p, 'profit', price);
    }
    // 4. Contract limits.
    this.checkContracts(a, p, cause);
    // 5. Frequency.
    if (fill) this.countTrade(a, p, cause);
    this.armGrace(a, p);
  }

  /** The position closed with `realized` PnL: its levels and timers go, the daily limits and cooldowns run. */
  onClosed(a: AccountRisk, positionId: string, realized: Decimal, cause: Cause): void {
    this.levels.releasePosition(a, positionId);
    a.graceTimers.get(positionId)?.();
    a.graceTimers.delete(positionId);
    this.enforcement.forget(positionId);
    // Cascade: the realized loss re-checks the daily limits now.
    this.limits.checkAccount(a, undefined, cause);
    if (realized.isNegative()) a.consecutiveLosses++;
    else a.consecutiveLosses = 0;
    const rule = a.spec.rules.cooldownAfterLoss;
    if (rule !== undefined && realized.isNegative()) {
      const now = this.ctx.clock.now();
      const b = cooldownAfterLossBreach(rule.tiers, realized.negated(), a.consecutiveLosses, now);
      if (b !== undefined) {
        const event = this.enforcement.breach(a, b, undefined, cause);
        this.addCooldown(a, cooldownHold(b.rule, now, b.until), causedBy(event));
      }
    }
    this.ctx.challenges.onClose(a, lastMetrics(this.ctx, a));
  }

  /**
   * NoStopLossGrace: starts the grace timer of a position without a protective stop, or stops it
   * once the position is protected. A timer already running is kept: the grace counts from the
   * moment the position lost (or never had) protection, and a change that leaves it unprotected
   * does not extend it.
   */
  armGrace(a: AccountRisk, p: Position): void {
    const rule = a.spec.rules.noStopLossGrace;
    if (rule === undefined) return;
    if (isProtected(p, a.stopOrders.values())) {
      a.graceTimers.get(p.id)?.();
      a.graceTimers.delete(p.id);
      return;
    }
    if (a.graceTimers.has(p.id)) return;
    const { clock, book } = this.ctx;
    a.graceTimers.set(
      p.id,
      clock.schedule(clock.now() + rule.seconds * 1000, () => {
        a.graceTimers.delete(p.id);
        const current = book.positionById(p.id);
        if (current === undefined || isProtected(current, a.stopOrders.values())) return;
        this.enforcement.close(current, this.enforcement.breach(a, noStopLossBreach(rule.seconds), current));
      }),
    );
  }

  /** Cancels every grace timer (engine stop). */
  stop(): void {
    for (const a of this.ctx.accounts.values()) for (const cancel of a.graceTimers.values()) cancel();
  }

  private checkContracts(a: AccountRisk, p: Position, cause: Cause): void {
    const one = instrumentContractBreach(a.spec.rules, p);
    if (one !== undefined) {
      this.enforcement.close(p, this.enforcement.breach(a, one, p, cause), one.excess);
      return;
    }
    if (a.spec.rules.maxContracts === undefined) return;
    const positions = positionsOf(this.ctx, a);
    const all = accountContractBreach(a.spec.rules, positions);
    if (all === undefined) return;
    const event = this.enforcement.breach(a, all, undefined, cause);
    // Newest first: the most recently changed positions give up the excess.
    let excess = all.excess;
    for (const q of newestFirst(positions)) {
      if (excess <= 0) break;
      const take = Math.min(excess, q.quantity);
      if (this.enforcement.close(q, event, take)) excess = subQty(excess, take);
    }
  }

  private countTrade(a: AccountRisk, p: Position, cause: Cause): void {
    const now = this.ctx.clock.now();
    a.tradesToday++;
    const perMinute = a.tradesPerMinute.record(now);
    const perHour = a.tradesPerHour.record(now);
    const b = tradeFrequencyBreach(
      a.spec.rules.tradeFrequency,
      { perMinute, perHour, today: a.tradesToday },
      now,
      a.spec.rules.day,
    );
    if (b === undefined) return;
    const event = this.enforcement.breach(a, b, p, cause);
    this.addCooldown(a, cooldownHold(b.rule, now, b.until), causedBy(event));
  }

  /** Adds a cooldown hold unless the one already running ends later: a cooldown is never cut short. */
  private addCooldown(a: AccountRisk, hold: Hold, cause: Cause): void {
    const running = this.ctx.states.holds(a.id).find((h) => h.reason === hold.reason);
    if (running?.until !== undefined && hold.until !== undefined && running.until >= hold.until) return;
    this.ctx.states.add(a.id, hold, cause);
  }
}

/** A cooldown: entries refused (REDUCING) from `since` to `until`, lifted by time alone. */
function cooldownHold(reason: string, since: number, until: number): Hold {
  return { reason, state: 'REDUCING', since, until, manualReset: false, flatten: false };
}
