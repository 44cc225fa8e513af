import { Decimal } from '../money.ts';

/**
 * Decimal arithmetic wide enough to be exact on these few products and differences of numbers
 * (money.ts's 40 digits can round when magnitudes are far apart).
 */
export const Exact = Decimal.clone({ precision: 120 });

/*
 * Exact predicates for the trigger index. Every boundary is judged on the decimal values the
 * numbers stand for (0.7 is "0.7"), cross-multiplied so that no division is needed. A float
 * evaluation decides whenever it is clear of the boundary by far more than its worst error (the
 * rounding of the inputs to binary included); only the near-ties pay for decimal arithmetic.
 */

/** Relative slack of the float filter: over a thousand times the worst error of these few operations. */
const FILTER_TOLERANCE = 1e-12;

/** Sign of (x − y)·100 − c·z, exactly: −1, 0 or 1. */
export function cmpScaledDiff(x: number, y: number, c: number, z: number): number {
  const b = c * z;
  const d = (x - y) * 100 - b;
  const tol = FILTER_TOLERANCE * (100 * (Math.abs(x) + Math.abs(y)) + Math.abs(b));
  if (d > tol) return 1;
  if (d < -tol) return -1;
  return new Exact(x).minus(y).times(100).cmp(new Exact(c).times(z));
}

/** Sign of |x − y|·100 − c·z, exactly. */
export function cmpScaledDistance(x: number, y: number, c: number, z: number): number {
  const b = c * z;
  const d = Math.abs(x - y) * 100 - b;
  const tol = FILTER_TOLERANCE * (100 * (Math.abs(x) + Math.abs(y)) + Math.abs(b));
  if (d > tol) return 1;
  if (d < -tol) return -1;
  return new Exact(x).minus(y).abs().times(100).cmp(new Exact(c).times(z));
}

/** PnL% of a long (or short) from `entry` at `price` is ≥ `pct`: (P − E)·100 ≥ pct·E. */
export function pnlAtLeast(long: boolean, entry: number, price: number, pct: number): boolean {
  return (long ? cmpScaledDiff(price, entry, pct, entry) : cmpScaledDiff(entry, price, pct, entry)) >= 0;
}

/** PnL% is strictly below −`lossPct`. */
export function pnlBelowLoss(long: boolean, entry: number, price: number, lossPct: number): boolean {
  return (
    (long ? cmpScaledDiff(price, entry, -lossPct, entry) : cmpScaledDiff(entry, price, -lossPct, entry)) < 0
  );
}

/** |P − level| / P ≤ pct/100, i.e. |P − level|·100 ≤ pct·P. */
export function withinPct(price: number, level: number, pct: number): boolean {
  return cmpScaledDistance(price, level, pct, price) <= 0;
}

/** The price at which PnL% is exactly `pct`, rounded to the nearest number. */
export function priceAtPnl(long: boolean, entry: number, pct: number): number {
  const f = long ? new Exact(100).plus(pct) : new Exact(100).minus(pct);
  return new Exact(entry).times(f).div(100).toNumber();
}

const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
// Which 32-bit word of a float holds its low bits on this platform.
const LO = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;
const HI = 1 - LO;

/** The smallest number greater than a positive finite `x` (other values come back unchanged). */
export function nextUp(x: number): number {
  if (!(x > 0 && x < Number.POSITIVE_INFINITY)) return x;
  bits[0] = x;
  const lo = words[LO]!;
  if (lo === 0xffffffff) {
    words[LO] = 0;
    words[HI] = words[HI]! + 1;
  } else words[LO] = lo + 1;
  return bits[0]!;
}

/** The largest number smaller than a positive finite `x` (other values come back unchanged). */
export function nextDown(x: number): number {
  if (!(x > 0 && x < Number.POSITIVE_INFINITY)) return x;
  bits[0] = x;
  const lo = words[LO]!;
  if (lo === 0) {
    words[LO] = 0xffffffff;
    words[HI] = words[HI]! - 1;
  } else words[LO] = lo - 1;
  return bits[0]!;
}
