import { type Account, accountBalance } from '../../domain/account.ts';
import type { Instrument } from '../../domain/instrument.ts';
import { type Decimal, ZERO } from '../../domain/money.ts';
import { type Position, unrealizedPnl } from '../../domain/position.ts';
import { maxLossFloor as floorOf } from '../../domain/risk/account-limit-rules.ts';
import type { ClosedDay } from '../../domain/risk/day-rules.ts';
import type { AccountRiskSpec } from '../../domain/risk/rules.ts';
import type { StopOrder } from '../../domain/risk/stop-rules.ts';
import { WindowCounter } from '../../domain/risk/window-counter.ts';
import type { CancelTimer } from '../../ports/clock.ts';

/** Index handles of one open position's levels (−1: not set). */
export interface PositionLevels {
  readonly positionId: string;
  readonly symbol: string;
  /** The account's lower-limit check point on this position (daily loss, maximum loss). */
  accountLow: number;
  /** The account's upper-limit check point on this position (daily profit lock). */
  accountHigh: number;
  /** UnrealizedLoss on this position. */
  loss: number;
  /** UnrealizedProfit on this position. */
  profit: number;
}

/** Everything the risk engine remembers about one account between events. */
export interface AccountRisk {
  readonly id: string;
  readonly spec: AccountRiskSpec;
  /** `YYYY-MM-DD` of the trading day in progress (by the account's daily boundary). */
  tradingDay: string;
  /** Cash balance when the trading day started: daily PnL = equity − this. */
  dayStartBalance: Decimal;
  /**
   * Balance when Warden first started watching the account (the evaluation's starting balance),
   * restored after a restart.
   */
  initialBalance: Decimal;
  /** Highest end-of-day balance so far (the trailing maximum loss follows it). */
  eodHigh: Decimal;
  readonly levels: Map<string, PositionLevels>;
  readonly tradesPerMinute: WindowCounter;
  readonly tradesPerHour: WindowCounter;
  tradesToday: number;
  readonly ordersPerMinute: WindowCounter;
  consecutiveLosses: number;
  readonly graceTimers: Map<string, CancelTimer>;
  /** Working protective stop orders by client order id. */
  readonly stopOrders: Map<string, StopOrder>;
  /** Closed trading days with their PnL, oldest first. */
  readonly days: ClosedDay[];
  tradedToday: boolean;
  challenge: 'IN_PROGRESS' | 'PASSED' | 'FAILED';
  failedRule?: string;
}

/** A new account's risk state: the trading day `tradingDay` starts at `balance`, nothing counted yet. */
export function createAccountRisk(spec: AccountRiskSpec, balance: Decimal, tradingDay: string): AccountRisk {
  return {
    id: spec.accountId,
    spec,
    tradingDay,
    dayStartBalance: balance,
    initialBalance: balance,
    eodHigh: balance,
    levels: new Map(),
    tradesPerMinute: new WindowCounter(60_000),
    tradesPerHour: new WindowCounter(3_600_000),
    tradesToday: 0,
    ordersPerMinute: new WindowCounter(60_000),
    consecutiveLosses: 0,
    graceTimers: new Map(),
    stopOrders: new Map(),
    days: [],
    tradedToday: false,
    challenge: 'IN_PROGRESS',
  };
}

/**
 * The floor of the maximum loss rule: `initial − amount`, or with `trailing: 'eod'` the highest
 * end-of-day balance − amount, never above the starting balance (it stops trailing there).
 */
export function maxLossFloor(a: AccountRisk): Decimal | undefined {
  return floorOf(a.spec.rules.maxLoss, a.initialBalance, a.eodHigh);
}

/** An account's money at a set of prices, exactly. */
export interface AccountMetrics {
  readonly balance: Decimal;
  readonly unrealized: Decimal;
  readonly equity: Decimal;
  readonly dailyPnl: Decimal;
  /** Unrealized PnL per open position, by position id. */
  readonly byPosition: ReadonlyMap<string, Decimal>;
  readonly contracts: number;
}

/**
 * Marks every open position at `priceOf(position)` (a position with no price yet is marked at its
 * entry) and sums exactly.
 */
export function metricsOf(
  a: AccountRisk,
  account: Account,
  instrument: (symbol: string) => Instrument,
  priceOf: (position: Position) => number | undefined,
): AccountMetrics {
  const balance = accountBalance(account);
  let unrealized = ZERO;
  let contracts = 0;
  const byPosition = new Map<string, Decimal>();
  for (const p of account.positions.values()) {
    const price = priceOf(p) ?? p.entryPrice;
    const u = unrealizedPnl(p, instrument(p.symbol), price);
    byPosition.set(p.id, u);
    unrealized = unrealized.plus(u);
    contracts += p.quantity;
  }
  const equity = balance.plus(unrealized);
  return { balance, unrealized, equity, dailyPnl: equity.minus(a.dayStartBalance), byPosition, contracts };
}
