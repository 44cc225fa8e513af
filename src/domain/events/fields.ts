import { z } from 'zod';
import { moneySchema, positiveSchema } from './money-schema.ts';

/*
 * Field groups that payloads of several areas share. Spread them into a payload's
 * `z.strictObject({ ... })`.
 */

/** The side of a position. */
export const side = z.enum(['long', 'short']);
/** The side of an order. */
export const orderSide = z.enum(['buy', 'sell']);

/** The fields naming a position: which one, in which account, on which market and side. */
export const positionRef = {
  positionId: z.string().min(1),
  accountId: z.string().min(1),
  symbol: z.string().min(1),
  side,
};

/** Every monitoring trigger carries where the position stood when it fired. */
export const trigger = {
  ...positionRef,
  price: positiveSchema,
  entryPrice: positiveSchema,
  quantity: positiveSchema,
  pnl: moneySchema,
  pnlPct: z.number(),
};

/** The fields naming an order: its account, market and client order id. */
export const order = {
  accountId: z.string().min(1),
  symbol: z.string().min(1),
  clientOrderId: z.string().min(1),
};
