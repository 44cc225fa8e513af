import { Decimal as DecimalJs } from 'decimal.js';

/**
 * Exact decimal arithmetic for money and for sums of quantities.
 *
 * Prices and quantities travel through the engine as JavaScript numbers: the value a feed or a
 * config gave, read as its shortest decimal representation (0.1 is "0.1"). Whenever two of them
 * are combined into money or into a new quantity the arithmetic happens here, in decimal, so that
 * a −400.00 limit compares equal at −400.00 and no running sum drifts.
 */
export const Decimal = DecimalJs.clone({
  precision: 40,
  rounding: DecimalJs.ROUND_HALF_EVEN,
  toExpNeg: -30,
  toExpPos: 40,
});
export type Decimal = InstanceType<typeof Decimal>;

export type DecimalInput = Decimal | number | string;

export const ZERO: Decimal = new Decimal(0);

export function dec(value: DecimalInput): Decimal {
  return value instanceof Decimal ? value : new Decimal(value);
}

/** Money as it appears in events and output: plain decimal notation, trailing zeros trimmed. */
export function moneyString(value: Decimal): string {
  const s = value.toFixed();
  return s === '-0' ? '0' : s;
}

/** Money rounded to cents (or another scale) for display. */
export function moneyFixed(value: Decimal, places = 2): string {
  const s = value.toFixed(places);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** Adds two quantities exactly and returns a number (0.1 + 0.2 is 0.3). */
export function addQty(a: number, b: number): number {
  return new Decimal(a).plus(b).toNumber();
}

/** Subtracts two quantities exactly and returns a number. */
export function subQty(a: number, b: number): number {
  return new Decimal(a).minus(b).toNumber();
}
