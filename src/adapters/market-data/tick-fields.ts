import type { InputProblem, SourcedTick } from '../../ports/market-data.ts';
import { isEpochMs, isIsoWithoutZone, parseIsoZoned } from './tick-time.ts';

/* The fields of one tick row: time, symbol, prices and volume, each checked, or the problem with it. */

/** A row problem, reported to `onProblem` with its line. */
export type Problem = InputProblem;
type ProblemCode = InputProblem['code'];

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NOT_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

/** A problem of line `line`, its message prefixed with the line. */
export function problem(code: ProblemCode, line: number, message: string): Problem {
  return { line, code, message: `line ${line}: ${message}` };
}

function parseTs(raw: string, line: number): number | Problem {
  if (isEpochMs(raw)) return Number(raw);
  const s = raw.trim();
  if (isEpochMs(s)) return Number(s);
  const t = parseIsoZoned(s);
  if (t !== undefined) return t;
  if (isIsoWithoutZone(s)) {
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
export function parseTickFields(
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
