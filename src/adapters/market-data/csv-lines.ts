import { parse as parseCsv } from 'csv-parse/sync';
import { WardenError } from '../../domain/errors.ts';
import type { SourcedTick } from '../../ports/market-data.ts';
import { type Problem, parseTickFields, problem } from './tick-fields.ts';

/* The lines of a tick file: the header that says which column holds what, and rows split into fields. */

/** Where the header put each column. */
export interface Header {
  readonly names: readonly string[];
  readonly ts: number;
  readonly symbol: number;
  readonly price: number;
  /** -1 when the column is absent. */
  readonly bid: number;
  readonly ask: number;
  readonly volume: number;
}

/**
 * Reads the header line. Throws `WARDEN_TICK_MALFORMED` when it lacks `ts`, `symbol` or `price`,
 * or names a column twice.
 */
export function readHeader(path: string, fields: readonly string[], line: number): Header {
  const names = fields.map((f) => f.trim().toLowerCase());
  const got = `"${fields.join(',')}" (line ${line})`;
  const index = (name: string): number => names.indexOf(name);
  if (index('ts') < 0 || index('symbol') < 0 || index('price') < 0) {
    throw new WardenError(
      'WARDEN_TICK_MALFORMED',
      `${path}: header must contain ts, symbol, price; got ${got}`,
      {
        path,
        line,
      },
    );
  }
  const duplicate = names.find((n, i) => n !== '' && names.indexOf(n) !== i);
  if (duplicate !== undefined) {
    throw new WardenError(
      'WARDEN_TICK_MALFORMED',
      `${path}: header names column "${duplicate}" twice; got ${got}`,
      {
        path,
        line,
      },
    );
  }
  return {
    names: fields,
    ts: index('ts'),
    symbol: index('symbol'),
    price: index('price'),
    bid: index('bid'),
    ask: index('ask'),
    volume: index('volume'),
  };
}

/** The tick of a row's fields, or the problem with it (a wrong column count included). */
export function rowToTick(h: Header, f: readonly string[], line: number): SourcedTick | Problem {
  if (f.length !== h.names.length) {
    return problem(
      'WARDEN_TICK_MALFORMED',
      line,
      `expected ${h.names.length} columns (${h.names.join(',')}), got ${f.length}`,
    );
  }
  return parseTickFields(
    f[h.ts],
    f[h.symbol],
    f[h.price],
    h.bid < 0 ? undefined : f[h.bid],
    h.ask < 0 ? undefined : f[h.ask],
    h.volume < 0 ? undefined : f[h.volume],
    line,
  );
}

/** Splits `text[from, end)` on commas into `out`, which is reused from line to line. */
export function splitPlain(text: string, from: number, end: number, out: string[]): string[] {
  out.length = 0;
  let start = from;
  for (let comma = text.indexOf(',', start); comma >= 0 && comma < end; comma = text.indexOf(',', start)) {
    out.push(text.slice(start, comma));
    start = comma + 1;
  }
  out.push(text.slice(start, end));
  return out;
}

/** The fields of a line that holds a quote, parsed by csv-parse. */
export function splitQuoted(text: string, line: number): string[] | Problem {
  try {
    const records = parseCsv(text, { relax_column_count: true, record_delimiter: '\n' }) as string[][];
    return records[0] ?? [];
  } catch (e) {
    return problem('WARDEN_TICK_MALFORMED', line, `unreadable CSV: ${(e as Error).message}`);
  }
}
