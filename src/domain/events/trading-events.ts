import { z } from 'zod';
import { defineEvent } from './definition.ts';
import { order, orderSide, positionRef } from './fields.ts';
import { moneySchema, nonNegativeSchema, positiveSchema, timeSchema } from './money-schema.ts';
import { CLOSE_REASONS } from './reasons.ts';

/* Trading events: positions opening, changing and closing, and the orders behind them. */

export const PositionOpenedV1 = defineEvent(
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

export const PositionIncreasedV1 = defineEvent(
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

export const PositionModifiedV1 = defineEvent(
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

export const PositionReducedV1 = defineEvent(
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

export const PositionClosedV1 = defineEvent(
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

export const OrderPlacedV1 = defineEvent(
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

export const OrderFilledV1 = defineEvent(
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

export const OrderCancelledV1 = defineEvent(
  'Trading.Order.Cancelled.v1',
  'An order was cancelled (by Warden, by the venue, or on replace).',
  z.strictObject({ ...order, venueOrderId: z.string().optional(), reason: z.string().optional() }),
);

export const OrderRejectedV1 = defineEvent(
  'Trading.Order.Rejected.v1',
  'The venue refused an order.',
  z.strictObject({ ...order, reason: z.string().min(1), message: z.string() }),
);
