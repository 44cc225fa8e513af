import { nextDown, nextUp } from './exact.ts';
import { nextUnfired } from './trigger-rules.ts';
import {
  SHORT,
  STOP_HIT_LATCHED,
  STOP_LATCHED,
  TARGET_HIT_LATCHED,
  TARGET_LATCHED,
  type WatchTable,
} from './watch-table.ts';

/*
 * The price levels at which a position's state can change on a tick.
 *
 * Every condition is "fires when P ≤ L" (down) or "fires when P ≥ L" (up). Per heap a position
 * keeps only its nearest level (the highest down, the lowest up), so a tick reaches it exactly
 * when one of its conditions may fire:
 *
 *   extreme down, against the tick's low:   long stop, trailing stop and no-stop loss limit;
 *                                           short target and trailing activation or trough
 *   extreme up, against the tick's high:    the mirror images
 *   last down / last up, against the last:  stop and target approach or re-arm (whichever the
 *                                           latch arms), the next unfired once-level
 *
 * Levels derived by float arithmetic are widened by LEVEL_SLACK so a heap never misses a crossing;
 * the position is then judged exactly (exact.ts) and keeps its levels if it does not confirm.
 * Stop, target, trailing stop and peak compare exactly as numbers and are used as they are.
 */

/** Relative widening of derived levels: far above their float error (~1e-15), far below a tick. */
const LEVEL_SLACK = 1e-9;

export const EXTREME_DOWN = 0;
export const EXTREME_UP = 1;
export const LAST_DOWN = 2;
export const LAST_UP = 3;

/** A derived "fires when P ≤ L" level, widened up. */
function slackDown(level: number): number {
  return level + Math.abs(level) * LEVEL_SLACK;
}

/** A derived "fires when P ≥ L" level, widened down. */
function slackUp(level: number): number {
  return level - Math.abs(level) * LEVEL_SLACK;
}

/**
 * x / (1 − pct/100), or +Infinity when pct ≥ 100. For "P·(1 − a) ≤ x" (a down level) that is
 * every price; for "P·(1 − r) > x" (an up level) it is none: both what +Infinity means there.
 */
function overOneMinus(x: number, pct: number): number {
  const f = 1 - pct / 100;
  return f > 0 ? x / f : Number.POSITIVE_INFINITY;
}

/**
 * Writes the four levels of position `h` into `levels` (indexed by EXTREME_DOWN …): for a down
 * level −Infinity means none and +Infinity every price; for an up level the reverse.
 */
export function levelsOf(t: WatchTable, h: number, levels: Float64Array): void {
  const rules = t.rules[h]!;
  const flags = t.flags[h]!;
  const entry = t.entry[h]!;
  const stop = t.stop[h]!;
  const target = t.target[h]!;
  const hasStop = !Number.isNaN(stop);
  const hasTarget = !Number.isNaN(target);
  const stopLatched = (flags & STOP_LATCHED) !== 0;
  const targetLatched = (flags & TARGET_LATCHED) !== 0;
  // A latched hit (its exit is off) is no level until it re-arms; its approach latch is its re-arm.
  const stopHits = (flags & STOP_HIT_LATCHED) === 0;
  const targetHits = (flags & TARGET_HIT_LATCHED) === 0;
  const trailing = rules.trailing;
  const peak = t.peak[h]!;
  const trailActive = trailing !== undefined && !Number.isNaN(peak);
  const lossOn = !hasStop && !Number.isNaN(rules.noStopLossPct);
  const i = nextUnfired(t.fired[h]!, 0, rules.once.length);
  const oncePct = i < rules.once.length ? rules.once[i]!.pct : Number.NaN;

  let extremeDown = Number.NEGATIVE_INFINITY;
  let extremeUp = Number.POSITIVE_INFINITY;
  let lastDown = Number.NEGATIVE_INFINITY;
  let lastUp = Number.POSITIVE_INFINITY;
  if ((flags & SHORT) === 0) {
    if (hasStop) {
      if (stopHits) extremeDown = stop;
      // Above the stop, |P − S| ≤ a·P is P ≤ S / (1 − a); the re-arm is P > S / (1 − r).
      if (!stopLatched) lastDown = slackDown(overOneMinus(stop, rules.stopApproachPct));
      else lastUp = slackUp(overOneMinus(stop, rules.stopRearmPct));
    }
    if (trailActive) extremeDown = Math.max(extremeDown, t.trail[h]!);
    if (lossOn) extremeDown = Math.max(extremeDown, slackDown(entry * (1 - rules.noStopLossPct / 100)));
    if (hasTarget) {
      if (targetHits) extremeUp = target;
      // Below the target, P ≥ T / (1 + a); the re-arm is P < T / (1 + r).
      if (!targetLatched) lastUp = Math.min(lastUp, slackUp(target / (1 + rules.targetApproachPct / 100)));
      else lastDown = Math.max(lastDown, slackDown(target / (1 + rules.targetRearmPct / 100)));
    }
    if (trailing !== undefined) {
      // A new peak is strictly above the old one.
      const level = trailActive ? nextUp(peak) : slackUp(entry * (1 + trailing.activationPct / 100));
      extremeUp = Math.min(extremeUp, level);
    }
    if (!Number.isNaN(oncePct)) lastUp = Math.min(lastUp, slackUp(entry * (1 + oncePct / 100)));
  } else {
    if (hasStop) {
      if (stopHits) extremeUp = stop;
      // Below the stop, S − P ≤ a·P is P ≥ S / (1 + a); the re-arm is P < S / (1 + r).
      if (!stopLatched) lastUp = slackUp(stop / (1 + rules.stopApproachPct / 100));
      else lastDown = slackDown(stop / (1 + rules.stopRearmPct / 100));
    }
    if (trailActive) extremeUp = Math.min(extremeUp, t.trail[h]!);
    if (lossOn) extremeUp = Math.min(extremeUp, slackUp(entry * (1 + rules.noStopLossPct / 100)));
    if (hasTarget) {
      if (targetHits) extremeDown = target;
      // Above the target, P ≤ T / (1 − a); the re-arm is P > T / (1 − r).
      if (!targetLatched)
        lastDown = Math.max(lastDown, slackDown(overOneMinus(target, rules.targetApproachPct)));
      else lastUp = Math.min(lastUp, slackUp(overOneMinus(target, rules.targetRearmPct)));
    }
    if (trailing !== undefined) {
      const level = trailActive ? nextDown(peak) : slackDown(entry * (1 - trailing.activationPct / 100));
      extremeDown = Math.max(extremeDown, level);
    }
    if (!Number.isNaN(oncePct)) lastDown = Math.max(lastDown, slackDown(entry * (1 - oncePct / 100)));
  }
  levels[EXTREME_DOWN] = extremeDown;
  levels[EXTREME_UP] = extremeUp;
  levels[LAST_DOWN] = lastDown;
  levels[LAST_UP] = lastUp;
}
