import { isLotMultiple } from '../../domain/instrument.ts';
import type { Problem } from './messages.ts';
import { DEFAULT_VENUE, VENUE_NAME } from './venue-schema.ts';

// Relations between values: what no single value can tell (references, duplicates, prices on the
// right side of each other). These read the raw document defensively, so that they still run when
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

  /**
   * A problem when `value` names nothing declared; silent when nothing was declared at all.
   * `owner` says whose reference it is (`for account "acc-1"`) when the path alone does not.
   */
  reference(path: Path, value: unknown, what: string, owner?: string): Problem | undefined {
    if (typeof value !== 'string' || this.env.unresolved(path)) return undefined;
    if (this.incomplete || this.first.size === 0 || this.first.has(value)) return undefined;
    const whose = owner === undefined ? '' : ` ${owner}`;
    return { path, message: `unknown ${what} ${this.show(path, value)}${whose} (known: ${this.listed()})` };
  }

  /** The declared names for a message, at most ten of them, hiding those from the environment. */
  listed(): string {
    const names = [...this.first].map(([n, p]) => (this.env.secret(p) ? '(hidden)' : n));
    return names.length > 10
      ? `${names.slice(0, 10).join(', ')}, … ${names.length - 10} more`
      : names.join(', ');
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
  for (const problem of venueProblems(raw, env, accounts)) add(problem);
  return problems;
}

/**
 * The venues: names unique, not both the old `venue:` and the new `venues:`, and each account at
 * a venue that exists (named, or the only one).
 */
function venueProblems(raw: Raw, env: EnvPaths, accounts: Names): Problem[] {
  const problems: Problem[] = [];
  const listed = Array.isArray(raw.venues);
  if (raw.venue !== undefined && raw.venues !== undefined) {
    problems.push({
      path: ['venue'],
      message:
        'cannot be used together with "venues": move these settings into an entry of the venues list (type: paper)',
    });
  }
  // A `venues:` that is not a list is the schema's to report; its names are unknown.
  if (raw.venues !== undefined && !listed) return problems;
  const venues = new Names(env);
  if (listed) {
    for (const [i, v] of entries(raw.venues)) {
      const problem = venues.declare(['venues', i, 'name'], v.name, 'venue name');
      if (problem !== undefined) problems.push(problem);
    }
  } else venues.first.set(DEFAULT_VENUE, []);
  const count = listed ? (raw.venues as unknown[]).length : 1;
  for (const [i, a] of entries(raw.accounts)) {
    const path: Path = ['accounts', i, 'venue'];
    const idPath: Path = ['accounts', i, 'id'];
    const owner =
      typeof a.id === 'string' && !env.unresolved(idPath)
        ? `for account ${accounts.show(idPath, a.id)}`
        : undefined;
    if (a.venue === undefined) {
      if (count > 1) {
        problems.push({
          path,
          message: `is required${owner === undefined ? '' : ` ${owner}`} when there are several venues (known: ${venues.listed()})`,
        });
      }
    } else if (typeof a.venue === 'string' && VENUE_NAME.test(a.venue)) {
      const problem = venues.reference(path, a.venue, 'venue', owner);
      if (problem !== undefined) problems.push(problem);
    }
  }
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
