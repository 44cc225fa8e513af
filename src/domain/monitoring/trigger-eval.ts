import { pnlAtLeast, pnlBelowLoss, priceAtPnl, withinPct } from './exact.ts';
import { nextUnfired, type TriggerRules } from './trigger-rules.ts';
import type { FiredTrigger, TriggerKind } from './types.ts';
import {
  SHORT,
  STOP_HIT_LATCHED,
  STOP_LATCHED,
  SUSPENDED,
  TARGET_HIT_LATCHED,
  TARGET_LATCHED,
  type WatchTable,
} from './watch-table.ts';

/**
 * Hits in the order of the exit table (stop_loss, take_profit, then trailing_stop), so the hit the
 * index reports first is the condition that wins the conflict (engine/execution/exit-table.ts).
 */
export const HIT_PRIORITY: readonly TriggerKind[] = [
  'STOP_HIT',
  'LOSS_NO_STOP',
  'TARGET_HIT',
  'TRAILING_HIT',
];
const HIT_STOP = 1;
const HIT_LOSS = 2;
const HIT_TARGET = 4;
const HIT_TRAILING = 8;

/**
 * Judges one tick for position `h` exactly, updates its memory and appends what fires to `out`
 * (DESIGN.md "Monitoring triggers"). A hit — judged on the state before the tick against the
 * adverse (stop, trailing, loss) or favourable (target) extreme — is the only trigger of the
 * tick and suspends the position. Otherwise, judged against the last price: stop approaching,
 * target approaching, once-levels ascending; then the trailing stop against the favourable
 * extreme (activation, or a new peak).
 *
 * A stop or target hit whose exit is off (`stopHitLatches`, `targetHitLatches`) fires once without
 * suspending: it latches together with its approach zone, and both re-arm only when the price is
 * back on the level's safe side beyond the zone's re-arm distance.
 */
export function evaluatePosition(
  t: WatchTable,
  h: number,
  price: number,
  lo: number,
  hi: number,
  out: FiredTrigger[],
): void {
  const rules = t.rules[h]!;
  const id = t.ids[h]!;
  let flags = t.flags[h]!;
  const long = (flags & SHORT) === 0;
  const entry = t.entry[h]!;
  const stop = t.stop[h]!;
  const target = t.target[h]!;
  const hasStop = !Number.isNaN(stop);
  const hasTarget = !Number.isNaN(target);
  const trailing = rules.trailingRule;
  const peak = t.peak[h]!;
  const trail = t.trail[h]!;
  const trailActive = trailing !== undefined && !Number.isNaN(peak);
  const adverse = long ? lo : hi;
  const favourable = long ? hi : lo;

  const stopHeld = (flags & STOP_HIT_LATCHED) !== 0;
  const targetHeld = (flags & TARGET_HIT_LATCHED) !== 0;
  let hits = 0;
  if (hasStop && !stopHeld && (long ? adverse <= stop : adverse >= stop)) hits |= HIT_STOP;
  if (trailActive && (long ? adverse <= trail : adverse >= trail)) hits |= HIT_TRAILING;
  if (
    !hasStop &&
    !Number.isNaN(rules.noStopLossPct) &&
    pnlBelowLoss(long, entry, adverse, rules.noStopLossPct)
  )
    hits |= HIT_LOSS;
  if (hasTarget && !targetHeld && (long ? favourable >= target : favourable <= target)) hits |= HIT_TARGET;
  if (hits !== 0) {
    // Hits whose exit is off latch (with their approach zone) instead of suspending the position.
    let off = 0;
    if (rules.stopHitLatches && (hits & HIT_STOP) !== 0) {
      off |= HIT_STOP;
      flags |= STOP_HIT_LATCHED | STOP_LATCHED;
    }
    if (rules.targetHitLatches && (hits & HIT_TARGET) !== 0) {
      off |= HIT_TARGET;
      flags |= TARGET_HIT_LATCHED | TARGET_LATCHED;
    }
    const acting = hits & ~off;
    out.push(
      hitTrigger(t, h, rules, acting !== 0 ? acting : hits, adverse, favourable, acting !== 0 ? off : 0),
    );
    t.flags[h] = acting !== 0 ? flags | SUSPENDED : flags;
    return;
  }

  // A latched hit re-arms on the level's safe side beyond the re-arm distance; until then the
  // approach zone stays latched with it.
  if (stopHeld && (long ? price > stop : price < stop) && !withinPct(price, stop, rules.stopRearmPct))
    flags &= ~STOP_HIT_LATCHED;
  if (
    targetHeld &&
    (long ? price < target : price > target) &&
    !withinPct(price, target, rules.targetRearmPct)
  )
    flags &= ~TARGET_HIT_LATCHED;
  if (hasStop && (flags & STOP_HIT_LATCHED) === 0) {
    if ((flags & STOP_LATCHED) !== 0 && !withinPct(price, stop, rules.stopRearmPct)) flags &= ~STOP_LATCHED;
    if ((flags & STOP_LATCHED) === 0 && withinPct(price, stop, rules.stopApproachPct)) {
      out.push({ kind: 'STOP_APPROACHING', positionId: id, price, level: stop });
      flags |= STOP_LATCHED;
    }
  }
  if (hasTarget && (flags & TARGET_HIT_LATCHED) === 0) {
    if ((flags & TARGET_LATCHED) !== 0 && !withinPct(price, target, rules.targetRearmPct))
      flags &= ~TARGET_LATCHED;
    if ((flags & TARGET_LATCHED) === 0 && withinPct(price, target, rules.targetApproachPct)) {
      out.push({ kind: 'TARGET_APPROACHING', positionId: id, price, level: target });
      flags |= TARGET_LATCHED;
    }
  }
  t.flags[h] = flags;

  // Once-levels are ascending: the first unfired one not reached ends the scan.
  const once = rules.once;
  let mask = t.fired[h]!;
  for (
    let i = nextUnfired(mask, 0, once.length);
    i < once.length;
    i = nextUnfired(mask, i + 1, once.length)
  ) {
    const level = once[i]!;
    if (!pnlAtLeast(long, entry, price, level.pct)) break;
    out.push({ kind: 'ONCE_LEVEL', positionId: id, price, level: level.pct, tag: level.tag });
    mask |= 1 << i;
  }
  t.fired[h] = mask;

  if (trailing === undefined) return;
  if (!trailActive) {
    if (pnlAtLeast(long, entry, favourable, trailing.settings.activationPct)) {
      const stopAt = trailing.stopFor(long, entry, favourable);
      t.peak[h] = favourable;
      t.trail[h] = stopAt;
      out.push({
        kind: 'TRAILING_ACTIVATED',
        positionId: id,
        price: favourable,
        trailingStop: stopAt,
        peak: favourable,
      });
    }
  } else if (long ? favourable > peak : favourable < peak) {
    t.peak[h] = favourable;
    const next = trailing.stopFor(long, entry, favourable);
    // The stop never loosens (a changed entry can make the formula give less).
    if (long ? next > trail : next < trail) {
      t.trail[h] = next;
      out.push({
        kind: 'TRAILING_MOVED',
        positionId: id,
        price: favourable,
        trailingStop: next,
        peak: favourable,
      });
    }
  }
}

function hitTrigger(
  t: WatchTable,
  h: number,
  rules: TriggerRules,
  hits: number,
  adverse: number,
  favourable: number,
  alsoLatched: number,
): FiredTrigger {
  const positionId = t.ids[h]!;
  let winner: TriggerKind | undefined;
  const conflicting: TriggerKind[] = [];
  for (let bit = 0; bit < HIT_PRIORITY.length; bit++) {
    if (((hits | alsoLatched) & (1 << bit)) === 0) continue;
    if ((alsoLatched & (1 << bit)) !== 0) {
      conflicting.push(HIT_PRIORITY[bit]!);
      continue;
    }
    if (winner === undefined) winner = HIT_PRIORITY[bit]!;
    else conflicting.push(HIT_PRIORITY[bit]!);
  }
  const also = conflicting.length > 0 ? { conflicting } : {};
  switch (winner) {
    case 'STOP_HIT':
      return { kind: winner, positionId, price: adverse, level: t.stop[h]!, ...also };
    case 'TRAILING_HIT': {
      const trail = t.trail[h]!;
      return {
        kind: winner,
        positionId,
        price: adverse,
        level: trail,
        trailingStop: trail,
        peak: t.peak[h]!,
        ...also,
      };
    }
    case 'LOSS_NO_STOP': {
      // The level is the price at which PnL% is exactly −noStopLossPct.
      const level = priceAtPnl((t.flags[h]! & SHORT) === 0, t.entry[h]!, -rules.noStopLossPct);
      return { kind: winner, positionId, price: adverse, level, ...also };
    }
    default:
      return { kind: 'TARGET_HIT', positionId, price: favourable, level: t.target[h]!, ...also };
  }
}
