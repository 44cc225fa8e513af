import { z } from 'zod';
import { CANDLE_INTERVALS } from '../../domain/candles.ts';
import { agentSchema } from './agent-schema.ts';
import { currency, money, name, nonNegative, optionalList, positive, timestamp } from './fields.ts';
import { profileSchema } from './profiles.ts';
import { accountRiskFields, riskSchema } from './risk-schema.ts';
import {
  legacyVenueSchema,
  resolveVenues,
  type VenueConfig,
  venueName,
  venueSchema,
} from './venue-schema.ts';

/**
 * The shape of a Warden configuration file (see examples/README.md for every field).
 *
 * Two layers: the zod schemas below check each value on its own (types, ranges, unknown keys) and
 * apply defaults; `checkRelations` (relations.ts) checks what no single value can tell
 * (references, duplicates, stops on the right side of the entry). Both run on every load, so a
 * file with five mistakes reports five problems at once. messages.ts words zod's issues.
 */

const priceGuardSchema = z.strictObject({
  maxJumpPct: positive(),
  confirmTicks: z.number().int().min(1).max(100).default(2),
});

const engineSchema = z.strictObject({
  seed: z.number().int().nonnegative().default(42),
  partitions: z.number().int().min(1).max(4096).default(8),
  /** Candle intervals aggregated from ticks, each emitting `Market.Candle.Closed.v1`. */
  candleIntervals: z.array(z.enum(CANDLE_INTERVALS)).default(['1m', '5m', '15m', '1h', '4h', '1d']),
  /** Alert when a symbol with open positions has had no tick for this long; 0 switches it off. */
  staleFeedSeconds: z.number().nonnegative().default(120),
  /**
   * Price sanity guard for every instrument (an instrument's own `priceGuard` wins): a tick
   * beyond `maxJumpPct` of the last accepted price is held until `confirmTicks` more ticks stay
   * at the new level, else rejected as `WARDEN_TICK_OUTLIER`. `false` switches it off.
   */
  priceGuard: z.union([z.literal(false), priceGuardSchema]).default({ maxJumpPct: 10, confirmTicks: 2 }),
});

const accountSchema = z.strictObject({
  id: name('account id'),
  balance: money(),
  currency: currency(),
  /** The venue the account trades at (`venues[].name`); optional while there is one venue. */
  venue: venueName().optional(),
  ...accountRiskFields,
});

const instrumentSchema = z.strictObject({
  symbol: name('symbol'),
  tickSize: positive(),
  lotSize: positive().default(1),
  multiplier: positive().default(1),
  currency: currency(),
  expiry: timestamp().optional(),
  /** This instrument's price sanity guard, or `false` for none (default: `engine.priceGuard`). */
  priceGuard: z.union([z.literal(false), priceGuardSchema]).optional(),
});

const thesisSchema = z.strictObject({
  invalidationPrice: positive().optional(),
  interval: z
    .string()
    .regex(/^[1-9]\d*[mhdw]$/, 'must be a candle interval such as 1m, 15m, 1h, 4h or 1d')
    .optional(),
  swingBreak: z.boolean().optional(),
  note: z.string().optional(),
});

const positionSchema = z.strictObject({
  id: name('position id'),
  account: name('account id'),
  symbol: name('symbol'),
  side: z.enum(['long', 'short']),
  quantity: positive(),
  entryPrice: positive(),
  stopPrice: positive().optional(),
  targetPrice: positive().optional(),
  openedAt: timestamp().optional(),
  profile: name('profile name').optional(),
  thesis: thesisSchema.optional(),
  /** Candle-close management: the policy is consulted at every close of this interval. */
  manage: z.strictObject({ interval: z.enum(CANDLE_INTERVALS) }).optional(),
});

const orderSchema = z.strictObject({
  at: timestamp(),
  account: name('account id'),
  symbol: name('symbol'),
  side: z.enum(['buy', 'sell']),
  type: z.enum(['market', 'limit', 'stop', 'stop_limit']),
  quantity: positive(),
  limitPrice: positive().optional(),
  stopPrice: positive().optional(),
  reduceOnly: z.boolean().default(false),
  clientOrderId: name('client order id').optional(),
  protect: z
    .strictObject({
      stopPrice: positive().optional(),
      targetPrice: positive().optional(),
      /** Monitoring profile of the position the order opens. */
      profile: name('profile name').optional(),
    })
    .optional(),
});

const feedSchema = z.strictObject({
  type: z.literal('synthetic').default('synthetic'),
  /** Defaults to `engine.seed`. */
  seed: z.number().int().nonnegative().optional(),
  tickIntervalMs: z.number().int().positive().default(250),
  symbols: z
    .array(
      z.strictObject({
        symbol: name('symbol'),
        startPrice: positive(),
        annualVolatility: nonNegative().default(0.2),
      }),
    )
    .min(1),
});

const demoSchema = z.strictObject({
  // Writing a `demo:` section means wanting the demo; leaving it out switches it off.
  enabled: z.boolean().default(true),
  /** Defaults to the first account. */
  account: name('account id').optional(),
  everySeconds: positive().default(15),
  maxOpenPositions: z.number().int().min(1).default(3),
  stopPct: positive().default(1),
  targetPct: positive().default(2),
  /** Closes a demo position by hand after this many seconds; absent: never. */
  maxHoldSeconds: positive().optional(),
});

const loggingSchema = z.strictObject({
  level: z.enum(['trace', 'debug', 'info', 'warn', 'error']).default('info'),
});

/** Monitoring profiles by name (see profiles.ts); `default` applies to positions that name none. */
const profilesSchema = z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a plain name'), profileSchema);

export const wardenConfigSchema = z
  .strictObject({
    engine: engineSchema.prefault({}),
    accounts: z.array(accountSchema).min(1),
    instruments: z.array(instrumentSchema).min(1),
    positions: optionalList(positionSchema),
    orders: optionalList(orderSchema),
    profiles: profilesSchema.default({}),
    /** Deprecated: the old single venue, read as one paper venue named `default`. */
    venue: legacyVenueSchema.optional(),
    venues: z.array(venueSchema).min(1).optional(),
    feed: feedSchema.optional(),
    demo: demoSchema.prefault({ enabled: false }),
    logging: loggingSchema.prefault({}),
    risk: riskSchema.prefault({}),
    agent: agentSchema.prefault({}),
  })
  .transform(({ venue, venues: listed, ...c }) => {
    const venues: VenueConfig[] = resolveVenues(venue, listed);
    // Without a venue of its own an account trades at the only venue (relations.ts refuses the
    // file when there are several).
    const fallback = venues[0]!.name;
    return {
      ...c,
      accounts: c.accounts.map((a) => ({ ...a, venue: a.venue ?? fallback })),
      venues,
      feed: c.feed === undefined ? undefined : { ...c.feed, seed: c.feed.seed ?? c.engine.seed },
      demo: { ...c.demo, account: c.demo.account ?? c.accounts[0]!.id },
    };
  });

/** A validated configuration with every default applied and every time in epoch milliseconds. */
export type WardenConfig = z.output<typeof wardenConfigSchema>;
export type AccountConfig = WardenConfig['accounts'][number];
export type InstrumentConfig = WardenConfig['instruments'][number];
export type PositionConfig = WardenConfig['positions'][number];
export type OrderConfig = WardenConfig['orders'][number];
export type { VenueConfig } from './venue-schema.ts';
export type FeedConfig = NonNullable<WardenConfig['feed']>;
export type DemoConfig = WardenConfig['demo'];
