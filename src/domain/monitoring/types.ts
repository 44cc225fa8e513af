import type { PositionSide } from '../order.ts';

/** Trailing stop settings (DESIGN.md "Exits"); off unless a profile sets them. */
export interface TrailingStopSettings {
  /** Activates when PnL% reaches this (default 10). */
  readonly activationPct: number;
  /** Stop distance below the peak (long) or above the trough (short), in % of the peak (default 5). */
  readonly distancePct: number;
  /**
   * Optional tightening: the distance shrinks by `byPct` points for every `everyGainPct` of gain
   * beyond the activation, never below `floorPct`.
   */
  readonly tighten?: { readonly everyGainPct: number; readonly byPct: number; readonly floorPct: number };
}

/** A PnL% level that fires once per position, e.g. a milestone or a partial-exit stage. */
export interface OnceLevel {
  readonly pct: number;
  /** What the level is for: `milestone`, `profit_target`, `partial_exit:0`, … */
  readonly tag: string;
}

/** Thresholds the trigger index applies to one position (from its profile). */
export interface TriggerThresholds {
  /** Stop approaching fires when |P − S| / P ≤ this % (default 2) … */
  readonly stopApproachPct: number;
  /** … and re-arms only once the distance exceeds this % (default 3). */
  readonly stopRearmPct: number;
  readonly targetApproachPct: number;
  readonly targetRearmPct: number;
  /** Once-only PnL% levels, ascending by pct (milestones 5, 10, 20, 50, 100 and any exit stages). */
  readonly onceLevels: readonly OnceLevel[];
  /** With no stop set, PnL% below −this closes the position (stop_loss, default 15). Absent: off. */
  readonly noStopLossPct?: number;
  readonly trailing?: TrailingStopSettings;
  /**
   * A stop (target) hit that no exit acts on, because the profile switched the exit off: it
   * fires once, does not suspend the position, and fires again only after the price has come
   * back beyond the level by the re-arm distance of its approach zone (or the level changed).
   */
  readonly stopHitLatches?: boolean;
  readonly targetHitLatches?: boolean;
}

/** What the index remembers about a position across ticks and restarts. */
export interface TriggerMemory {
  /** Once-levels already fired, as `${tag}@${pct}`. */
  readonly fired: readonly string[];
  /** True while inside the stop approach zone (fired, waiting to re-arm). */
  readonly stopApproachLatched: boolean;
  readonly targetApproachLatched: boolean;
  /** A stop (target) hit whose exit is off fired and has not re-armed yet. */
  readonly stopHitLatched?: boolean;
  readonly targetHitLatched?: boolean;
  /** Trailing stop state once active. */
  readonly trailing?: { readonly peak: number; readonly stop: number };
}

/** A position as the trigger index sees it. */
export interface WatchSpec {
  readonly id: string;
  readonly symbol: string;
  readonly side: PositionSide;
  /** Average entry price. */
  readonly entryPrice: number;
  readonly stopPrice?: number;
  readonly targetPrice?: number;
  readonly thresholds: TriggerThresholds;
  /** Restored memory (after a restart); fresh when absent. */
  readonly memory?: TriggerMemory;
}

export type TriggerKind =
  | 'STOP_HIT'
  | 'TARGET_HIT'
  | 'TRAILING_HIT'
  | 'LOSS_NO_STOP'
  | 'STOP_APPROACHING'
  | 'TARGET_APPROACHING'
  | 'ONCE_LEVEL'
  | 'TRAILING_ACTIVATED'
  | 'TRAILING_MOVED';

/** One trigger that fired on a tick. */
export interface FiredTrigger {
  readonly kind: TriggerKind;
  readonly positionId: string;
  /**
   * The price that fired it (for a hit inside a conflated range: the extreme that crossed; for
   * TRAILING_ACTIVATED / TRAILING_MOVED: the favourable extreme that set the peak).
   */
  readonly price: number;
  /**
   * The level crossed: stop, target, trailing stop; the once-level's pct for ONCE_LEVEL; for
   * LOSS_NO_STOP the price at which PnL% is exactly −noStopLossPct.
   */
  readonly level?: number;
  /** ONCE_LEVEL: the level's tag. */
  readonly tag?: string;
  /** Trailing: the stop and the peak after this tick. */
  readonly trailingStop?: number;
  readonly peak?: number;
  /** A hit that won over other hits on the same tick lists them here (e.g. TRAILING_HIT). */
  readonly conflicting?: readonly TriggerKind[];
}

/** The default milestones of DESIGN.md. */
export const DEFAULT_MILESTONES: readonly number[] = [5, 10, 20, 50, 100];
