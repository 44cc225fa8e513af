import { z } from 'zod';
import type { Urgency } from './envelope.ts';
import { moneySchema, nonNegativeSchema, positiveSchema, timeSchema } from './money-schema.ts';

/** Why a position closed (DESIGN.md "Events"). */
export const CLOSE_REASONS = [
  'STOP_LOSS',
  'TAKE_PROFIT',
  'TRAILING_STOP',
  'CIRCUIT_BREAKER',
  'RISK_RULE',
  'AGENT',
  'EXIT_CONDITION',
  'SESSION_END',
  'MANUAL',
] as const;
export type CloseReason = (typeof CLOSE_REASONS)[number];

/** Reason codes of `Risk.Order.Denied.v1`: a closed union, extended only here. */
export const DENIED_REASONS = [
  'TRADING_HALTED',
  'TRADING_REDUCING',
  'FLIP_THROUGH_FLAT',
  'MAX_POSITIONS',
  'MAX_CONTRACTS',
  'EXPOSURE_MARKET',
  'EXPOSURE_TOTAL',
  'DAILY_LOSS_HEADROOM',
  'CORRELATION',
  'ORDER_RATE',
  'EDGE_TOO_SMALL',
  'EDGE_INVALID',
  'SIZE_TOO_SMALL',
  'SESSION_CLOSED',
  'SYMBOL_BLOCKED',
  'COOLDOWN',
  'CIRCUIT_OPEN',
] as const;
export type DeniedReason = (typeof DENIED_REASONS)[number];

const side = z.enum(['long', 'short']);
const orderSide = z.enum(['buy', 'sell']);

const positionRef = {
  positionId: z.string().min(1),
  accountId: z.string().min(1),
  symbol: z.string().min(1),
  side,
};

/** Every monitoring trigger carries where the position stood when it fired. */
const trigger = {
  ...positionRef,
  price: positiveSchema,
  entryPrice: positiveSchema,
  quantity: positiveSchema,
  pnl: moneySchema,
  pnlPct: z.number(),
};

const order = {
  accountId: z.string().min(1),
  symbol: z.string().min(1),
  clientOrderId: z.string().min(1),
};

/** One entry of the catalog: a type, its payload schema, and its urgency where one applies. */
export interface EventDefinition<S extends z.ZodType = z.ZodType, T extends string = string> {
  readonly type: T;
  readonly schema: S;
  /** Fixed urgency, or undefined when it depends on the payload (milestones, breaches) or does not apply. */
  readonly urgency?: Urgency;
  readonly description: string;
}

function def<const T extends string, S extends z.ZodType>(
  type: T,
  description: string,
  schema: S,
  urgency?: Urgency,
): EventDefinition<S, T> {
  return urgency === undefined ? { type, schema, description } : { type, schema, urgency, description };
}

export const PositionOpenedV1 = def(
  'Trading.Position.Opened.v1',
  'A position opened: a fill from flat, or loaded from the config or the venue.',
  z.strictObject({
    ...positionRef,
    quantity: positiveSchema,
    entryPrice: positiveSchema,
    stopPrice: positiveSchema.optional(),
    targetPrice: positiveSchema.optional(),
    profile: z.string().optional(),
    openedAt: timeSchema,
    source: z.enum(['fill', 'config', 'venue']),
    clientOrderId: z.string().optional(),
  }),
);

export const PositionIncreasedV1 = def(
  'Trading.Position.Increased.v1',
  'A fill on the same side scaled into a position.',
  z.strictObject({
    ...positionRef,
    addedQuantity: positiveSchema,
    fillPrice: positiveSchema,
    quantity: positiveSchema,
    entryPrice: positiveSchema,
  }),
);

export const PositionModifiedV1 = def(
  'Trading.Position.Modified.v1',
  'A stop or a target changed (trailing stop, agent, user, rule).',
  z.strictObject({
    ...positionRef,
    stopPrice: positiveSchema.nullable().optional(),
    targetPrice: positiveSchema.nullable().optional(),
    previousStopPrice: positiveSchema.nullable().optional(),
    previousTargetPrice: positiveSchema.nullable().optional(),
    /** The trailing stop, when a trailing stop moved (it sits beside the hard stop, never replaces it). */
    trailingStopPrice: positiveSchema.optional(),
    peakPrice: positiveSchema.optional(),
    source: z.enum(['TRAILING_STOP', 'AGENT', 'USER', 'RULE', 'VENUE']),
    reasoning: z.string().optional(),
  }),
);

export const PositionReducedV1 = def(
  'Trading.Position.Reduced.v1',
  'A partial exit filled.',
  z.strictObject({
    ...positionRef,
    reducedQuantity: positiveSchema,
    quantity: positiveSchema,
    exitPrice: positiveSchema,
    realizedPnl: moneySchema,
    clientOrderId: z.string().optional(),
  }),
);

export const PositionClosedV1 = def(
  'Trading.Position.Closed.v1',
  'The position is flat.',
  z.strictObject({
    ...positionRef,
    reason: z.enum(CLOSE_REASONS),
    quantity: positiveSchema,
    entryPrice: positiveSchema,
    exitPrice: positiveSchema,
    realizedPnl: moneySchema,
    openedAt: timeSchema,
    clientOrderId: z.string().optional(),
    conflictingTriggers: z.array(z.string()).optional(),
  }),
);

export const OrderPlacedV1 = def(
  'Trading.Order.Placed.v1',
  'An order was sent to the venue.',
  z.strictObject({
    ...order,
    side: orderSide,
    type: z.enum(['market', 'limit', 'stop', 'stop_limit']),
    quantity: positiveSchema,
    limitPrice: positiveSchema.optional(),
    stopPrice: positiveSchema.optional(),
    reduceOnly: z.boolean(),
    intent: z.enum(['entry', 'exit', 'protective']),
    positionId: z.string().optional(),
    reason: z.string().optional(),
  }),
);

export const OrderFilledV1 = def(
  'Trading.Order.Filled.v1',
  'An order filled, wholly or in part (`remainingQuantity` > 0).',
  z.strictObject({
    ...order,
    venueOrderId: z.string().min(1),
    fillId: z.string().min(1),
    side: orderSide,
    quantity: positiveSchema,
    price: positiveSchema,
    fee: moneySchema,
    filledQuantity: positiveSchema,
    remainingQuantity: nonNegativeSchema,
  }),
);

export const OrderCancelledV1 = def(
  'Trading.Order.Cancelled.v1',
  'An order was cancelled (by Warden, by the venue, or on replace).',
  z.strictObject({ ...order, venueOrderId: z.string().optional(), reason: z.string().optional() }),
);

export const OrderRejectedV1 = def(
  'Trading.Order.Rejected.v1',
  'The venue refused an order.',
  z.strictObject({ ...order, reason: z.string().min(1), message: z.string() }),
);

export const StopApproachingV1 = def(
  'Position.Stop.Approaching.v1',
  'Distance to the stop is within the approach zone (2% of price by default).',
  z.strictObject({ ...trigger, stopPrice: positiveSchema, distancePct: z.number() }),
  'HIGH',
);

export const TargetApproachingV1 = def(
  'Position.Target.Approaching.v1',
  'Distance to the target is within the approach zone (5% of price by default).',
  z.strictObject({ ...trigger, targetPrice: positiveSchema, distancePct: z.number() }),
  'MEDIUM',
);

export const MilestoneReachedV1 = def(
  'Position.Profit.MilestoneReached.v1',
  'PnL% reached a milestone (+5, +10, +20, +50, +100); MEDIUM below +20, HIGH from +20.',
  z.strictObject({ ...trigger, milestonePct: z.number().positive() }),
);

export const ExitStageReachedV1 = def(
  'Position.Exit.StageReached.v1',
  'PnL% reached a staged exit level of the profile: a partial exit stage (`partial_exit:<n>`) or the profit target (`profit_target`). Its exit follows once no other exit of the position is working; the profit target supersedes the stages not yet sent.',
  z.strictObject({
    ...trigger,
    stage: z.string().min(1),
    levelPct: z.number().positive(),
    /** What the stage exits: its fraction of the opening quantity, or all for the profit target. */
    exitQuantity: positiveSchema,
  }),
  'MEDIUM',
);

export const TimeDecayedV1 = def(
  'Position.Time.Decayed.v1',
  'The position has been open longer than the profile allows (72 h by default).',
  z.strictObject({ ...trigger, openedAt: timeSchema, ageHours: z.number().nonnegative() }),
  'MEDIUM',
);

export const ThesisInvalidatedV1 = def(
  'Position.Thesis.Invalidated.v1',
  'A candle closed beyond the thesis invalidation level or broke structure.',
  z.strictObject({
    ...trigger,
    interval: z.string(),
    close: positiveSchema,
    level: positiveSchema,
    kind: z.enum(['INVALIDATION_PRICE', 'SWING_BREAK']),
  }),
  'HIGH',
);

export const VolatilitySpikedV1 = def(
  'Position.Volatility.Spiked.v1',
  'ATR is far above its norm.',
  z.strictObject({ ...trigger, interval: z.string(), atr: z.number(), atrMean: z.number() }),
  'LOW',
);

export const CorrelationSpikedV1 = def(
  'Position.Correlation.Spiked.v1',
  "The account's positions move together.",
  z.strictObject({
    accountId: z.string().min(1),
    interval: z.string(),
    correlation: z.number(),
    symbols: z.array(z.string()),
  }),
  'LOW',
);

export const StopLossHitV1 = def(
  'Position.StopLoss.Hit.v1',
  'Price crossed the stop.',
  z.strictObject({ ...trigger, stopPrice: positiveSchema }),
  'CRITICAL',
);

export const TakeProfitHitV1 = def(
  'Position.TakeProfit.Hit.v1',
  'Price crossed the target.',
  z.strictObject({ ...trigger, targetPrice: positiveSchema }),
  'CRITICAL',
);

export const TrailingStopHitV1 = def(
  'Position.TrailingStop.Hit.v1',
  'Price crossed the trailing stop.',
  z.strictObject({ ...trigger, trailingStopPrice: positiveSchema, peakPrice: positiveSchema }),
  'HIGH',
);

export const LimitBreachedV1 = def(
  'Risk.Limit.Breached.v1',
  'A risk rule is violated.',
  z.strictObject({
    accountId: z.string().min(1),
    rule: z.string().min(1),
    limit: z.string(),
    value: z.string(),
    action: z.string().min(1),
    positionId: z.string().optional(),
    symbol: z.string().optional(),
  }),
);

export const OrderDeniedV1 = def(
  'Risk.Order.Denied.v1',
  'A pre-trade check refused an order.',
  z.strictObject({
    accountId: z.string().min(1),
    symbol: z.string().min(1),
    reason: z.enum(DENIED_REASONS),
    message: z.string(),
    side: orderSide.optional(),
    quantity: z.number().optional(),
  }),
);

const tradingState = z.enum(['ACTIVE', 'REDUCING', 'HALTED']);

export const TradingHaltedV1 = def(
  'Risk.Trading.Halted.v1',
  'Account trading state moved to REDUCING or HALTED.',
  z.strictObject({
    accountId: z.string().min(1),
    state: tradingState,
    previousState: tradingState,
    reason: z.string().min(1),
    until: timeSchema.optional(),
    manualReset: z.boolean().optional(),
  }),
);

export const TradingResumedV1 = def(
  'Risk.Trading.Resumed.v1',
  'Account trading state moved back to ACTIVE (or from HALTED to REDUCING).',
  z.strictObject({
    accountId: z.string().min(1),
    state: tradingState,
    previousState: tradingState,
    reason: z.string().min(1),
  }),
);

export const CircuitBreakerTrippedV1 = def(
  'Risk.CircuitBreaker.Tripped.v1',
  'A circuit breaker opened.',
  z.strictObject({
    accountId: z.string().optional(),
    breaker: z.enum(['DAILY_LOSS', 'VENUE_ERRORS', 'STORE_ERRORS']),
    message: z.string(),
    manualReset: z.boolean(),
  }),
  'CRITICAL',
);

export const AlertTriggeredV1 = def(
  'Risk.Alert.Triggered.v1',
  'Something a person must see: a failed exit, a disconnect, a discrepancy, a stale feed.',
  z.strictObject({
    accountId: z.string().optional(),
    code: z.string().min(1),
    severity: z.enum(['info', 'warning', 'critical']),
    message: z.string().min(1),
    positionId: z.string().optional(),
    symbol: z.string().optional(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
);

export const DecisionMadeV1 = def(
  'Agent.Decision.Made.v1',
  'A decision policy answered (rules or LLM), with its reasoning.',
  z.strictObject({
    ...positionRef,
    policy: z.string().min(1),
    trigger: z.string().min(1),
    action: z.enum(['HOLD', 'CLOSE', 'REDUCE', 'ADJUST_STOP', 'ADJUST_TARGET']),
    confidence: z.number().min(0).max(1),
    reasoning: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
    latencyMs: z.number().nonnegative(),
    model: z.string().optional(),
    fallbackReason: z.string().optional(),
  }),
);

export const LowEventsSummarizedV1 = def(
  'Position.LowEvents.Summarized.v1',
  'LOW events of an account since the last summary, counted by type, once per candle of the summary interval.',
  z.strictObject({
    accountId: z.string().min(1),
    interval: z.string(),
    counts: z.record(z.string(), z.number().int().positive()),
  }),
  'LOW',
);

const challengeRef = {
  accountId: z.string().min(1),
  preset: z.string().min(1),
  phase: z.string().min(1),
};

export const ChallengePhaseCompletedV1 = def(
  'Challenge.Phase.Completed.v1',
  'A prop-firm evaluation phase passed: profit target, minimum trading days and consistency all met.',
  z.strictObject({
    ...challengeRef,
    profit: moneySchema,
    profitTarget: moneySchema,
    tradingDays: z.number().int().nonnegative(),
    minTradingDays: z.number().int().nonnegative(),
    bestDay: moneySchema,
    consistencyPct: z.number().optional(),
  }),
);

export const ChallengeFailedV1 = def(
  'Challenge.Failed.v1',
  'A prop-firm evaluation failed: a rule whose breach ends it was broken.',
  z.strictObject({
    ...challengeRef,
    rule: z.string().min(1),
    limit: z.string(),
    value: z.string(),
    message: z.string(),
  }),
  'CRITICAL',
);

export const EvaluationRuleViolatedV1 = def(
  'Evaluation.Rule.Violated.v1',
  "A rule of the account's prop-firm preset was broken (the evaluation may go on or fail).",
  z.strictObject({
    ...challengeRef,
    rule: z.string().min(1),
    limit: z.string(),
    value: z.string(),
    consequence: z.enum(['FAILED', 'ENFORCED']),
    positionId: z.string().optional(),
    symbol: z.string().optional(),
  }),
  'HIGH',
);

export const ChallengeMetricsUpdatedV1 = def(
  'Challenge.Metrics.Updated.v1',
  "The evaluation's standing at the end of a trading day.",
  z.strictObject({
    ...challengeRef,
    tradingDay: z.string(),
    status: z.enum(['IN_PROGRESS', 'PASSED', 'FAILED']),
    balance: moneySchema,
    dayPnl: moneySchema,
    profit: moneySchema,
    profitTarget: moneySchema,
    progressPct: z.number(),
    tradingDays: z.number().int().nonnegative(),
    minTradingDays: z.number().int().nonnegative(),
    bestDay: moneySchema,
    consistencyPct: z.number().optional(),
    maxLossFloor: moneySchema.optional(),
  }),
);

export const EdgeEvaluatedV1 = def(
  'Entry.Edge.Evaluated.v1',
  'An edge reached the entry flow: its value, its Kelly size and what was done with it.',
  z.strictObject({
    accountId: z.string().min(1),
    symbol: z.string().min(1),
    side,
    source: z.string().min(1),
    edge: z.number(),
    minEdge: z.number(),
    probability: z.number().optional(),
    confidence: z.number(),
    kellyFraction: z.number().optional(),
    quantity: z.number().nonnegative(),
    limitPrice: positiveSchema.optional(),
    decision: z.enum(['ENTER', 'DENIED']),
    reason: z.enum(DENIED_REASONS).optional(),
    clientOrderId: z.string().optional(),
  }),
);

export const EdgeUpdatedV1 = def(
  'Position.Edge.Updated.v1',
  "An edge became known for an open position: the edge that opened it, or a later edge for its market. `edge` is the held side's edge at `price` (an edge for the other side counts against it); the profile's `early_exit` and `edge_disappeared` exits watch it from here on as the price moves.",
  z.strictObject({
    ...positionRef,
    source: z.string().min(1),
    price: positiveSchema,
    /** The held side's edge at `price`; absent when the estimate cannot be judged at that price. */
    edge: z.number().optional(),
    /** True when the edge was given for the other side of the market. */
    opposite: z.boolean(),
    probability: z.number().optional(),
    expectedMove: z.number().optional(),
    confidence: z.number().optional(),
    binary: z.boolean().optional(),
  }),
);

export const CandleClosedV1 = def(
  'Market.Candle.Closed.v1',
  'A candle of an interval closed for a symbol.',
  z.strictObject({
    symbol: z.string().min(1),
    interval: z.enum(['1m', '5m', '15m', '1h', '4h', '1d']),
    openTime: timeSchema,
    closeTime: timeSchema,
    open: positiveSchema,
    high: positiveSchema,
    low: positiveSchema,
    close: positiveSchema,
    volume: nonNegativeSchema,
    ticks: z.number().int().nonnegative(),
  }),
);

/** Every event type Warden emits, newest versions included. */
export const CATALOG = [
  PositionOpenedV1,
  PositionIncreasedV1,
  PositionModifiedV1,
  PositionReducedV1,
  PositionClosedV1,
  OrderPlacedV1,
  OrderFilledV1,
  OrderCancelledV1,
  OrderRejectedV1,
  StopApproachingV1,
  TargetApproachingV1,
  MilestoneReachedV1,
  ExitStageReachedV1,
  TimeDecayedV1,
  ThesisInvalidatedV1,
  VolatilitySpikedV1,
  CorrelationSpikedV1,
  StopLossHitV1,
  TakeProfitHitV1,
  TrailingStopHitV1,
  LimitBreachedV1,
  OrderDeniedV1,
  TradingHaltedV1,
  TradingResumedV1,
  CircuitBreakerTrippedV1,
  AlertTriggeredV1,
  DecisionMadeV1,
  LowEventsSummarizedV1,
  CandleClosedV1,
  ChallengePhaseCompletedV1,
  ChallengeFailedV1,
  EvaluationRuleViolatedV1,
  ChallengeMetricsUpdatedV1,
  EdgeEvaluatedV1,
  EdgeUpdatedV1,
] as const satisfies readonly EventDefinition[];

/** Payload type of a catalog entry. */
export type PayloadOf<D> = D extends EventDefinition<infer S, string> ? z.infer<S> : never;

type CatalogEntry = (typeof CATALOG)[number];

/** Every event type of the catalog. */
export type EventType = CatalogEntry['type'];

/** The payload of the catalog's event type `T`. */
export type PayloadOfType<T extends EventType> = PayloadOf<Extract<CatalogEntry, { readonly type: T }>>;

/** An envelope of the catalog's event type `T`, with its typed payload. */
export interface EventOf<T extends EventType> {
  readonly id: string;
  readonly type: T;
  readonly key: string;
  readonly ts: string;
  readonly urgency?: Urgency;
  readonly causationId?: string;
  readonly correlationId?: string;
  readonly data: Readonly<PayloadOfType<T>>;
}

/**
 * Any event of the catalog, discriminated by `type`: `switch (event.type)` narrows `data` to that
 * type's payload.
 */
export type WardenEvent = { [T in EventType]: EventOf<T> }[EventType];

/**
 * An envelope as the catalog event it is. Every envelope the engine handles was built by the
 * event factory from a catalog definition, or read back from a store whose registry validated it,
 * so the payload matches its type's schema; an envelope of a type outside the catalog has no
 * case in a `switch` over `WardenEvent` and falls through to its default.
 */
export function asWardenEvent(envelope: {
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
}): WardenEvent {
  return envelope as unknown as WardenEvent;
}
