import { z } from 'zod';
import { defineEvent } from './definition.ts';
import { moneySchema } from './money-schema.ts';

/* Challenge events: a prop-firm evaluation passing a phase, failing, breaking a rule, and its daily standing. */

/** The fields naming an evaluation: the account, its prop-firm preset and the phase it is in. */
const challengeRef = {
  accountId: z.string().min(1),
  preset: z.string().min(1),
  phase: z.string().min(1),
};

export const ChallengePhaseCompletedV1 = defineEvent(
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

export const ChallengeFailedV1 = defineEvent(
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

export const EvaluationRuleViolatedV1 = defineEvent(
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

export const ChallengeMetricsUpdatedV1 = defineEvent(
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
