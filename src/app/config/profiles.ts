import { z } from 'zod';
import { CANDLE_INTERVALS } from '../../domain/candles.ts';
import { DEFAULT_PROFILE, type MonitorProfile } from '../../domain/monitoring/profile.ts';

const pct = () => z.number().positive();
const interval = () => z.enum(CANDLE_INTERVALS);

const band = z.strictObject({ enterPct: pct(), rearmPct: pct() }).refine((b) => b.rearmPct >= b.enterPct, {
  message: 'rearmPct must be at least enterPct (the re-arm distance lies outside the zone)',
});

const trailingStop = z.strictObject({
  activationPct: pct().default(10),
  distancePct: pct().default(5),
  tighten: z
    .strictObject({ everyGainPct: pct().default(5), byPct: pct().default(1), floorPct: pct().default(2) })
    .optional(),
});

const stage = z.strictObject({ pct: pct(), fraction: z.number().positive().max(1) });

/**
 * One profile as written in the config: every field optional. A named profile extends
 * `profiles.default`, which extends the built-in defaults (DESIGN.md values).
 */
export const profileSchema = z.strictObject({
  policy: z.enum(['rules', 'hold', 'llm']).optional(),
  minConfidence: z.number().min(0).max(1).optional(),
  manage: z.strictObject({ interval: interval() }).nullable().optional(),
  price: z.enum(['last', 'mid', 'bidask']).optional(),
  stopApproach: band.optional(),
  targetApproach: band.optional(),
  milestones: z
    .array(pct())
    .refine((m) => m.every((v, i) => i === 0 || v > m[i - 1]!), {
      message: 'must be ascending without repeats',
    })
    .optional(),
  milestoneHighFromPct: pct().optional(),
  timeDecayHours: pct().optional(),
  trailingStop: trailingStop.nullable().optional(),
  exits: z
    .strictObject({
      stopLoss: z
        .strictObject({ enabled: z.boolean().optional(), noStopLossPct: pct().optional() })
        .optional(),
      takeProfit: z.strictObject({ enabled: z.boolean().optional() }).optional(),
      timeBasedUrgent: z
        .strictObject({ enabled: z.boolean().optional(), minutesBeforeExpiry: pct().optional() })
        .optional(),
      liquidityDriedUp: z
        .strictObject({ enabled: z.boolean().optional(), maxSpreadPct: pct().optional() })
        .optional(),
      profitTarget: z.strictObject({ enabled: z.boolean().optional(), pct: pct().optional() }).optional(),
      earlyExit: z
        .strictObject({ enabled: z.boolean().optional(), minEdge: z.number().min(0).max(1).optional() })
        .optional(),
      edgeDisappeared: z.strictObject({ enabled: z.boolean().optional() }).optional(),
      partialExits: z
        .strictObject({
          enabled: z.boolean().optional(),
          stages: z
            .array(stage)
            .min(1)
            .refine((s) => s.reduce((sum, x) => sum + x.fraction, 0) <= 1, {
              message: 'fractions must add up to at most 1',
            })
            .optional(),
        })
        .optional(),
    })
    .optional(),
  thesis: z
    .strictObject({
      swingLookback: z.number().int().min(1).max(10).optional(),
      defaultInterval: interval().optional(),
    })
    .optional(),
  volatility: z
    .strictObject({
      enabled: z.boolean().optional(),
      interval: interval().optional(),
      atrPeriod: z.number().int().min(2).optional(),
      meanPeriod: z.number().int().min(2).optional(),
      multiplier: pct().optional(),
    })
    .optional(),
  correlation: z
    .strictObject({
      enabled: z.boolean().optional(),
      interval: interval().optional(),
      window: z.number().int().min(3).optional(),
      threshold: z.number().min(-1).max(1).optional(),
    })
    .optional(),
});

export type ProfileInput = z.output<typeof profileSchema>;

function merge(base: MonitorProfile, name: string, input: ProfileInput): MonitorProfile {
  const e = input.exits ?? {};
  const { trailingStop, manage, ...rest } = input;
  const merged: MonitorProfile = {
    ...base,
    ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined && typeof v !== 'object')),
    name,
    stopApproach: input.stopApproach ?? base.stopApproach,
    targetApproach: input.targetApproach ?? base.targetApproach,
    milestones: input.milestones ?? base.milestones,
    exits: {
      stopLoss: { ...base.exits.stopLoss, ...defined(e.stopLoss) },
      takeProfit: { ...base.exits.takeProfit, ...defined(e.takeProfit) },
      timeBasedUrgent: { ...base.exits.timeBasedUrgent, ...defined(e.timeBasedUrgent) },
      liquidityDriedUp: { ...base.exits.liquidityDriedUp, ...defined(e.liquidityDriedUp) },
      profitTarget: { ...base.exits.profitTarget, ...defined(e.profitTarget) },
      partialExits: { ...base.exits.partialExits, ...defined(e.partialExits) },
      earlyExit: { ...base.exits.earlyExit, ...defined(e.earlyExit) },
      edgeDisappeared: { ...base.exits.edgeDisappeared, ...defined(e.edgeDisappeared) },
    },
    thesis: { ...base.thesis, ...defined(input.thesis) },
    volatility: { ...base.volatility, ...defined(input.volatility) },
    correlation: { ...base.correlation, ...defined(input.correlation) },
  } as MonitorProfile;
  const managed =
    manage === null ? withoutManage(merged) : manage !== undefined ? { ...merged, manage } : merged;
  if (trailingStop === null) {
    const { trailingStop: _off, ...withoutTrailing } = managed;
    return withoutTrailing;
  }
  if (trailingStop !== undefined) return { ...managed, trailingStop };
  return managed;
}

function withoutManage(p: MonitorProfile): MonitorProfile {
  const { manage: _off, ...rest } = p;
  return rest;
}

function defined<T extends object>(o: T | undefined): Partial<T> {
  if (o === undefined) return {};
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Profiles presets refer to; a config profile of the same name replaces one. */
export const BUILTIN_PROFILES: Readonly<Record<string, ProfileInput>> = {
  'retail-crypto': { trailingStop: { activationPct: 10, distancePct: 5 } },
};

/**
 * Resolves the configured profiles: built-in defaults ← `profiles.default` ← `profiles.<name>`.
 * `trailingStop: null` in a named profile switches off a trailing stop the default profile set.
 */
export function resolveProfiles(
  inputs: Readonly<Record<string, ProfileInput>> = {},
): Map<string, MonitorProfile> {
  const base = merge(DEFAULT_PROFILE, 'default', inputs.default ?? {});
  const out = new Map<string, MonitorProfile>([['default', base]]);
  for (const [name, input] of Object.entries(inputs)) {
    if (name !== 'default') out.set(name, merge(base, name, input));
  }
  return out;
}
