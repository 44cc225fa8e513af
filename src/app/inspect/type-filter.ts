import { WardenError } from '../../domain/errors.ts';
import { CATALOG, CandleClosedV1 } from '../../domain/events/catalog.ts';

/** The type of candle events: 98% of a log, left out of the readable listing unless asked for. */
export const CANDLE_TYPE = CandleClosedV1.type;

/** Every type of the event catalog, in catalog order. */
export const CATALOG_TYPES: readonly string[] = CATALOG.map((d) => d.type);

/** `Trading.Position.Closed.v1` → `Trading.Position.Closed`. */
function withoutVersion(type: string): string {
  return type.replace(/\.v\d+$/, '');
}

/** A `*` pattern as an anchored, case-insensitive regular expression; `*` is any run of characters. */
function patternRegExp(pattern: string): RegExp {
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${source}$`, 'i');
}

/**
 * The catalog types a flag's value names: a comma-separated list of patterns, each a whole type
 * (`Trading.Position.Closed.v1`), a type without its version (`Trading.Position.Closed`: every
 * version), or a pattern where `*` stands for any characters (`Trading.*`, `*.Hit`). Case does not
 * matter. A pattern that matches no type of the catalog is a typo, not an empty result:
 * `WARDEN_CONFIG_INVALID` naming the flag and the pattern, with the nearest types (exit 2).
 */
export function matchTypes(
  flag: string,
  value: string,
  types: readonly string[] = CATALOG_TYPES,
): Set<string> {
  const patterns = value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (patterns.length === 0) {
    throw new WardenError('WARDEN_CONFIG_INVALID', `${flag} ${JSON.stringify(value)}: names no event type`);
  }
  const matched = new Set<string>();
  const unknown: string[] = [];
  for (const pattern of patterns) {
    const re = patternRegExp(pattern);
    const hits = types.filter((t) => re.test(t) || re.test(withoutVersion(t)));
    if (hits.length === 0) unknown.push(pattern);
    for (const hit of hits) matched.add(hit);
  }
  if (unknown.length > 0) {
    throw new WardenError(
      'WARDEN_CONFIG_INVALID',
      `${flag} ${JSON.stringify(value)}: no event type of the catalog matches ${unknown.map((p) => JSON.stringify(p)).join(', ')} (warden events --help lists them)`,
      {
        problems: unknown.map((p) => {
          const near = nearest(p, types);
          return near.length > 0 ? `${p}: did you mean ${near.join(' or ')}?` : `${p}: no such event type`;
        }),
      },
    );
  }
  return matched;
}

/** Which events a listing shows, by type, and how the store can help. */
export interface TypeFilter {
  /** The single type selected, which the store filters on itself. */
  readonly storeType?: string;
  /** Whether an event of this type is shown; absent when the store's answer is the whole answer. */
  readonly keeps?: (type: string) => boolean;
  /** Candles are left out only because nothing asked for them (the readable listing's default). */
  readonly hidesCandles: boolean;
}

/** The flags of `warden events` that choose types. */
export interface TypeFilterFlags {
  /** `--type`: only these patterns. */
  readonly type?: string;
  /** `--exclude-type`: not these patterns. */
  readonly excludeType?: string;
  /** `--candles`: show candles in the readable listing. */
  readonly candles?: boolean;
  /** `--json`: the complete log unless filtered, candles included. */
  readonly json?: boolean;
}

/**
 * The type filter of `warden events`: `--type` patterns, minus `--exclude-type` patterns, and in
 * the readable listing no candles unless `--candles` or `--type` names them. Throws as
 * `matchTypes` does for a pattern that names no type.
 */
export function typeFilter(flags: TypeFilterFlags): TypeFilter {
  const include = flags.type !== undefined ? matchTypes('--type', flags.type) : undefined;
  const exclude =
    flags.excludeType !== undefined ? matchTypes('--exclude-type', flags.excludeType) : new Set<string>();
  const hidesCandles =
    include === undefined && flags.json !== true && flags.candles !== true && !exclude.has(CANDLE_TYPE);
  if (hidesCandles) exclude.add(CANDLE_TYPE);
  if (include !== undefined) {
    const selected = [...include].filter((t) => !exclude.has(t));
    if (selected.length === 1) return { storeType: selected[0] as string, hidesCandles };
    const shown = new Set(selected);
    return { keeps: (t) => shown.has(t), hidesCandles };
  }
  if (exclude.size === 0) return { hidesCandles };
  return { keeps: (t) => !exclude.has(t), hidesCandles };
}

/**
 * Up to three catalog types nearest to a mistyped pattern: by edit distance, ignoring versions and
 * case, to the whole type or to its start (`Market.Candles` is one letter from `Market.Candle.`).
 */
function nearest(pattern: string, types: readonly string[]): string[] {
  const wanted = withoutVersion(pattern.replaceAll('*', '')).toLowerCase();
  const scored = types
    .map((t) => {
      const name = withoutVersion(t).toLowerCase();
      return { t, d: Math.min(distance(wanted, name), distance(wanted, name.slice(0, wanted.length))) };
    })
    .filter((x) => x.d <= Math.max(2, Math.floor(wanted.length / 4)))
    .sort((x, y) => x.d - y.d);
  return scored.slice(0, 3).map((x) => x.t);
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next.push(Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, (row[j - 1] as number) + cost));
    }
    row = next;
  }
  return row[b.length] as number;
}
