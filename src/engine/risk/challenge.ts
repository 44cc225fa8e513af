import { ChallengeMetricsUpdatedV1, ChallengePhaseCompletedV1 } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import { type Decimal, moneyString, ZERO } from '../../domain/money.ts';
import type { RuleCode } from '../../domain/risk/rules.ts';
import type { Clock } from '../../ports/clock.ts';
import type { EventFactory } from '../event-factory.ts';
import type { AccountMetrics, AccountRisk } from './account-risk.ts';

export interface ChallengeTrackerOptions {
  readonly events: EventFactory;
  readonly emit: (envelope: Envelope) => void;
  readonly clock: Clock;
}

/** An evaluation's standing: profit against the target, trading days, consistency. */
export interface ChallengeStanding {
  readonly profit: Decimal;
  readonly progressPct: number;
  readonly tradingDays: number;
  readonly bestDay: Decimal;
  /** Best day's share of total profit, in % (undefined while there is no profit). */
  readonly consistencyPct?: number;
  readonly consistent: boolean;
}

/**
 * Tracks a prop-firm evaluation (a preset with `challenge`): profit target, minimum trading days and
 * consistency (the best day's share of total profit). `Challenge.Phase.Completed.v1` fires once,
 * when all three hold with the account flat — checked on every close and at each day's end;
 * `Challenge.Metrics.Updated.v1` fires at each day's end.
 */
export class ChallengeTracker {
  constructor(private readonly options: ChallengeTrackerOptions) {}

  /** Whether breaking `rule` fails the account's evaluation. */
  fails(a: AccountRisk, rule: RuleCode): boolean {
    return a.spec.challenge?.failOn.includes(rule) ?? false;
  }

  standing(a: AccountRisk, balance: Decimal, openDayTraded = a.tradedToday): ChallengeStanding {
    const c = a.spec.challenge;
    const profit = balance.minus(a.initialBalance);
    const todayPnl = balance.minus(a.dayStartBalance);
    let bestDay = todayPnl.gt(0) ? todayPnl : ZERO;
    let tradingDays = openDayTraded ? 1 : 0;
    for (const d of a.days) {
      if (d.pnl.gt(bestDay)) bestDay = d.pnl;
      if (d.traded) tradingDays++;
    }
    const consistencyPct = profit.gt(0) ? bestDay.div(profit).times(100).toNumber() : undefined;
    const consistent =
      c?.consistency === undefined || consistencyPct === undefined || consistencyPct < c.consistency * 100;
    const progressPct =
      c === undefined || c.profitTarget.isZero() ? 0 : profit.div(c.profitTarget).times(100).toNumber();
    return {
      profit,
      progressPct,
      tradingDays,
      bestDay,
      ...(consistencyPct !== undefined ? { consistencyPct } : {}),
      consistent,
    };
  }

  /** A position closed: the phase may be complete now. */
  onClose(a: AccountRisk, m: AccountMetrics | undefined): void {
    if (m === undefined || m.contracts > 0) return;
    this.maybeComplete(a, m.balance);
  }

  /** The trading day `day` ended (its PnL is already in `a.days`). */
  onDayEnd(a: AccountRisk, day: string, m: AccountMetrics, floor: Decimal | undefined): void {
    const c = a.spec.challenge;
    if (c === undefined) return;
    if (m.contracts === 0) this.maybeComplete(a, m.balance);
    const s = this.standing(a, m.balance, false);
    const last = a.days[a.days.length - 1];
    this.options.emit(
      this.options.events.create(ChallengeMetricsUpdatedV1, a.id, {
        accountId: a.id,
        preset: a.spec.preset ?? 'custom',
        phase: c.phase,
        tradingDay: day,
        status: a.challenge,
        balance: moneyString(m.balance),
        dayPnl: moneyString(last?.pnl ?? ZERO),
        profit: moneyString(s.profit),
        profitTarget: moneyString(c.profitTarget),
        progressPct: round2(s.progressPct),
        tradingDays: s.tradingDays,
        minTradingDays: c.minTradingDays,
        bestDay: moneyString(s.bestDay),
        ...(s.consistencyPct !== undefined ? { consistencyPct: round2(s.consistencyPct) } : {}),
        ...(floor !== undefined ? { maxLossFloor: moneyString(floor) } : {}),
      }),
    );
  }

  private maybeComplete(a: AccountRisk, balance: Decimal): void {
    const c = a.spec.challenge;
    if (c === undefined || a.challenge !== 'IN_PROGRESS') return;
    const s = this.standing(a, balance);
    if (s.profit.lt(c.profitTarget) || s.tradingDays < c.minTradingDays || !s.consistent) return;
    a.challenge = 'PASSED';
    this.options.emit(
      this.options.events.create(ChallengePhaseCompletedV1, a.id, {
        accountId: a.id,
        preset: a.spec.preset ?? 'custom',
        phase: c.phase,
        profit: moneyString(s.profit),
        profitTarget: moneyString(c.profitTarget),
        tradingDays: s.tradingDays,
        minTradingDays: c.minTradingDays,
        bestDay: moneyString(s.bestDay),
        ...(s.consistencyPct !== undefined ? { consistencyPct: round2(s.consistencyPct) } : {}),
      }),
    );
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
