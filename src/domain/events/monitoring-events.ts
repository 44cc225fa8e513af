import { z } from 'zod';
import { defineEvent } from './definition.ts';
import { trigger } from './fields.ts';
import { positiveSchema, timeSchema } from './money-schema.ts';

/* Monitoring events: the triggers the position monitor fires, and the summary of its LOW events. */

export const StopApproachingV1 = defineEvent(
  'Position.Stop.Approaching.v1',
  'Distance to the stop is within the approach zone (2% of price by default).',
  z.strictObject({ ...trigger, stopPrice: positiveSchema, distancePct: z.number() }),
  'HIGH',
);

export const TargetApproachingV1 = defineEvent(
  'Position.Target.Approaching.v1',
  'Distance to the target is within the approach zone (5% of price by default).',
  z.strictObject({ ...trigger, targetPrice: positiveSchema, distancePct: z.number() }),
  'MEDIUM',
);

export const MilestoneReachedV1 = defineEvent(
  'Position.Profit.MilestoneReached.v1',
  'PnL% reached a milestone (+5, +10, +20, +50, +100); MEDIUM below +20, HIGH from +20.',
  z.strictObject({ ...trigger, milestonePct: z.number().positive() }),
);

export const ExitStageReachedV1 = defineEvent(
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

export const TimeDecayedV1 = defineEvent(
  'Position.Time.Decayed.v1',
  'The position has been open longer than the profile allows (72 h by default).',
  z.strictObject({ ...trigger, openedAt: timeSchema, ageHours: z.number().nonnegative() }),
  'MEDIUM',
);

export const ThesisInvalidatedV1 = defineEvent(
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

export const VolatilitySpikedV1 = defineEvent(
  'Position.Volatility.Spiked.v1',
  'ATR is far above its norm.',
  z.strictObject({ ...trigger, interval: z.string(), atr: z.number(), atrMean: z.number() }),
  'LOW',
);

export const CorrelationSpikedV1 = defineEvent(
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

export const StopLossHitV1 = defineEvent(
  'Position.StopLoss.Hit.v1',
  'Price crossed the stop.',
  z.strictObject({ ...trigger, stopPrice: positiveSchema }),
  'CRITICAL',
);

export const TakeProfitHitV1 = defineEvent(
  'Position.TakeProfit.Hit.v1',
  'Price crossed the target.',
  z.strictObject({ ...trigger, targetPrice: positiveSchema }),
  'CRITICAL',
);

export const TrailingStopHitV1 = defineEvent(
  'Position.TrailingStop.Hit.v1',
  'Price crossed the trailing stop.',
  z.strictObject({ ...trigger, trailingStopPrice: positiveSchema, peakPrice: positiveSchema }),
  'HIGH',
);

export const LowEventsSummarizedV1 = defineEvent(
  'Position.LowEvents.Summarized.v1',
  'LOW events of an account since the last summary, counted by type, once per candle of the summary interval.',
  z.strictObject({
    accountId: z.string().min(1),
    interval: z.string(),
    counts: z.record(z.string(), z.number().int().positive()),
  }),
  'LOW',
);
