import { z } from 'zod';
import { dec, moneyString } from '../../domain/money.ts';

/** Field builders shared by the configuration schemas. */

export const TIMESTAMP_EXAMPLE = '2026-01-05T14:00:00Z';

export const name = (what: string) => z.string().regex(/^\S+$/, `must be a non-empty ${what} without spaces`);
export const positive = () => z.number().positive();
export const nonNegative = () => z.number().nonnegative();
export const currency = () =>
  z
    .string()
    .regex(/^[A-Z][A-Z0-9]{1,9}$/, 'must be a currency code in capitals, e.g. USD')
    .default('USD');

/** ISO 8601 with seconds and a zone (`Z` or `+01:00`), converted to epoch milliseconds. */
export const timestamp = () => z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));

/** A list section that may be left empty (`positions:` with every entry commented out). */
export const optionalList = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .nullish()
    .transform((v) => v ?? []);

/** A positive amount of money, written as a number or a decimal string; kept as a decimal string. */
export const money = () =>
  z
    .union([z.number(), z.string()], {
      error: (iss) =>
        iss.input === undefined
          ? 'is required'
          : `must be a number or a decimal string, got ${describe(iss.input)}`,
    })
    .transform((v, ctx) => {
      const text = typeof v === 'string' ? v.trim() : v;
      if (typeof text === 'string' && !/^-?\d+(\.\d+)?$/.test(text)) {
        ctx.addIssue({ code: 'custom', message: 'must be a decimal number such as 50000 or "50000.00"' });
        return z.NEVER;
      }
      const amount = dec(text);
      if (!amount.gt(0)) {
        ctx.addIssue({ code: 'custom', message: 'must be greater than 0' });
        return z.NEVER;
      }
      return moneyString(amount);
    });

/** What a value is, for messages; never the value itself, which may be a secret. */
export function describe(input: unknown): string {
  if (input === null) return 'an empty value';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'object') return 'a mapping';
  if (typeof input === 'boolean') return 'true/false';
  if (typeof input === 'number' && Number.isNaN(input)) return 'NaN';
  return `a ${typeof input}`;
}
