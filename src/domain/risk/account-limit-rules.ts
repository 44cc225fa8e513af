import type { Decimal } from '../money.ts';
import type { Position } from '../position.ts';
import { adverse, favourable, type LevelDirection, pnlLevel } from './levels.ts';
import type { AccountRules, RuleBreach } from './rules.ts';

/*
 * DailyLoss, DailyProfitLock and MaxLoss (trailing): the account PnL limits of DESIGN.md "Risk".
 *
 * They are watched through price levels (see levels.ts): for each open position the account's
 * headroom to its nearest limit is split evenly over its positions and turned into the price at
 * which that position's share is used up. While no level is reached no limit can be; a reached
 * level makes the caller check the account exactly with `accountLimitBreaches`, and either enforce
 * a breach or set the levels again from the new headroom. With one position the level is the
 * exact breach price.
 */

/**
 * The floor of the maximum loss rule: `initial − amount`, or with `trailing: 'eod'` the highest
 * end-of-day balance − amount, never above the starting balance (it stops trailing there).
 */
export function maxLossFloor(
  rule: AccountRules['maxLoss'],
  initialBalance: Decimal,
  eodHigh: Decimal,
): Decimal | undefined {
  if (rule === undefined) return undefined;
  if (rule.trailing === 'none') return initialBalance.minus(rule.amount);
  const trailed = eodHigh.minus(rule.amount);
  return trailed.gt(initialBalance) ? initialBalance : trailed;
}

/** An account's equity and daily PnL at one set of marks, exactly. */
export interface AccountMarks {
  readonly equity: Decimal;
  readonly dailyPnl: Decimal;
}

/** An account limit's breach, with the halt it brings: flatten, and halt until a person or the day's end lifts it. */
export interface AccountLimitBreach extends RuleBreach {
  readonly rule: 'MAX_LOSS' | 'DAILY_LOSS' | 'DAILY_PROFIT_LOCK';
  readonly action: 'FLATTEN_AND_HALT';
  readonly limit: Decimal;
  readonly value: Decimal;
  /** Only a person lifts the halt. */
  readonly manualReset: boolean;
  /** The halt ends at the next daily boundary. */
  readonly untilDayEnd: boolean;
}

/**
 * The account limits broken at `low` (every position at its adverse mark) and `high` (at its
 * favourable mark), in evaluation order: the maximum loss, then the daily loss; the daily profit
 * lock only when neither of those broke. Limits are exact: a −400.00 daily loss limit breaks at
 * a daily PnL of exactly −400.00.
 */
export function accountLimitBreaches(
  rules: AccountRules,
  floor: Decimal | undefined,
  low: AccountMarks,
  high: AccountMarks,
): AccountLimitBreach[] {
  const breaches: AccountLimitBreach[] = [];
  if (floor !== undefined && low.equity.lte(floor)) {
    breaches.push({
      rule: 'MAX_LOSS',
      limit: floor,
      value: low.equity,
      action: 'FLATTEN_AND_HALT',
      urgency: 'CRITICAL',
      manualReset: true,
      untilDayEnd: false,
    });
  }
  const dailyLoss = rules.dailyLoss;
  if (dailyLoss !== undefined && low.dailyPnl.lte(dailyLoss.limit.negated())) {
    breaches.push({
      rule: 'DAILY_LOSS',
      limit: dailyLoss.limit.negated(),
      value: low.dailyPnl,
      action: 'FLATTEN_AND_HALT',
      urgency: 'CRITICAL',
      manualReset: dailyLoss.manualReset,
      untilDayEnd: !dailyLoss.manualReset,
    });
  }
  const lock = rules.dailyProfitLock;
  if (breaches.length === 0 && lock !== undefined && high.dailyPnl.gte(lock.limit)) {
    breaches.push({
      rule: 'DAILY_PROFIT_LOCK',
      limit: lock.limit,
      value: high.dailyPnl,
      action: 'FLATTEN_AND_HALT',
      urgency: 'HIGH',
      manualReset: false,
      untilDayEnd: true,
    });
  }
  return breaches;
}

/**
 * One position's share of the account's headroom as price levels: `low` where the lower limits
 * (daily loss, maximum loss) would be reached, `high` where the daily profit lock would be;
 * undefined where the account has no such limit.
 */
export interface ShareLevel {
  readonly position: Position;
  readonly low: number | undefined;
  readonly high: number | undefined;
}

/**
 * The exact share levels: the account's headroom at `m` (its marks) split evenly over its
 * positions, each turned into the price at which that position's unrealized PnL has used up its
 * share. `unrealized` gives each position's unrealized PnL at the same marks.
 */
export function exactShareLevels(
  rules: AccountRules,
  floor: Decimal | undefined,
  m: AccountMarks,
  positions: ReadonlyMap<string, Position>,
  unrealized: ReadonlyMap<string, Decimal>,
  multiplier: (symbol: string) => number,
): ShareLevel[] {
  let lower: Decimal | undefined;
  if (rules.dailyLoss !== undefined) lower = m.dailyPnl.plus(rules.dailyLoss.limit);
  if (floor !== undefined) {
    const h = m.equity.minus(floor);
    if (lower === undefined || h.lt(lower)) lower = h;
  }
  const upper =
    rules.dailyProfitLock !== undefined ? rules.dailyProfitLock.limit.minus(m.dailyPnl) : undefined;
  const k = positions.size;
  const shares: ShareLevel[] = [];
  for (const p of positions.values()) {
    const u = unrealized.get(p.id)!;
    const mult = multiplier(p.symbol);
    shares.push({
      position: p,
      low: lower === undefined ? undefined : pnlLevel(p, mult, u.minus(lower.div(k)), adverse(p)),
      high: upper === undefined ? undefined : pnlLevel(p, mult, u.plus(upper.div(k)), favourable(p)),
    });
  }
  return shares;
}

// ── the float filter ───────────────────────────────────────────────────────────────────────────

/** Relative slack of the float filter: far above the few roundings of a mark-to-market in floats. */
export const FLOAT_TOLERANCE = 1e-9;

/** Prices and contract sizes as floats, for the float filter. */
export interface FloatMarks {
  /** The symbol's last price; a position on a symbol without one is marked at its entry. */
  lastPrice(symbol: string): number | undefined;
  multiplier(symbol: string): number;
}

/** An account's money and limits as floats. Limits are positive amounts; absent: the rule is off. */
export interface FloatAccount {
  readonly balance: number;
  readonly dayStartBalance: number;
  readonly dailyLossLimit: number | undefined;
  readonly profitLockLimit: number | undefined;
  readonly maxLossFloor: number | undefined;
}

/** One symbol marked at a conflated tick's extremes. */
export interface MarkRange {
  readonly symbol: string;
  readonly low: number;
  readonly high: number;
}

/**
 * The float filter: marks the account in floats and, when it is clear of every account limit by
 * far more than the worst float error, returns share levels from that (conservative) headroom.
 * Near a limit it returns undefined and an exact decimal check must decide. A level only makes a
 * check happen, so an early one costs a check, never a miss. `at` marks one symbol at a conflated
 * tick's extremes: the adverse one for lower limits, the favourable one for the upper.
 */
export function floatShareLevels(
  positions: ReadonlyMap<string, Position>,
  marks: FloatMarks,
  money: FloatAccount,
  at: MarkRange | undefined,
): ShareLevel[] | undefined {
  let unrealized = 0;
  let unrealizedHigh = 0;
  let scale = 0;
  for (const p of positions.values()) {
    const long = p.side === 'long';
    const last = marks.lastPrice(p.symbol) ?? p.entryPrice;
    const onAt = at !== undefined && p.symbol === at.symbol;
    const low = onAt ? (long ? at.low : at.high) : last;
    const high = onAt ? (long ? at.high : at.low) : last;
    const qm = p.quantity * marks.multiplier(p.symbol);
    unrealized += (long ? low - p.entryPrice : p.entryPrice - low) * qm;
    unrealizedHigh += (long ? high - p.entryPrice : p.entryPrice - high) * qm;
    scale += (Math.abs(low) + Math.abs(high) + Math.abs(p.entryPrice)) * qm;
  }
  const { balance, dayStartBalance: dayStart } = money;
  const tolerance = (scale + Math.abs(balance) + Math.abs(dayStart)) * FLOAT_TOLERANCE;
  const equity = balance + unrealized;
  const daily = equity - dayStart;
  let lower = Number.POSITIVE_INFINITY;
  if (money.dailyLossLimit !== undefined) lower = daily + money.dailyLossLimit;
  if (money.maxLossFloor !== undefined) lower = Math.min(lower, equity - money.maxLossFloor);
  const upper =
    money.profitLockLimit !== undefined
      ? money.profitLockLimit - (balance + unrealizedHigh - dayStart)
      : Number.POSITIVE_INFINITY;
  if (!(lower > 2 * tolerance && upper > 2 * tolerance)) return undefined;
  const k = positions.size;
  const shares: ShareLevel[] = [];
  for (const p of positions.values()) {
    const long = p.side === 'long';
    const last = marks.lastPrice(p.symbol) ?? p.entryPrice;
    const mark = at !== undefined && p.symbol === at.symbol ? (long ? at.low : at.high) : last;
    const qm = p.quantity * marks.multiplier(p.symbol);
    let low: number | undefined;
    let high: number | undefined;
    if (lower !== Number.POSITIVE_INFINITY) {
      const move = (lower - tolerance) / k / qm;
      low = widened(long ? mark - move : mark + move, adverse(p));
    }
    if (upper !== Number.POSITIVE_INFINITY) {
      const move = (upper - tolerance) / k / qm;
      high = widened(long ? mark + move : mark - move, favourable(p));
    }
    shares.push({ position: p, low, high });
  }
  return shares;
}

/** A float level moved towards firing early by far more than its own rounding. */
function widened(level: number, direction: LevelDirection): number {
  const slack = Math.abs(level) * 1e-12;
  return direction === 'falls' ? level + slack : level - slack;
}
