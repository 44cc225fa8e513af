import { Exact } from './exact.ts';
import type { TrailingStopSettings } from './types.ts';

/** Integers below this are exact as numbers. */
const SAFE = Number.MAX_SAFE_INTEGER;

// Results of splitDecimal, kept here so the hot path allocates no pair.
let partsM = 0;
let partsE = 0;

/**
 * Splits `x` into partsM·10^−partsE, the decimal value it stands for (its shortest representation),
 * with partsM an integer. False when that does not fit a safe integer or the form is exponential.
 */
function splitDecimal(x: number): boolean {
  const s = String(x);
  if (s.includes('e')) return false;
  const dot = s.indexOf('.');
  if (dot < 0) {
    partsM = x;
    partsE = 0;
  } else {
    partsM = Number(s.slice(0, dot) + s.slice(dot + 1));
    partsE = s.length - dot - 1;
  }
  return Math.abs(partsM) <= SAFE;
}

/** The settings' percentages as integers over one power of ten, for exact integer arithmetic. */
interface ScaledSettings {
  readonly decimals: number;
  /** 100 · 10^decimals. */
  readonly hundred: number;
  readonly distance: number;
  readonly by: number;
  readonly floor: number;
}

function scaleSettings(s: TrailingStopSettings): ScaledSettings | undefined {
  const values = [s.distancePct, s.tighten?.byPct ?? 0, s.tighten?.floorPct ?? 0];
  let decimals = 0;
  for (const v of values) {
    if (!splitDecimal(v)) return undefined;
    decimals = Math.max(decimals, partsE);
  }
  if (decimals > 8) return undefined;
  const scale = 10 ** decimals;
  const [distance, by, floor] = values.map((v) => new Exact(v).times(scale).toNumber()) as [
    number,
    number,
    number,
  ];
  return { decimals, hundred: 100 * scale, distance, by, floor };
}

/**
 * A trailing stop rule compiled once per thresholds object. The stop for a peak is
 * peak·(100 − d)/100 (long) or peak·(100 + d)/100 (short) computed exactly on the decimal values
 * and rounded once to the nearest number, where d is the distance, or with tightening
 * max(floorPct, distancePct − byPct·⌊(peakGainPct − activationPct)/everyGainPct⌋).
 *
 * The stop moves on every new peak, so this is on the hot path: the usual case is done in safe
 * integers (the peak's decimal digits times the scaled factor) and one correctly rounded parse;
 * decimal.js only takes the rare case that does not fit.
 */
export class TrailingRule {
  private readonly scaled: ScaledSettings | undefined;

  constructor(readonly settings: TrailingStopSettings) {
    this.scaled = scaleSettings(settings);
  }

  stopFor(long: boolean, entry: number, peak: number): number {
    const t = this.settings.tighten;
    const steps = t === undefined ? 0 : this.fastSteps(long, entry, peak);
    const sc = this.scaled;
    if (sc !== undefined && !Number.isNaN(steps) && splitDecimal(peak)) {
      const d = t === undefined ? sc.distance : Math.max(sc.floor, sc.distance - sc.by * steps);
      const factor = long ? sc.hundred - d : sc.hundred + d;
      const product = partsM * factor;
      if (Number.isSafeInteger(d) && Math.abs(product) <= SAFE) {
        // A decimal string parses to the nearest number: one rounding of the exact value.
        return Number(`${product}e-${partsE + sc.decimals + 2}`);
      }
    }
    return this.exactStop(long, entry, peak);
  }

  /**
   * ⌊(peakGainPct − activationPct) / everyGainPct⌋ from floats when the quotient is clear of an
   * integer by far more than its error; NaN when only exact arithmetic can tell.
   */
  private fastSteps(long: boolean, entry: number, peak: number): number {
    const s = this.settings;
    const every = s.tighten!.everyGainPct;
    const gain = ((long ? peak - entry : entry - peak) / entry) * 100;
    const q = (gain - s.activationPct) / every;
    const tol =
      (1e-12 * ((100 * (Math.abs(peak) + Math.abs(entry))) / entry + Math.abs(s.activationPct))) / every;
    return Math.abs(q - Math.round(q)) > tol && Math.abs(q) < 2 ** 52 ? Math.floor(q) : Number.NaN;
  }

  private exactStop(long: boolean, entry: number, peak: number): number {
    const s = this.settings;
    let d = new Exact(s.distancePct);
    const t = s.tighten;
    if (t !== undefined) {
      // ((peak − E)·100 − activation·E) / (every·E) for a long, floored.
      const e = new Exact(entry);
      const num = (long ? new Exact(peak).minus(e) : e.minus(peak))
        .times(100)
        .minus(e.times(s.activationPct));
      const den = e.times(t.everyGainPct);
      let steps = num.divToInt(den);
      if (num.isNegative() && !steps.times(den).eq(num)) steps = steps.minus(1);
      d = Exact.max(new Exact(t.floorPct), d.minus(steps.times(t.byPct)));
    }
    const f = long ? new Exact(100).minus(d) : new Exact(100).plus(d);
    return new Exact(peak).times(f).div(100).toNumber();
  }
}
