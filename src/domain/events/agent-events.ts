import { z } from 'zod';
import { defineEvent } from './definition.ts';
import { positionRef } from './fields.ts';

/* Agent events: what a decision policy answered to a trigger. */

export const DecisionMadeV1 = defineEvent(
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
