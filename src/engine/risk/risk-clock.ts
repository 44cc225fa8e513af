import { addQty } from '../../domain/money.ts';
import { nextBoundary, nextFlatBy, tradingDayOf } from '../../domain/risk/calendar.ts';
import { closeDay, liftsAtDailyReset } from '../../domain/risk/day-rules.ts';
import { flatByBreach } from '../../domain/risk/session-rules.ts';
import type { CancelTimer } from '../../ports/clock.ts';
import { causedBy } from '../event-factory.ts';
import { type AccountRisk, maxLossFloor } from './account-risk.ts';
import { lastMetrics, positionsOf, type RiskContext } from './risk-context.ts';
import type { RiskEnforcement } from './risk-enforcement.ts';
import type { RiskLimits } from './risk-limits.ts';

/**
 * The risk engine's clock-driven rules: the daily reset at each account's daily boundary (the
 * day's PnL recorded, the maximum loss trailed, day holds lifted) and the session flat-by time.
 * One timer per distinct boundary or session, shared by the accounts that use it, on the engine
 * clock so that a replay resets at the same moments every time.
 */
export class RiskClock {
  private readonly resetTimers = new Map<string, CancelTimer>();
  private readonly flatByTimers = new Map<string, CancelTimer>();
  private resetCount = 0;

  constructor(
    private readonly ctx: RiskContext,
    private readonly limits: RiskLimits,
    private readonly enforcement: RiskEnforcement,
  ) {}

  /** Daily resets done since start (a durable runtime snapshots after each). */
  get resets(): number {
    return this.resetCount;
  }

  /** Arms the daily reset and flat-by timers. */
  start(): void {
    for (const [key, accounts] of groupBy(this.ctx.accounts.values(), (a) => dayKey(a)))
      this.armReset(key, accounts);
    for (const [key, accounts] of groupBy(this.ctx.accounts.values(), (a) => flatByKey(a)))
      this.armFlatBy(key, accounts);
  }

  /** The trading day ended: record it, trail the maximum loss, start the new day, lift day holds. */
  dailyReset(a: AccountRisk): void {
    if (this.ctx.book.account(a.id) === undefined) return;
    this.resetCount++;
    const m = lastMetrics(this.ctx, a)!;
    const next = closeDay(a, m.balance, tradingDayOf(this.ctx.clock.now(), a.spec.rules.day));
    a.days.push(next.closed);
    a.eodHigh = next.eodHigh;
    a.dayStartBalance = next.dayStartBalance;
    a.tradingDay = next.tradingDay;
    a.tradesToday = 0;
    a.tradedToday = false;
    this.ctx.challenges.onDayEnd(a, next.closed.day, m, maxLossFloor(a));
    this.ctx.states.liftWhere(a.id, liftsAtDailyReset, 'DAILY_RESET');
    this.limits.checkAccount(a);
  }

  stop(): void {
    for (const cancel of [...this.resetTimers.values(), ...this.flatByTimers.values()]) cancel();
  }

  private armReset(key: string, accounts: AccountRisk[]): void {
    const at = nextBoundary(this.ctx.clock.now(), accounts[0]!.spec.rules.day);
    this.resetTimers.set(
      key,
      this.ctx.clock.schedule(at, () => {
        for (const a of accounts) this.dailyReset(a);
        this.armReset(key, accounts);
      }),
    );
  }

  private armFlatBy(key: string, accounts: AccountRisk[]): void {
    const at = nextFlatBy(this.ctx.clock.now(), accounts[0]!.spec.rules.session!);
    if (at === undefined) return;
    this.flatByTimers.set(
      key,
      this.ctx.clock.schedule(at, () => {
        for (const a of accounts) this.flatBy(a);
        this.armFlatBy(key, accounts);
      }),
    );
  }

  /** The session's flat-by time: every open position of the account closes (`session_end`). */
  private flatBy(a: AccountRisk): void {
    const positions = positionsOf(this.ctx, a);
    if (positions.length === 0) return;
    const contracts = positions.reduce((s, p) => addQty(s, p.quantity), 0);
    const event = this.enforcement.breach(a, flatByBreach(contracts));
    for (const p of positions)
      this.ctx.execution.exit({ position: p, condition: 'session_end', cause: causedBy(event) });
  }
}

/** The daily boundary an account resets at. */
function dayKey(a: AccountRisk): string {
  return `${a.spec.rules.day.time}@${a.spec.rules.day.timezone}`;
}

/** The session an account flattens by (undefined: it has no flat-by time). */
function flatByKey(a: AccountRisk): string | undefined {
  const s = a.spec.rules.session;
  return s?.flatBy === undefined ? undefined : JSON.stringify(s);
}

/** The accounts by key, in first-seen order; an account without a key is left out. */
function groupBy(
  accounts: Iterable<AccountRisk>,
  keyOf: (a: AccountRisk) => string | undefined,
): Map<string, AccountRisk[]> {
  const groups = new Map<string, AccountRisk[]>();
  for (const a of accounts) {
    const key = keyOf(a);
    if (key === undefined) continue;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [a]);
    else group.push(a);
  }
  return groups;
}
