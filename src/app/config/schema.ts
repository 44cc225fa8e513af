import { z } from 'zod';
import { CANDLE_INTERVALS } from '../../domain/candles.ts';
import { isLotMultiple } from '../../domain/instrument.ts';
import { agentSchema } from './agent-schema.ts';
import { profileSchema } from './profiles.ts';
import { accountRiskFields, riskSchema } from './risk-schema.ts';

/**
 * The shape of a Warden configuration file (see examples/README.md for every field).
 *
 * Two layers: the zod schemas below check each value on its own (types, ranges, unknown keys) and
 * apply defaults; `checkRelations` checks what no single value can tell (references, duplicates,
 * stops on the right side of the entry). Both run on every load, so a file with five mistakes
 * reports five problems at once.
 */

import {
  currency,
  describe,
  money,
  name,
  nonNegative,
  optionalList,
  positive,
  TIMESTAMP_EXAMPLE,
  timestamp,
} from './fields.ts';

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

const venueSchema = z.strictObject({
  type: z.literal('paper').default('paper'),
  slippageBps: nonNegative().default(0),
  feeBps: nonNegative().default(0),
  leverage: positive().default(1),
  partialFills: z.strictObject({ maxQuantityPerTick: positive() }).optional(),
  /** Scripted losses of the connection (engine clock): a drill of a venue outage. */
  outages: z.array(z.strictObject({ at: timestamp(), seconds: positive() })).default([]),
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
    venue: venueSchema.prefault({}),
    feed: feedSchema.optional(),
    demo: demoSchema.prefault({ enabled: false }),
    logging: loggingSchema.prefault({}),
    risk: riskSchema.prefault({}),
    agent: agentSchema.prefault({}),
  })
  .transform((c) => ({
    ...c,
    feed: c.feed === undefined ? undefined : { ...c.feed, seed: c.feed.seed ?? c.engine.seed },
    demo: { ...c.demo, account: c.demo.account ?? c.accounts[0]!.id },
  }));

/** A validated configuration with every default applied and every time in epoch milliseconds. */
export type WardenConfig = z.output<typeof wardenConfigSchema>;
export type AccountConfig = WardenConfig['accounts'][number];
export type InstrumentConfig = WardenConfig['instruments'][number];
export type PositionConfig = WardenConfig['positions'][number];
export type OrderConfig = WardenConfig['orders'][number];
export type VenueConfig = WardenConfig['venue'];
export type FeedConfig = NonNullable<WardenConfig['feed']>;
export type DemoConfig = WardenConfig['demo'];

/** One thing wrong with a configuration, at a path such as `['positions', 2, 'stopPrice']`. */
export interface Problem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

export { describe } from './fields.ts';

const EXPECTED: Readonly<Record<string, string>> = {
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  int: 'a whole number',
};

/** Zod messages in the words of this file format. Passed to `safeParse` as its error map. */
export function configErrorMap(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'is required';
      if (iss.expected === 'int' && typeof iss.input === 'number') return 'must be a whole number';
      if (iss.expected === 'string' && iss.inst instanceof z.ZodISODateTime) return timestampMessage();
      return `must be ${EXPECTED[iss.expected] ?? iss.expected}, got ${describe(iss.input)}`;
    case 'too_small': {
      const min = Number(iss.minimum);
      if (iss.origin === 'array')
        return min === 1 ? 'must have at least one entry' : `must have at least ${min} entries`;
      if (iss.origin === 'string') return 'must not be empty';
      return iss.inclusive ? `must be at least ${min}` : `must be greater than ${min}`;
    }
    case 'too_big':
      return iss.inclusive
        ? `must be at most ${Number(iss.maximum)}`
        : `must be less than ${Number(iss.maximum)}`;
    case 'invalid_value':
      return iss.values.length === 1
        ? `must be ${JSON.stringify(iss.values[0])}`
        : `must be one of: ${iss.values.map(String).join(', ')}`;
    case 'invalid_format':
      return iss.format === 'datetime' ? timestampMessage() : undefined;
    default:
      return undefined;
  }
}

function timestampMessage(): string {
  return `must be an ISO 8601 timestamp with seconds and a zone, e.g. ${TIMESTAMP_EXAMPLE}`;
}

/** The keys the schema allows at `path`, for "did you mean" hints on unknown keys. */
export function knownKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType | undefined = unwrap(wardenConfigSchema);
  for (const part of path) {
    if (schema instanceof z.ZodArray && typeof part === 'number')
      schema = unwrap(schema.element as z.ZodType);
    else if (schema instanceof z.ZodRecord) schema = unwrap(schema.valueType as z.ZodType);
    else if (schema instanceof z.ZodObject && typeof part === 'string') {
      const next: z.ZodType | undefined = (schema.shape as Record<string, z.ZodType>)[part];
      schema = next === undefined ? undefined : unwrap(next);
    } else schema = undefined;
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    if (
      s instanceof z.ZodOptional ||
      s instanceof z.ZodNullable ||
      s instanceof z.ZodDefault ||
      s instanceof z.ZodPrefault
    ) {
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else return s;
  }
}

/** "unknown key; did you mean …" for a misspelt key, else the list of keys allowed there. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const squash = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const near = known.find((k) => squash(k) === squash(key) || editDistance(k, key) <= 2);
  if (near !== undefined) return `unknown key; did you mean "${near}"?`;
  return known.length === 0 ? 'unknown key' : `unknown key (expected one of: ${known.join(', ')})`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = row;
  }
  return prev[b.length]!;
}

// ---------------------------------------------------------------------------------------------
// Relations between values. These read the raw document defensively, so that they still run when
// some other part of the file is wrong; each check is skipped when the values it compares are
// themselves invalid (the schema reports those), so no mistake is reported twice.

type Raw = Record<string, unknown>;
type Path = readonly PropertyKey[];

/** What the relation checks need to know about `${NAME}` substitution. */
export interface EnvPaths {
  /** The value at `path` came from the environment, so no message may show it. */
  secret(path: Path): boolean;
  /** The value at `path` could not be substituted (already reported), so it is unknown. */
  unresolved(path: Path): boolean;
}

const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const pos = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined;

function entries(section: unknown): [number, Raw][] {
  if (!Array.isArray(section)) return [];
  const out: [number, Raw][] = [];
  section.forEach((item, i) => {
    if (isRecord(item)) out.push([i, item]);
  });
  return out;
}

/** Names declared in one list section (account ids, symbols), first occurrence wins. */
class Names {
  readonly first = new Map<string, Path>();
  /** A name could not be read (a missing variable), so an unknown reference proves nothing. */
  private incomplete = false;
  constructor(private readonly env: EnvPaths) {}

  /** The value quoted, or a stand-in when it came from the environment. */
  show(path: Path, value: string): string {
    return this.env.secret(path) ? '(a value from the environment)' : JSON.stringify(value);
  }

  /** Records a name; returns a problem when it was already declared. */
  declare(path: Path, value: unknown, what: string): Problem | undefined {
    if (this.env.unresolved(path)) {
      this.incomplete = true;
      return undefined;
    }
    if (typeof value !== 'string') return undefined;
    if (this.first.has(value)) return { path, message: `duplicate ${what} ${this.show(path, value)}` };
    this.first.set(value, path);
    return undefined;
  }

  /** A problem when `value` names nothing declared; silent when nothing was declared at all. */
  reference(path: Path, value: unknown, what: string): Problem | undefined {
    if (typeof value !== 'string' || this.env.unresolved(path)) return undefined;
    if (this.incomplete || this.first.size === 0 || this.first.has(value)) return undefined;
    const names = [...this.first].map(([n, p]) => (this.env.secret(p) ? '(hidden)' : n));
    const listed =
      names.length > 10 ? `${names.slice(0, 10).join(', ')}, … ${names.length - 10} more` : names.join(', ');
    return { path, message: `unknown ${what} ${this.show(path, value)} (known: ${listed})` };
  }
}

interface LotInfo {
  readonly symbol: string;
  readonly lotSize: number | undefined;
}

/** Checks references, duplicates and price relations on the raw (env-substituted) document. */
export function checkRelations(raw: Raw, env: EnvPaths): Problem[] {
  const problems: Problem[] = [];
  const add = (p: Problem | undefined) => {
    if (p !== undefined) problems.push(p);
  };

  const accounts = new Names(env);
  for (const [i, a] of entries(raw.accounts)) {
    add(accounts.declare(['accounts', i, 'id'], a.id, 'account id'));
    if (isRecord(a.challenge) && a.preset === undefined && a.challenge.profitTarget === undefined) {
      add({
        path: ['accounts', i, 'challenge', 'profitTarget'],
        message: 'is required for an account without a preset (the target that completes the evaluation)',
      });
    }
  }

  const symbols = new Names(env);
  const lots = new Map<string, LotInfo>();
  for (const [i, ins] of entries(raw.instruments)) {
    const p = symbols.declare(['instruments', i, 'symbol'], ins.symbol, 'symbol');
    add(p);
    const symbol = str(ins.symbol);
    if (p === undefined && symbol !== undefined) {
      lots.set(symbol, { symbol, lotSize: ins.lotSize === undefined ? 1 : pos(ins.lotSize) });
    }
  }

  const profiles = new Names(env);
  // `default` always exists (the built-in defaults); other names must be defined under `profiles`.
  for (const key of ['default', ...(isRecord(raw.profiles) ? Object.keys(raw.profiles) : [])])
    profiles.first.set(key, []);
  // A profile that asks the LLM needs an endpoint to ask.
  const hasLlm = isRecord(raw.agent) && raw.agent.llm !== undefined && raw.agent.llm !== null;
  if (isRecord(raw.profiles) && !hasLlm) {
    for (const [name, profile] of Object.entries(raw.profiles)) {
      if (isRecord(profile) && profile.policy === 'llm') {
        add({
          path: ['profiles', name, 'policy'],
          message:
            'is llm but there is no agent.llm section (baseUrl and model of an OpenAI-compatible endpoint)',
        });
      }
    }
  }

  const lotProblem = (path: Path, quantity: unknown, symbol: unknown): Problem | undefined => {
    const q = pos(quantity);
    const lot = typeof symbol === 'string' ? lots.get(symbol) : undefined;
    if (q === undefined || lot?.lotSize === undefined) return undefined;
    const instrument = {
      symbol: lot.symbol,
      tickSize: 1,
      lotSize: lot.lotSize,
      multiplier: 1,
      currency: 'USD',
    };
    if (isLotMultiple(instrument, q)) return undefined;
    return { path, message: `must be a multiple of the lot size of ${lot.symbol} (${lot.lotSize})` };
  };

  const positionIds = new Names(env);
  const held = new Map<string, number>();
  for (const [i, p] of entries(raw.positions)) {
    const at = (...rest: PropertyKey[]): Path => ['positions', i, ...rest];
    add(positionIds.declare(at('id'), p.id, 'position id'));
    add(accounts.reference(at('account'), p.account, 'account'));
    add(symbols.reference(at('symbol'), p.symbol, 'symbol'));
    add(lotProblem(at('quantity'), p.quantity, p.symbol));
    if (p.profile !== undefined) add(profiles.reference(at('profile'), p.profile, 'profile'));
    const account = str(p.account);
    const symbol = str(p.symbol);
    if (
      account !== undefined &&
      symbol !== undefined &&
      !env.unresolved(at('account')) &&
      !env.unresolved(at('symbol'))
    ) {
      const key = JSON.stringify([account, symbol]);
      const earlier = held.get(key);
      if (earlier === undefined) held.set(key, i);
      else {
        add({
          path: at('symbol'),
          message: `account ${accounts.show(at('account'), account)} already has a position in ${symbols.show(at('symbol'), symbol)} (positions[${earlier}]); positions are netted per account and symbol`,
        });
      }
    }
    const side = p.side;
    const entry = pos(p.entryPrice);
    if ((side === 'long' || side === 'short') && entry !== undefined) {
      const thesis = isRecord(p.thesis) ? p.thesis : {};
      const protective = side === 'long' ? 'below' : 'above';
      const favourable = side === 'long' ? 'above' : 'below';
      add(sideProblem(at('stopPrice'), p.stopPrice, entry, protective, `entryPrice for a ${side} position`));
      add(
        sideProblem(at('targetPrice'), p.targetPrice, entry, favourable, `entryPrice for a ${side} position`),
      );
      add(
        sideProblem(
          at('thesis', 'invalidationPrice'),
          thesis.invalidationPrice,
          entry,
          protective,
          `entryPrice for a ${side} position`,
        ),
      );
    }
  }

  const clientOrderIds = new Names(env);
  for (const [i, o] of entries(raw.orders)) {
    const at = (...rest: PropertyKey[]): Path => ['orders', i, ...rest];
    add(accounts.reference(at('account'), o.account, 'account'));
    add(symbols.reference(at('symbol'), o.symbol, 'symbol'));
    add(lotProblem(at('quantity'), o.quantity, o.symbol));
    add(clientOrderIds.declare(at('clientOrderId'), o.clientOrderId, 'clientOrderId'));
    if (isRecord(o.protect) && o.protect.profile !== undefined) {
      add(profiles.reference(at('protect', 'profile'), o.protect.profile, 'profile'));
    }
    for (const problem of orderPriceProblems(o, at)) add(problem);
  }

  const feed = isRecord(raw.feed) ? raw.feed : {};
  const fed = new Names(env);
  for (const [i, s] of entries(feed.symbols)) {
    const at: Path = ['feed', 'symbols', i, 'symbol'];
    add(fed.declare(at, s.symbol, 'symbol') ?? symbols.reference(at, s.symbol, 'symbol'));
  }

  if (isRecord(raw.demo)) add(accounts.reference(['demo', 'account'], raw.demo.account, 'account'));
  return problems;
}

/** A price that must lie strictly below or above a reference price. */
function sideProblem(
  path: Path,
  value: unknown,
  reference: number,
  where: 'below' | 'above',
  what: string,
): Problem | undefined {
  const v = pos(value);
  if (v === undefined) return undefined;
  const ok = where === 'below' ? v < reference : v > reference;
  return ok ? undefined : { path, message: `must be ${where} ${what}` };
}

const NEEDS_LIMIT = new Set(['limit', 'stop_limit']);
const NEEDS_STOP = new Set(['stop', 'stop_limit']);

function orderPriceProblems(o: Raw, at: (...rest: PropertyKey[]) => Path): Problem[] {
  const problems: Problem[] = [];
  const type = o.type;
  if (type === 'market' || type === 'limit' || type === 'stop' || type === 'stop_limit') {
    if (NEEDS_LIMIT.has(type) && o.limitPrice === undefined) {
      problems.push({ path: at('limitPrice'), message: `is required for a ${type} order` });
    }
    if (!NEEDS_LIMIT.has(type) && o.limitPrice !== undefined) {
      problems.push({ path: at('limitPrice'), message: `is not used by a ${type} order` });
    }
    if (NEEDS_STOP.has(type) && o.stopPrice === undefined) {
      problems.push({ path: at('stopPrice'), message: `is required for a ${type} order` });
    }
    if (!NEEDS_STOP.has(type) && o.stopPrice !== undefined) {
      problems.push({ path: at('stopPrice'), message: `is not used by a ${type} order` });
    }
  }
  if (!isRecord(o.protect)) return problems;
  if (o.reduceOnly === true) {
    problems.push({ path: at('protect'), message: 'a reduce-only order opens no position to protect' });
    return problems;
  }
  if (o.side !== 'buy' && o.side !== 'sell') return problems;
  const protective = o.side === 'buy' ? 'below' : 'above';
  const favourable = o.side === 'buy' ? 'above' : 'below';
  // Judge the protection against the price the order means to fill at, when its type names one.
  const refName = NEEDS_LIMIT.has(String(type)) ? 'limitPrice' : type === 'stop' ? 'stopPrice' : undefined;
  const ref = refName === undefined ? undefined : pos(o[refName]);
  const { stopPrice, targetPrice } = o.protect;
  if (refName !== undefined && ref !== undefined) {
    const what = `${refName} for a ${o.side} order`;
    const stop = sideProblem(at('protect', 'stopPrice'), stopPrice, ref, protective, what);
    const target = sideProblem(at('protect', 'targetPrice'), targetPrice, ref, favourable, what);
    if (stop !== undefined) problems.push(stop);
    if (target !== undefined) problems.push(target);
  } else {
    const stop = pos(stopPrice);
    const target =
      stop === undefined
        ? undefined
        : sideProblem(
            at('protect', 'targetPrice'),
            targetPrice,
            stop,
            favourable,
            `protect.stopPrice for a ${o.side} order`,
          );
    if (target !== undefined) problems.push(target);
  }
  return problems;
}
