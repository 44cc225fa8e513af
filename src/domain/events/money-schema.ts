import { z } from 'zod';

/** Money in events: a decimal string, never a float ("-400", "12.5"). */
export const moneySchema = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string');
/** A price or quantity: a finite positive number. */
export const positiveSchema = z.number().positive();
export const nonNegativeSchema = z.number().nonnegative();
/** ISO 8601 UTC with milliseconds. */
export const timeSchema = z.iso.datetime({ precision: 3 });
