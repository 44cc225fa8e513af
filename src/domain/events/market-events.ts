import { z } from 'zod';
import { defineEvent } from './definition.ts';
import { nonNegativeSchema, positiveSchema, timeSchema } from './money-schema.ts';

/* Market events: candles built from the tick feed. */

export const CandleClosedV1 = defineEvent(
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
