import { z } from 'zod';
import { defineEvent } from './definition.ts';
import { orderSide } from './fields.ts';
import { timeSchema } from './money-schema.ts';
import { DENIED_REASONS } from './reasons.ts';

/* Risk events: breached limits, denied orders, trading state changes, circuit breakers and alerts. */

export const LimitBreachedV1 = defineEvent(
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

export const OrderDeniedV1 = defineEvent(
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

export const TradingHaltedV1 = defineEvent(
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

export const TradingResumedV1 = defineEvent(
  'Risk.Trading.Resumed.v1',
  'Account trading state moved back to ACTIVE (or from HALTED to REDUCING).',
  z.strictObject({
    accountId: z.string().min(1),
    state: tradingState,
    previousState: tradingState,
    reason: z.string().min(1),
  }),
);

export const CircuitBreakerTrippedV1 = defineEvent(
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

export const AlertTriggeredV1 = defineEvent(
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
