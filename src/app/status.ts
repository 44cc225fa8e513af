import { isoTime } from '../domain/events/envelope.ts';
import { type Decimal, dec, moneyString, ZERO } from '../domain/money.ts';
import { maxLossFloor } from '../engine/risk/account-risk.ts';
import type { RiskEngine } from '../engine/risk/risk-engine.ts';
import type { BookView } from '../engine/trading.ts';
import type { AccountStanding, LimitStanding, PositionStanding, StatusReport } from './control/protocol.ts';

/** What a status report is read from: the risk engine, and the engine that holds the positions. */
export interface StatusSources {
  readonly risk: RiskEngine;
  readonly engine: BookView;
}

/**
 * Every account's standing against its rules (`warden status`, `warden replay --status`): state and
 * holds, money at the last prices, each open position, headroom to each limit, and the
 * evaluation's progress.
 */
export function statusReport(sources: StatusSources | readonly StatusSources[], now: number): StatusReport {
  const accounts: AccountStanding[] = [];
  // Several sources: the partitions of a runtime, each holding some of the accounts.
  for (const s of Array.isArray(sources) ? sources : [sources as StatusSources]) {
    for (const a of s.risk.allAccounts()) {
      const standing = standingOf(s, a.id);
      if (standing !== undefined) accounts.push(standing);
    }
  }
  return finish(accounts, now);
}

/** One account's standing: state and holds, money, headroom to each limit, the evaluation. */
export function standingOf(sources: StatusSources, accountId: string): AccountStanding | undefined {
  const { risk } = sources;
  const a = risk.account(accountId);
  const m = risk.metrics(accountId);
  if (a === undefined || m === undefined) return undefined;
  const positions = positionsOf(sources, accountId, m.byPosition);
  // Summed exactly: 0.546 + 1.092 is 1.638, where floats make it 1.6380000000000001.
  const quantity = positions.reduce((sum, p) => sum.plus(p.quantity), ZERO);
  const rules = a.spec.rules;
  const limits: LimitStanding[] = [];
  const money = (rule: string, limit: Decimal, value: Decimal, headroom: Decimal) =>
    limits.push({
      rule,
      limit: moneyString(limit),
      value: moneyString(value),
      headroom: moneyString(headroom),
      unit: 'money',
    });
  if (rules.dailyLoss !== undefined) {
    money('DAILY_LOSS', rules.dailyLoss.limit.negated(), m.dailyPnl, m.dailyPnl.plus(rules.dailyLoss.limit));
  }
  if (rules.dailyProfitLock !== undefined) {
    money(
      'DAILY_PROFIT_LOCK',
      rules.dailyProfitLock.limit,
      m.dailyPnl,
      rules.dailyProfitLock.limit.minus(m.dailyPnl),
    );
  }
  const floor = maxLossFloor(a);
  if (floor !== undefined) money('MAX_LOSS', floor, m.equity, m.equity.minus(floor));
  if (rules.unrealizedLoss !== undefined && m.byPosition.size > 0) {
    const worst = [...m.byPosition.values()].reduce((x, y) => (y.lt(x) ? y : x));
    money(
      'UNREALIZED_LOSS',
      rules.unrealizedLoss.limit.negated(),
      worst,
      worst.plus(rules.unrealizedLoss.limit),
    );
  }
  if (rules.maxContracts !== undefined) {
    const limit = rules.maxContracts.limit;
    limits.push({
      rule: 'MAX_CONTRACTS',
      limit: String(limit),
      value: moneyString(quantity),
      headroom: moneyString(dec(limit).minus(quantity)),
      unit: 'contracts',
    });
  }
  if (rules.tradeFrequency?.perSession !== undefined) {
    const limit = rules.tradeFrequency.perSession;
    limits.push({
      rule: 'TRADE_FREQUENCY',
      limit: String(limit),
      value: String(a.tradesToday),
      headroom: String(limit - a.tradesToday),
      unit: 'count',
    });
  }
  const c = a.spec.challenge;
  const s = c !== undefined ? risk.challenges.standing(a, m.balance) : undefined;
  return {
    accountId: a.id,
    state: risk.states.state(a.id),
    holds: risk.states.holds(a.id).map((h) => ({
      reason: h.note !== undefined ? `${h.reason}: ${h.note}` : h.reason,
      state: h.state,
      since: isoTime(h.since),
      ...(h.until !== undefined ? { until: isoTime(h.until) } : {}),
      manualReset: h.manualReset,
    })),
    ...(a.spec.preset !== undefined ? { preset: a.spec.preset } : {}),
    balance: moneyString(m.balance),
    equity: moneyString(m.equity),
    dailyPnl: moneyString(m.dailyPnl),
    tradingDay: a.tradingDay,
    openPositions: positions.length,
    positions,
    limits,
    ...(c !== undefined && s !== undefined
      ? {
          challenge: {
            phase: c.phase,
            status: a.challenge,
            profitTarget: moneyString(c.profitTarget),
            profit: moneyString(s.profit),
            progressPct: round2(s.progressPct),
            tradingDays: s.tradingDays,
            minTradingDays: c.minTradingDays,
            bestDay: moneyString(s.bestDay),
            ...(s.consistencyPct !== undefined ? { consistencyPct: round2(s.consistencyPct) } : {}),
            // Rounded too: 0.55 × 100 is 55.00000000000001 in floating point.
            ...(c.consistency !== undefined ? { consistencyLimitPct: round2(c.consistency * 100) } : {}),
            ...(a.failedRule !== undefined ? { failedReason: a.failedRule } : {}),
          },
        }
      : {}),
  };
}

/**
 * The account's open positions by symbol, at the last price of each symbol, with the PnL the risk
 * engine marks them at (`byPosition`).
 */
function positionsOf(
  sources: StatusSources,
  accountId: string,
  byPosition: ReadonlyMap<string, Decimal>,
): PositionStanding[] {
  const account = sources.engine.account(accountId);
  if (account === undefined) return [];
  return [...account.positions.values()]
    .sort((x, y) => (x.symbol < y.symbol ? -1 : x.symbol > y.symbol ? 1 : 0))
    .map((p) => {
      const price = sources.engine.lastTick(p.symbol)?.price;
      return {
        positionId: p.id,
        symbol: p.symbol,
        side: p.side,
        quantity: decimalString(p.quantity),
        entryPrice: decimalString(p.entryPrice),
        ...(price !== undefined ? { price: decimalString(price) } : {}),
        unrealizedPnl: moneyString(byPosition.get(p.id) ?? ZERO),
        ...(p.stopPrice !== undefined ? { stopPrice: decimalString(p.stopPrice) } : {}),
        ...(p.targetPrice !== undefined ? { targetPrice: decimalString(p.targetPrice) } : {}),
        openedAt: isoTime(p.openedAt),
      };
    });
}

/** A price or quantity as a plain decimal string (never exponent notation: 1e-7 is 0.0000001). */
function decimalString(value: number): string {
  return moneyString(dec(value));
}

function finish(accounts: AccountStanding[], now: number): StatusReport {
  return { generatedAt: isoTime(now), accounts };
}

/** A percentage to two decimals. */
function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
