import { WardenError } from '../errors.ts';
import { TrailingRule } from './trailing.ts';
import type { OnceLevel, TrailingStopSettings, TriggerThresholds } from './types.ts';

/** A once-level as the index keeps it: its memory key precomputed. */
export interface CompiledOnceLevel {
  readonly pct: number;
  readonly tag: string;
  /** `${tag}@${pct}`, as in TriggerMemory.fired. */
  readonly key: string;
}

/** Most once-levels one position can have: their fired flags are the bits of one 32-bit word. */
export const MAX_ONCE_LEVELS = 32;

/**
 * Thresholds compiled once and shared by every position that uses the same thresholds object,
 * so a position costs a reference, not a copy.
 */
export interface TriggerRules {
  readonly stopApproachPct: number;
  readonly stopRearmPct: number;
  readonly targetApproachPct: number;
  readonly targetRearmPct: number;
  /** NaN when off. */
  readonly noStopLossPct: number;
  /** Ascending by pct (stable), duplicates of the same key dropped. */
  readonly once: readonly CompiledOnceLevel[];
  readonly onceIndex: ReadonlyMap<string, number>;
  readonly trailing: TrailingStopSettings | undefined;
  readonly trailingRule: TrailingRule | undefined;
  readonly stopHitLatches: boolean;
  readonly targetHitLatches: boolean;
}

export function compileRules(t: TriggerThresholds): TriggerRules {
  const once: CompiledOnceLevel[] = [];
  const onceIndex = new Map<string, number>();
  const sorted: OnceLevel[] = [...t.onceLevels].sort((a, b) => a.pct - b.pct);
  for (const level of sorted) {
    const key = `${level.tag}@${level.pct}`;
    if (onceIndex.has(key)) continue;
    onceIndex.set(key, once.length);
    once.push({ pct: level.pct, tag: level.tag, key });
  }
  if (once.length > MAX_ONCE_LEVELS) {
    throw new WardenError(
      'WARDEN_CONFIG_INVALID',
      `a profile may define at most ${MAX_ONCE_LEVELS} once-levels (milestones and exit stages); got ${once.length}`,
    );
  }
  return {
    stopApproachPct: t.stopApproachPct,
    stopRearmPct: t.stopRearmPct,
    targetApproachPct: t.targetApproachPct,
    targetRearmPct: t.targetRearmPct,
    noStopLossPct: t.noStopLossPct ?? Number.NaN,
    once,
    onceIndex,
    trailing: t.trailing,
    trailingRule: t.trailing === undefined ? undefined : new TrailingRule(t.trailing),
    stopHitLatches: t.stopHitLatches === true,
    targetHitLatches: t.targetHitLatches === true,
  };
}

/** Index of the first once-level at or after `from` whose bit is not set in `mask`. */
export function nextUnfired(mask: number, from: number, count: number): number {
  let i = from;
  while (i < count && (mask & (1 << i)) !== 0) i++;
  return i;
}
