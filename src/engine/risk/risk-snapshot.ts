import { dec } from '../../domain/money.ts';
import type { AccountRisk } from './account-risk.ts';
import type { Hold } from './trading-states.ts';

/** One account's risk state as a snapshot keeps it (plain JSON; money as decimal strings). */
export interface AccountRiskSnapshot {
  readonly id: string;
  readonly tradingDay: string;
  readonly dayStartBalance: string;
  readonly initialBalance: string;
  readonly eodHigh: string;
  readonly tradesToday: number;
  readonly consecutiveLosses: number;
  readonly days: readonly { readonly day: string; readonly pnl: string; readonly traded: boolean }[];
  readonly tradedToday: boolean;
  readonly challenge: AccountRisk['challenge'];
  readonly failedRule?: string;
  readonly holds: readonly Hold[];
}

/** The risk engine's state a restart needs: each account's day, balances, counters, challenge and holds. */
export interface RiskSnapshot {
  readonly accounts: readonly AccountRiskSnapshot[];
}

/** The account's risk state as a snapshot keeps it, with its trading-state `holds`. */
export function accountSnapshotOf(a: AccountRisk, holds: readonly Hold[]): AccountRiskSnapshot {
  return {
    id: a.id,
    tradingDay: a.tradingDay,
    dayStartBalance: a.dayStartBalance.toString(),
    initialBalance: a.initialBalance.toString(),
    eodHigh: a.eodHigh.toString(),
    tradesToday: a.tradesToday,
    consecutiveLosses: a.consecutiveLosses,
    days: a.days.map((d) => ({ day: d.day, pnl: d.pnl.toString(), traded: d.traded })),
    tradedToday: a.tradedToday,
    challenge: a.challenge,
    ...(a.failedRule !== undefined ? { failedRule: a.failedRule } : {}),
    holds,
  };
}

/**
 * Puts a snapshot's day, balances, counters and challenge back into the account's risk state
 * (the holds go back through the trading states). Counters kept only in memory (trades per
 * minute and hour, orders per minute) start again empty.
 */
export function restoreAccountRisk(a: AccountRisk, saved: AccountRiskSnapshot): void {
  a.tradingDay = saved.tradingDay;
  a.dayStartBalance = dec(saved.dayStartBalance);
  a.initialBalance = dec(saved.initialBalance);
  a.eodHigh = dec(saved.eodHigh);
  a.tradesToday = saved.tradesToday;
  a.consecutiveLosses = saved.consecutiveLosses;
  a.days.splice(
    0,
    a.days.length,
    ...saved.days.map((d) => ({ day: d.day, pnl: dec(d.pnl), traded: d.traded })),
  );
  a.tradedToday = saved.tradedToday;
  a.challenge = saved.challenge;
  if (saved.failedRule !== undefined) a.failedRule = saved.failedRule;
}
