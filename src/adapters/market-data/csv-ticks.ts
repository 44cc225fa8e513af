import { open } from 'node:fs/promises';
import { parse as parseCsv } from 'csv-parse/sync';
import { WardenError } from '../../domain/errors.ts';
import type { InputProblem, MarketDataSource, SourcedTick } from '../../ports/market-data.ts';

/*
 * A tick file: a header naming at least `ts`, `symbol` and `price`, then one tick a row. `bid`, `ask`
 * and `volume` are optional columns, in any order; other columns are ignored.
 *
 *   ts,symbol,price,bid,ask,volume
 *   2024-03-01T14:30:00.000Z,BTC-USD,61234.5,61234,61235,0.25
 *   1709303400250,BTC-USD,61236,,,
 *
 * `ts` is ISO 8601 with a zone (`Z` or an offset) or epoch milliseconds. An empty optional field
 * means "not given". A bad row is reported to `onProblem` with its line and skipped; only a file
 * that cannot be read or a missing header ends the run.
 */

type Problem = InputProblem;
type ProblemCode = InputProblem['code'];

/** Longest line kept in memory; a longer one is reported and skipped. */
const MAX_LINE_CHARS = 64 * 1024;

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NOT_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;
const ISO_ZONED =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|([+-])(\d{2})(?::?(\d{2}))?)$/i;
const ISO_UNZONED = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?$/i;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function problem(code: ProblemCode, line: number, message: string): Problem {
  return { line, code, message: `line ${line}: ${message}` };
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

/** Epoch ms of validated civil fields, or undefined when one is out of range. */
function civilToMs(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  sec: number,
  ms: number,
  offsetMin: number,
): number | undefined {
  if (
    y < 1970 ||
    mo < 1 ||
    mo > 12 ||
    h < 0 ||
    h > 23 ||
    mi < 0 ||
    mi > 59 ||
    sec < 0 ||
    sec > 59 ||
    ms < 0
  ) {
    return undefined;
  }
  const dim = mo === 2 && isLeap(y) ? 29 : (DAYS_IN_MONTH[mo - 1] as number);
  if (d < 1 || d > dim) return undefined;
  return ((daysFromCivil(y, mo, d) * 24 + h) * 60 + mi - offsetMin) * 60_000 + sec * 1000 + ms;
}

/** The digit at `i`, or a large negative number that makes any sum it enters negative. */
function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1e6;
}

/** `YYYY-MM-DDTHH:MM:SSZ` and `YYYY-MM-DDTHH:MM:SS.sssZ`, the forms most files use, without a regex. */
function parseIsoCanonical(s: string): number | undefined {
  const n = s.length;
  if (n !== 24 && n !== 20) return undefined;
  if (s[4] !== '-' || s[7] !== '-' || s[10] !== 'T' || s[13] !== ':' || s[16] !== ':' || s[n - 1] !== 'Z') {
    return undefined;
  }
  if (n === 24 && s[19] !== '.') return undefined;
  const ms = n === 24 ? digit(s, 20) * 100 + digit(s, 21) * 10 + digit(s, 22) : 0;
  return civilToMs(
    digit(s, 0) * 1000 + digit(s, 1) * 100 + digit(s, 2) * 10 + digit(s, 3),
    digit(s, 5) * 10 + digit(s, 6),
    digit(s, 8) * 10 + digit(s, 9),
    digit(s, 11) * 10 + digit(s, 12),
    digit(s, 14) * 10 + digit(s, 15),
    digit(s, 17) * 10 + digit(s, 18),
    ms,
    0,
  );
}

/** Epoch ms of an ISO 8601 string with a zone, or undefined when it is not a valid one. */
function parseIsoZoned(s: string): number | undefined {
  const fast = parseIsoCanonical(s);
  if (fast !== undefined) return fast;
  const m = ISO_ZONED.exec(s);
  if (m === null) return undefined;
  let offsetMin = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = m[11] === undefined ? 0 : Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return civilToMs(
    Number(m[1]),
    Number(m[2]),
    Number(m[3]),
    Number(m[4]),
    Number(m[5]),
    m[6] === undefined ? 0 : Number(m[6]),
    // Digits past the millisecond are truncated: the engine works in whole milliseconds.
    m[7] === undefined ? 0 : Number(`${m[7]}00`.slice(0, 3)),
    offsetMin,
  );
}

function isEpochMs(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 16) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function parseTs(raw: string, line: number): number | Problem {
  if (isEpochMs(raw)) return Number(raw);
  const s = raw.trim();
  if (isEpochMs(s)) return Number(s);
  const t = parseIsoZoned(s);
  if (t !== undefined) return t;
  if (ISO_UNZONED.test(s)) {
    return problem(
      'WARDEN_TICK_MALFORMED',
      line,
      `ts "${raw}" has no time zone; add Z or an offset such as +00:00`,
    );
  }
  return problem(
    'WARDEN_TICK_MALFORMED',
    line,
    `ts "${raw}" is neither an ISO 8601 time with a zone nor epoch milliseconds`,
  );
}

/** Exact powers of ten as doubles (10^22 is the largest). */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * `Number(s)` when `s` is a plain decimal (`12`, `-0.5`, `.5`, `1e3`, padded with blanks), else NaN.
 * Number() alone would also take `0x1f`, `Infinity` and turn "" into 0. The usual case, at most 15
 * digits and no exponent, is computed as an integer over an exact power of ten: both are exact
 * doubles, so the one division rounds correctly and gives Number()'s result, faster.
 */
function decimal(s: string): number {
  const n = s.length;
  let i = 0;
  let c = s.charCodeAt(0);
  const negative = c === 45;
  if (negative || c === 43) i = 1;
  let mantissa = 0;
  let digits = 0;
  let fractionDigits = 0;
  let dot = false;
  for (; i < n; i++) {
    c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits += 1;
      if (dot) fractionDigits += 1;
    } else if (c === 46 && !dot) {
      dot = true;
    } else {
      return decimalSlow(s);
    }
  }
  if (digits === 0 || digits > 15) return decimalSlow(s);
  const v = fractionDigits === 0 ? mantissa : mantissa / (POW10[fractionDigits] as number);
  return negative ? -v : v;
}

function decimalSlow(s: string): number {
  const t = s.trim();
  return DECIMAL.test(t) ? Number(t) : Number.NaN;
}

/** A positive finite number, or the problem with it. `NaN` and infinities are bad prices, not malformed ones. */
function parsePriceField(name: string, raw: string, line: number): number | Problem {
  const n = decimal(raw);
  if (n > 0 && n !== Number.POSITIVE_INFINITY) return n;
  if (Number.isNaN(n)) {
    if (NOT_FINITE.test(raw.trim())) {
      return problem('WARDEN_TICK_BAD_PRICE', line, `${name} "${raw}" is not a finite number`);
    }
    return problem('WARDEN_TICK_MALFORMED', line, `${name} "${raw}" is not a number`);
  }
  if (!Number.isFinite(n)) {
    return problem('WARDEN_TICK_BAD_PRICE', line, `${name} "${raw}" is not a finite number`);
  }
  return problem('WARDEN_TICK_BAD_PRICE', line, `${name} ${raw} must be positive`);
}

function parseVolume(raw: string, line: number): number | Problem {
  const n = decimal(raw);
  if (n >= 0 && n !== Number.POSITIVE_INFINITY) return n;
  return problem('WARDEN_TICK_MALFORMED', line, `volume "${raw}" is not a non-negative number`);
}

/** The field parsers return a number or a Problem, so any object is a Problem. */
function isProblem(v: number | Problem): v is Problem {
  return typeof v === 'object';
}

/**
 * Parses the fields of one row. An absent or empty optional field (`bid`, `ask`, `volume`) means
 * the tick does not carry it. Shared by `parseTickRecord` and the file reader, which passes
 * fields by position to avoid building an object a row.
 */
function parseTickFields(
  ts: string | undefined,
  symbol: string | undefined,
  price: string | undefined,
  bid: string | undefined,
  ask: string | undefined,
  volume: string | undefined,
  line: number,
): SourcedTick | Problem {
  if (ts === undefined || symbol === undefined || price === undefined) {
    const missing = [
      ts === undefined && 'ts',
      symbol === undefined && 'symbol',
      price === undefined && 'price',
    ]
      .filter(Boolean)
      .join(', ');
    return problem('WARDEN_TICK_MALFORMED', line, `missing ${missing}`);
  }
  const t = parseTs(ts, line);
  if (isProblem(t)) return t;
  const sym = symbol.trim();
  if (sym === '') return problem('WARDEN_TICK_MALFORMED', line, 'symbol is empty');
  const p = parsePriceField('price', price, line);
  if (isProblem(p)) return p;
  let b: number | undefined;
  if (bid !== undefined && bid !== '') {
    const v = parsePriceField('bid', bid, line);
    if (isProblem(v)) return v;
    b = v;
  }
  let a: number | undefined;
  if (ask !== undefined && ask !== '') {
    const v = parsePriceField('ask', ask, line);
    if (isProblem(v)) return v;
    a = v;
  }
  if (b !== undefined && a !== undefined && b > a) {
    return problem('WARDEN_TICK_BAD_PRICE', line, `crossed quote: bid ${bid} is above ask ${ask}`);
  }
  let vol: number | undefined;
  if (volume !== undefined && volume !== '') {
    const v = parseVolume(volume, line);
    if (isProblem(v)) return v;
    vol = v;
  }
  const tick: { -readonly [K in keyof SourcedTick]: SourcedTick[K] } = { ts: t, symbol: sym, price: p };
  if (b !== undefined) tick.bid = b;
  if (a !== undefined) tick.ask = a;
  if (vol !== undefined) tick.volume = vol;
  tick.line = line;
  return tick;
}

/**
 * Parses one CSV record keyed by column name (`ts`, `symbol`, `price`, optional `bid`, `ask`,
 * `volume`). Returns the tick, or the problem that makes the row unusable; `line` is the 1-based
 * line in the file, used in the message.
 */
export function parseTickRecord(
  record: Readonly<Record<string, string>>,
  line: number,
): SourcedTick | Problem {
  return parseTickFields(record.ts, record.symbol, record.price, record.bid, record.ask, record.volume, line);
}

interface Header {
  readonly names: readonly string[];
  readonly ts: number;
  readonly symbol: number;
  readonly price: number;
  /** -1 when the column is absent. */
  readonly bid: number;
  readonly ask: number;
  readonly volume: number;
}

function readHeader(path: string, fields: readonly string[], line: number): Header {
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

function rowToTick(h: Header, f: readonly string[], line: number): SourcedTick | Problem {
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

async function openOrThrow(path: string) {
  try {
    return await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new WardenError('WARDEN_INPUT_NOT_FOUND', `${path}: cannot open the tick file (${code})`, {
      path,
      cause: code,
    });
  }
}

/** Splits `text[from, end)` on commas into `out`, which is reused from line to line. */
function splitPlain(text: string, from: number, end: number, out: string[]): string[] {
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
function splitQuoted(text: string, line: number): string[] | Problem {
  try {
    const records = parseCsv(text, { relax_column_count: true, record_delimiter: '\n' }) as string[][];
    return records[0] ?? [];
  } catch (e) {
    return problem('WARDEN_TICK_MALFORMED', line, `unreadable CSV: ${(e as Error).message}`);
  }
}

/**
 * Streams ticks from a CSV file (see the format above). The file is read in chunks, so its size
 * does not matter. Throws `WARDEN_INPUT_NOT_FOUND` when the file cannot be opened or read and
 * `WARDEN_TICK_MALFORMED` when the header lacks a required column; both surface from the first
 * step of the iteration. Each call to `ticks` reads the file again from the start.
 *
 * A record is one line (LF or CRLF). Lines without a quote are split on commas; lines with one go
 * through csv-parse, so quoted fields work, but a quoted field cannot span lines (a tick never
 * needs one). Splitting plain lines ourselves makes this several times faster than csv-parse's
 * streaming parser with the options that keep line numbers and skip bad records.
 */
export function createCsvTickSource(path: string): MarketDataSource {
  return {
    async *ticks({ signal, onProblem }) {
      if (signal?.aborted) return;
      const handle = await openOrThrow(path);
      const file = handle.createReadStream({ encoding: 'utf8', highWaterMark: 256 * 1024 });
      let header: Header | undefined;
      let lineNo = 0;
      const scratch: string[] = [];
      const out: (SourcedTick | Problem)[] = [];

      // One line is text[from, nl); `quoted` says whether it holds a quote character.
      const onLine = (text: string, from: number, nl: number, quoted: boolean) => {
        lineNo += 1;
        let start = from;
        let end = nl;
        if (end > start && text.charCodeAt(end - 1) === 13) end -= 1;
        if (lineNo === 1 && text.charCodeAt(start) === 0xfeff) start += 1;
        if (end === start || (text.charCodeAt(start) <= 32 && text.slice(start, end).trim() === '')) return;
        const fields = quoted
          ? splitQuoted(text.slice(start, end), lineNo)
          : splitPlain(text, start, end, scratch);
        if (!Array.isArray(fields)) out.push(fields);
        else if (header === undefined) header = readHeader(path, [...fields], lineNo);
        else out.push(rowToTick(header, fields, lineNo));
      };

      let rest = '';
      // True while skipping the remainder of a line that exceeded MAX_LINE_CHARS.
      let discarding = false;
      try {
        for await (const chunk of file as AsyncIterable<string>) {
          let text = rest + chunk;
          let from = 0;
          if (discarding) {
            const nl = text.indexOf('\n');
            if (nl < 0) {
              rest = '';
              continue;
            }
            discarding = false;
            from = nl + 1;
          }
          let quoteAt = text.indexOf('"', from);
          for (let nl = text.indexOf('\n', from); nl >= 0; nl = text.indexOf('\n', from)) {
            onLine(text, from, nl, quoteAt >= 0 && quoteAt < nl);
            from = nl + 1;
            if (quoteAt >= 0 && quoteAt < from) quoteAt = text.indexOf('"', from);
          }
          rest = text.slice(from);
          text = '';
          if (rest.length > MAX_LINE_CHARS) {
            lineNo += 1;
            out.push(
              problem('WARDEN_TICK_MALFORMED', lineNo, `line is longer than ${MAX_LINE_CHARS} characters`),
            );
            rest = '';
            discarding = true;
          }
          for (const item of out) {
            if (signal?.aborted) return;
            if ('code' in item) onProblem?.(item);
            else yield item;
          }
          out.length = 0;
        }
        if (signal?.aborted) return;
        if (rest.length > 0 && !discarding) onLine(rest, 0, rest.length, rest.includes('"'));
        for (const item of out) {
          if (signal?.aborted) return;
          if ('code' in item) onProblem?.(item);
          else yield item;
        }
        if (header === undefined) {
          throw new WardenError(
            'WARDEN_TICK_MALFORMED',
            `${path}: header must contain ts, symbol, price; got an empty file`,
            { path },
          );
        }
      } catch (e) {
        if (e instanceof WardenError) throw e;
        const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
        throw new WardenError('WARDEN_INPUT_NOT_FOUND', `${path}: cannot read the tick file (${code})`, {
          path,
          cause: code,
        });
      } finally {
        file.destroy();
      }
    },
  };
}
