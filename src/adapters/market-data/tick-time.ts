/*
 * Tick times: ISO 8601 with a zone, or epoch milliseconds. The canonical forms are parsed without
 * a regex because a tick file holds millions of them.
 */

const ISO_ZONED =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|([+-])(\d{2})(?::?(\d{2}))?)$/i;
const ISO_UNZONED = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?$/i;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

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
export function parseIsoZoned(s: string): number | undefined {
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

/** True when `s` is all digits and short enough to be epoch milliseconds. */
export function isEpochMs(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 16) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** True when `s` is an ISO 8601 date or date-time without a zone, which a tick time must not be. */
export function isIsoWithoutZone(s: string): boolean {
  return ISO_UNZONED.test(s);
}
