import {
  DEFAULT_MILESTONES,
  type OnceLevel,
  type TrailingStopSettings,
  type TriggerThresholds,
} from './types.ts';

/** Which price a profile watches (DESIGN.md "Which price"). */
export type PriceSource = 'last' | 'mid' | 'bidask';

/** A staged partial exit: at +pct PnL%, exit `fraction` of the position's original quantity. */
export interface PartialExitStage {
  readonly pct: number;
  readonly fraction: number;
}

/**
 * Every monitoring threshold of one named profile (`profiles.<name>` in the config). Defaults
 * are the DESIGN.md values; of the exit conditions only stop_loss, take_profit and
 * circuit_breaker are on unless the profile switches others on.
 */
export interface MonitorProfile {
  readonly name: string;
  /**
   * `rules` (deterministic), `hold` (monitor only: events are raised, only hard exits act), `llm`
   * (the configured OpenAI-compatible model, falling back to `rules`).
   */
  readonly policy: 'rules' | 'hold' | 'llm';
  /** A decision with a lower confidence becomes HOLD (0..1). */
  readonly minConfidence: number;
  /**
   * Candle-close management: the policy is consulted at every close of this candle interval for
   * each position of the profile, until the position closes (a position's own `manage` wins).
   */
  readonly manage?: { readonly interval: string };
  readonly price: PriceSource;
  readonly stopApproach: { readonly enterPct: number; readonly rearmPct: number };
  readonly targetApproach: { readonly enterPct: number; readonly rearmPct: number };
  readonly milestones: readonly number[];
  /** Milestones at or above this PnL% are HIGH, the others MEDIUM. */
  readonly milestoneHighFromPct: number;
  readonly timeDecayHours: number;
  readonly trailingStop?: TrailingStopSettings;
  readonly exits: {
    readonly stopLoss: { readonly enabled: boolean; readonly noStopLossPct: number };
    readonly takeProfit: { readonly enabled: boolean };
    readonly timeBasedUrgent: { readonly enabled: boolean; readonly minutesBeforeExpiry: number };
    readonly liquidityDriedUp: { readonly enabled: boolean; readonly maxSpreadPct: number };
    readonly profitTarget: { readonly enabled: boolean; readonly pct: number };
    readonly partialExits: { readonly enabled: boolean; readonly stages: readonly PartialExitStage[] };
    /** Exit when the position's known edge falls below `minEdge` (a fraction: 0.02 is 2%). */
    readonly earlyExit: { readonly enabled: boolean; readonly minEdge: number };
    /** Exit when the position's known edge falls below zero. */
    readonly edgeDisappeared: { readonly enabled: boolean };
  };
  readonly thesis: { readonly swingLookback: number; readonly defaultInterval: string };
  readonly volatility: {
    readonly enabled: boolean;
    readonly interval: string;
    readonly atrPeriod: number;
    readonly meanPeriod: number;
    readonly multiplier: number;
  };
  readonly correlation: {
    readonly enabled: boolean;
    readonly interval: string;
    readonly window: number;
    readonly threshold: number;
  };
}

export const DEFAULT_PROFILE: MonitorProfile = {
  name: 'default',
  policy: 'rules',
  minConfidence: 0.5,
  price: 'last',
  stopApproach: { enterPct: 2, rearmPct: 3 },
  targetApproach: { enterPct: 5, rearmPct: 6 },
  milestones: DEFAULT_MILESTONES,
  milestoneHighFromPct: 20,
  timeDecayHours: 72,
  exits: {
    stopLoss: { enabled: true, noStopLossPct: 15 },
    takeProfit: { enabled: true },
    timeBasedUrgent: { enabled: false, minutesBeforeExpiry: 5 },
    liquidityDriedUp: { enabled: false, maxSpreadPct: 1 },
    profitTarget: { enabled: false, pct: 25 },
    partialExits: {
      enabled: false,
      stages: [
        { pct: 15, fraction: 0.5 },
        { pct: 25, fraction: 0.25 },
      ],
    },
    earlyExit: { enabled: false, minEdge: 0.02 },
    edgeDisappeared: { enabled: false },
  },
  thesis: { swingLookback: 2, defaultInterval: '15m' },
  volatility: { enabled: true, interval: '15m', atrPeriod: 14, meanPeriod: 100, multiplier: 2 },
  correlation: { enabled: true, interval: '15m', window: 50, threshold: 0.8 },
};

/** Tags of the once-only PnL% levels a profile asks the trigger index for. */
export const ONCE_TAG = {
  milestone: 'milestone',
  profitTarget: 'profit_target',
  partialExit: (stage: number) => `partial_exit:${stage}`,
} as const;

/** The trigger index's view of a profile: thresholds, once-levels in ascending order. */
export function thresholdsOf(profile: MonitorProfile): TriggerThresholds {
  const levels: OnceLevel[] = profile.milestones.map((pct) => ({ pct, tag: ONCE_TAG.milestone }));
  if (profile.exits.profitTarget.enabled)
    levels.push({ pct: profile.exits.profitTarget.pct, tag: ONCE_TAG.profitTarget });
  if (profile.exits.partialExits.enabled) {
    for (const [i, stage] of profile.exits.partialExits.stages.entries()) {
      levels.push({ pct: stage.pct, tag: ONCE_TAG.partialExit(i) });
    }
  }
  // Stable sort: equal pcts keep milestone, profit target, stages order.
  levels.sort((a, b) => a.pct - b.pct);
  return {
    stopApproachPct: profile.stopApproach.enterPct,
    stopRearmPct: profile.stopApproach.rearmPct,
    targetApproachPct: profile.targetApproach.enterPct,
    targetRearmPct: profile.targetApproach.rearmPct,
    onceLevels: levels,
    ...(profile.exits.stopLoss.enabled ? { noStopLossPct: profile.exits.stopLoss.noStopLossPct } : {}),
    ...(profile.trailingStop !== undefined ? { trailing: profile.trailingStop } : {}),
    ...(profile.exits.stopLoss.enabled ? {} : { stopHitLatches: true }),
    ...(profile.exits.takeProfit.enabled ? {} : { targetHitLatches: true }),
  };
}

/**
 * The approach zones for one position: a zone wider than half the position's own distance from
 * its entry to the level is narrowed to that half (its re-arm distance in proportion), so a
 * position that would open inside a zone hears of the level only once the price has covered half
 * the way to it. Returns `base` itself when neither zone changes.
 */
export function zonesFor(
  base: TriggerThresholds,
  position: { readonly entryPrice: number; readonly stopPrice?: number; readonly targetPrice?: number },
): TriggerThresholds {
  const half = (level: number | undefined) =>
    level === undefined
      ? Number.POSITIVE_INFINITY
      : (Math.abs(position.entryPrice - level) / position.entryPrice) * 50;
  const stop = half(position.stopPrice);
  const target = half(position.targetPrice);
  if (stop >= base.stopApproachPct && target >= base.targetApproachPct) return base;
  const narrowed: { -readonly [K in keyof TriggerThresholds]: TriggerThresholds[K] } = { ...base };
  if (stop < base.stopApproachPct) {
    narrowed.stopRearmPct = (base.stopRearmPct * stop) / base.stopApproachPct;
    narrowed.stopApproachPct = stop;
  }
  if (target < base.targetApproachPct) {
    narrowed.targetRearmPct = (base.targetRearmPct * target) / base.targetApproachPct;
    narrowed.targetApproachPct = target;
  }
  return narrowed;
}
