import { z } from 'zod';
import { defineEvent } from './definition.ts';
import { positionRef, side } from './fields.ts';
import { positiveSchema } from './money-schema.ts';
import { DENIED_REASONS } from './reasons.ts';

/* Edge events: an edge judged by the entry flow, and an edge known for an open position. */

export const EdgeEvaluatedV1 = defineEvent(
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

export const EdgeUpdatedV1 = defineEvent(
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
