import type { CloseReason } from '../../domain/events/catalog.ts';
import { type Instrument, roundToTick } from '../../domain/instrument.ts';
import { dec } from '../../domain/money.ts';
import type { OrderSide } from '../../domain/order.ts';
import type { Tick } from '../../domain/tick.ts';

/**
 * Every exit condition, in table order (the tie-break when two of the same priority fire). An
 * edge gone (`edge_disappeared`, edge < 0) comes before an edge merely small (`early_exit`): both
 * fire when the edge turns negative, and the fair-priced exit wins over the conservative one.
 */
export const EXIT_CONDITIONS = [
  'stop_loss',
  'circuit_breaker',
  'take_profit',
  'trailing_stop',
  'time_based_urgent',
  'liquidity_dried_up',
  'profit_target',
  'partial_exit_target',
  'edge_disappeared',
  'early_exit',
  'agent',
  'risk_rule',
  'session_end',
  'manual',
] as const;
export type ExitCondition = (typeof EXIT_CONDITIONS)[number];

/** Exit priorities, highest first. */
export const EXIT_PRIORITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
export type ExitPriority = (typeof EXIT_PRIORITIES)[number];

/** How the first order of an exit is priced: a market order or a limit of one of three styles. */
export type OrderStyle = 'market' | 'aggressive' | 'fair' | 'conservative';
export type LimitStyle = Exclude<OrderStyle, 'market'>;

/**
 * What happens when an order has not filled by the timeout: `immediate_market` retries the market
 * order and alerts; `walk_then_market` walks the limit, then goes to market; `walk_price` and
 * `walk_slowly` walk the limit, then give up (alert and leave the position open).
 */
export type Escalation = 'immediate_market' | 'walk_then_market' | 'walk_price' | 'walk_slowly';

export interface ExitSpec {
  readonly priority: ExitPriority;
  readonly style: OrderStyle;
  /** How long each order works before the next escalation step (and the alert period at market). */
  readonly timeoutMs: number;
  readonly escalation: Escalation;
  /** Cancel-and-replace steps before going to market or giving up (0 for market exits). */
  readonly walks: number;
}

const MARKET: ExitSpec = {
  priority: 'CRITICAL',
  style: 'market',
  timeoutMs: 5_000,
  escalation: 'immediate_market',
  walks: 0,
};

function limit(
  priority: ExitPriority,
  style: LimitStyle,
  timeoutMs: number,
  escalation: Escalation,
  walks: number,
): ExitSpec {
  return { priority, style, timeoutMs, escalation, walks };
}

/**
 * The exit table of DESIGN.md "Exits". Beyond it: `agent` exits like a HIGH condition;
 * `risk_rule`, `session_end` and `manual` are CRITICAL market exits (a person or a rule asking
 * to be out now may upgrade a working limit exit).
 */
export const EXIT_TABLE: Readonly<Record<ExitCondition, ExitSpec>> = {
  stop_loss: MARKET,
  circuit_breaker: MARKET,
  take_profit: MARKET,
  trailing_stop: limit('HIGH', 'aggressive', 10_000, 'walk_then_market', 2),
  time_based_urgent: limit('HIGH', 'aggressive', 10_000, 'walk_then_market', 2),
  liquidity_dried_up: limit('HIGH', 'aggressive', 15_000, 'walk_then_market', 3),
  profit_target: limit('MEDIUM', 'fair', 30_000, 'walk_price', 5),
  partial_exit_target: limit('MEDIUM', 'fair', 30_000, 'walk_price', 5),
  edge_disappeared: limit('LOW', 'fair', 30_000, 'walk_price', 5),
  early_exit: limit('LOW', 'conservative', 60_000, 'walk_slowly', 10),
  agent: limit('HIGH', 'aggressive', 10_000, 'walk_then_market', 2),
  risk_rule: MARKET,
  session_end: MARKET,
  manual: MARKET,
};

const REASONS: Partial<Record<ExitCondition, CloseReason>> = {
  stop_loss: 'STOP_LOSS',
  take_profit: 'TAKE_PROFIT',
  trailing_stop: 'TRAILING_STOP',
  circuit_breaker: 'CIRCUIT_BREAKER',
  risk_rule: 'RISK_RULE',
  agent: 'AGENT',
  session_end: 'SESSION_END',
  manual: 'MANUAL',
};

/** The close reason a position closed by this condition carries; `EXIT_CONDITION` for the profile's others. */
export function reasonForCondition(condition: ExitCondition): CloseReason {
  return REASONS[condition] ?? 'EXIT_CONDITION';
}

/** The condition a close reason names; undefined for `EXIT_CONDITION`, which stands for several. */
export function conditionForReason(reason: CloseReason): ExitCondition | undefined {
  return EXIT_CONDITIONS.find((c) => REASONS[c] === reason);
}

/** Negative when `a` wins over `b`: higher priority first, then table order. */
export function compareConditions(a: ExitCondition, b: ExitCondition): number {
  const byPriority =
    EXIT_PRIORITIES.indexOf(EXIT_TABLE[a].priority) - EXIT_PRIORITIES.indexOf(EXIT_TABLE[b].priority);
  return byPriority !== 0 ? byPriority : EXIT_CONDITIONS.indexOf(a) - EXIT_CONDITIONS.indexOf(b);
}

export interface ConflictResolution {
  readonly winner: ExitCondition;
  /** The other conditions that fired, best first, without duplicates. */
  readonly conflicting: readonly ExitCondition[];
}

/** Picks the condition that acts when several fire at once; undefined when none fired. */
export function resolveConflict(conditions: readonly ExitCondition[]): ConflictResolution | undefined {
  const [winner, ...rest] = [...new Set(conditions)].sort(compareConditions);
  return winner === undefined ? undefined : { winner, conflicting: rest };
}

/** A walk moves the limit price by this many instrument ticks per step. */
export const WALK_STEP_TICKS = 1;

/**
 * Limit price of an exit order. For a sell: aggressive = bid − 1 tick, fair = mid, conservative =
 * ask; a buy mirrors it (ask + 1 tick, mid, bid). Without quotes the last price stands for bid and
 * ask. Walk `n` moves the price n steps further towards the other side (`WALK_STEP_TICKS` each),
 * from the quote given (the current one at walk time), and never less aggressive than `previous`.
 * The result is rounded to the tick in the aggressive direction (sells down, buys up) and is at
 * least one tick.
 */
export function exitLimitPrice(options: {
  readonly instrument: Instrument;
  readonly side: OrderSide;
  readonly style: LimitStyle;
  readonly quote: Pick<Tick, 'price' | 'bid' | 'ask'>;
  readonly walk?: number;
  readonly previous?: number;
}): number {
  const { instrument, side, style, quote, walk = 0, previous } = options;
  const sell = side === 'sell';
  const bid = dec(quote.bid ?? quote.price);
  const ask = dec(quote.ask ?? quote.price);
  // The side an exit trades against (bid for a sell), and the side it would rest on.
  const near = sell ? bid : ask;
  const far = sell ? ask : bid;
  const base = style === 'fair' ? bid.plus(ask).div(2) : style === 'aggressive' ? near : far;
  const steps = (style === 'aggressive' ? 1 : 0) + walk * WALK_STEP_TICKS;
  const offset = dec(instrument.tickSize).times(steps);
  const raw = sell ? base.minus(offset) : base.plus(offset);
  let price = roundToTick(instrument, raw.toNumber(), sell ? 'down' : 'up');
  if (previous !== undefined) price = sell ? Math.min(price, previous) : Math.max(price, previous);
  return Math.max(price, instrument.tickSize);
}
