import { z } from 'zod';
import {
  isClockTime,
  isTimeZone,
  type SessionSpec,
  validateSession,
  type Weekday,
} from '../../domain/risk/calendar.ts';
import { PRESET_NAMES } from '../../domain/risk/presets.ts';
import { RULE_CODES } from '../../domain/risk/rules.ts';
import { money, name, positive } from './fields.ts';

/**
 * The risk sections of the configuration (DESIGN.md "Risk", "Entry flow"): `risk:` at the top
 * holds the defaults, each account may pick a `preset` and override any rule. A rule written as
 * `null` switches off what a preset or the defaults turned on. Every field is in examples/README.md.
 */

const clockTime = () =>
  z.string().refine(isClockTime, { message: 'must be a time of day as HH:mm, e.g. 17:00 or 09:30' });
const timeZone = () =>
  z.string().refine(isTimeZone, { message: 'must be an IANA time zone such as America/Chicago or UTC' });
const count = () => z.number().int().positive();
const share = () => z.number().positive().max(1);

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

const dayBoundary = z.strictObject({
  resetTime: clockTime().default('17:00'),
  timezone: timeZone().default('America/Chicago'),
});

const session = z
  .strictObject({
    timezone: timeZone(),
    days: z.array(z.enum(WEEKDAYS)).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri']),
    open: clockTime(),
    close: clockTime(),
    flatBy: clockTime().optional(),
    holidays: z.array(z.iso.date({ message: 'must be a date as YYYY-MM-DD' })).default([]),
  })
  .transform((s, ctx): SessionSpec => {
    const spec: SessionSpec = {
      timezone: s.timezone,
      days: [...new Set(s.days.map((d) => (WEEKDAYS.indexOf(d) + 1) as Weekday))],
      open: s.open,
      close: s.close,
      ...(s.flatBy !== undefined ? { flatBy: s.flatBy } : {}),
      holidays: s.holidays,
    };
    for (const message of validateSession(spec)) ctx.addIssue({ code: 'custom', message });
    return spec;
  });

const off = <T extends z.ZodType>(schema: T) => schema.nullable().optional();

/** Account rules as written: absent keeps the preset's (or default) value, `null` switches it off. */
export const rulesSchema = z.strictObject({
  day: dayBoundary.optional(),
  maxContracts: off(z.strictObject({ limit: count() })),
  maxContractsPerInstrument: off(
    z
      .strictObject({
        default: count().optional(),
        symbols: z.record(z.string().min(1), count()).default({}),
      })
      .refine((r) => r.default !== undefined || Object.keys(r.symbols).length > 0, {
        message: 'needs a default or at least one symbol',
      }),
  ),
  dailyLoss: off(z.strictObject({ limit: money(), manualReset: z.boolean().default(false) })),
  dailyProfitLock: off(z.strictObject({ limit: money() })),
  unrealizedLoss: off(z.strictObject({ limit: money() })),
  unrealizedProfit: off(z.strictObject({ limit: money() })),
  maxLoss: off(z.strictObject({ amount: money(), trailing: z.enum(['eod', 'none']).default('none') })),
  tradeFrequency: off(
    z
      .strictObject({
        perMinute: count().optional(),
        perHour: count().optional(),
        perSession: count().optional(),
        cooldownSeconds: positive().default(300),
      })
      .refine((r) => r.perMinute !== undefined || r.perHour !== undefined || r.perSession !== undefined, {
        message: 'needs perMinute, perHour or perSession',
      }),
  ),
  cooldownAfterLoss: off(
    z.strictObject({
      tiers: z
        .array(
          z
            .strictObject({
              loss: money().optional(),
              consecutiveLosses: count().optional(),
              minutes: positive(),
            })
            .refine((t) => t.loss !== undefined || t.consecutiveLosses !== undefined, {
              message: 'a tier needs loss or consecutiveLosses',
            }),
        )
        .min(1),
    }),
  ),
  noStopLossGrace: off(z.strictObject({ seconds: positive() })),
  symbolBlock: off(z.strictObject({ symbols: z.array(name('symbol')).min(1) })),
  session: off(session),
  connectionLoss: off(z.strictObject({ pauseEntries: z.boolean().default(false) })),
});
export type RulesInput = z.output<typeof rulesSchema>;

export const entrySchema = z.strictObject({
  minEdge: z.number().min(0).optional(),
  kellyFraction: share().optional(),
  maxPositions: count().optional(),
  maxExposurePerMarket: money().optional(),
  maxExposureTotal: money().optional(),
  maxBankrollFraction: share().optional(),
  maxCorrelation: z.number().min(-1).max(1).optional(),
  maxOrdersPerMinute: count().optional(),
  orderTimeoutSeconds: positive().optional(),
  walks: z.number().int().min(0).max(20).optional(),
});
export type EntryInput = z.output<typeof entrySchema>;

export const challengeSchema = z.strictObject({
  phase: z.string().min(1).optional(),
  profitTarget: money().optional(),
  minTradingDays: z.number().int().min(0).optional(),
  consistency: share().nullable().optional(),
  failOn: z.array(z.enum(RULE_CODES)).optional(),
});
export type ChallengeInput = z.output<typeof challengeSchema>;

/** The fields an account entry gains. */
export const accountRiskFields = {
  /** A built-in rule set: topstep-50k, ftmo-100k or retail-crypto. */
  preset: z.enum(PRESET_NAMES as [string, ...string[]]).optional(),
  rules: rulesSchema.optional(),
  entry: entrySchema.optional(),
  challenge: challengeSchema.optional(),
};

export const riskSchema = z.strictObject({
  /** When the trading day ends for accounts whose rules and preset say nothing. */
  day: dayBoundary.prefault({}),
  /** Rules of every account without a preset (an account's own `rules` override them). */
  rules: rulesSchema.default({}),
  entry: entrySchema.default({}),
  breakers: z
    .strictObject({
      venueErrors: count().default(5),
      venueWindowSeconds: positive().default(300),
      venueProbeSeconds: positive().default(60),
      storeErrors: count().default(3),
      storeWindowSeconds: positive().default(60),
    })
    .prefault({}),
  /** Candle interval whose closes feed the correlation pre-trade check. */
  correlationInterval: z.enum(['1m', '5m', '15m', '1h', '4h', '1d']).default('5m'),
});
export type RiskInput = z.output<typeof riskSchema>;
