import { IANAZone } from 'luxon';

/*
 * Wall-clock calendars: daily boundaries (resets at 17:00 Chicago, midnight Prague) and trading
 * sessions. Every instant is epoch milliseconds and every function takes the time it works on,
 * so a replay gives the same answers. Offsets come from luxon's IANA zone data; the only
 * arithmetic done here is on local calendar days, which carry no offset.
 *
 * A local date is handled as a day number: days since 1970-01-01 on the local calendar.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;
const CLOCK_TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A time of day on the local wall clock. */
export interface ClockTime {
  readonly hour: number;
  readonly minute: number;
}

/** True when `text` is a time of day written `HH:mm`, from `00:00` to `23:59`. */
export function isClockTime(text: string): boolean {
  return CLOCK_TIME.test(text);
}

/**
 * Reads a time of day written `HH:mm` (two digits each, `00:00` to `23:59`).
 *
 * @throws Error when `text` is not such a time.
 */
export function parseClockTime(text: string): ClockTime {
  const match = CLOCK_TIME.exec(text);
  if (!match) throw new Error(`"${text}" is not a time of day in HH:mm form (00:00 to 23:59)`);
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

/** True when `name` is an IANA time zone luxon knows, such as `America/Chicago` or `UTC`. */
export function isTimeZone(name: string): boolean {
  return IANAZone.isValidZone(name);
}

/** A time of day in a time zone at which something resets each day. */
export interface DailyBoundary {
  /** Local wall time, `HH:mm`. */
  readonly time: string;
  /** IANA time zone name. */
  readonly timezone: string;
}

function zoneOf(name: string): IANAZone {
  // IANAZone.create caches its instances, so the validity check runs once per name.
  const zone = IANAZone.create(name);
  if (!zone.isValid) throw new Error(`"${name}" is not a known IANA time zone`);
  return zone;
}

function minuteOfDay(text: string): number {
  const { hour, minute } = parseClockTime(text);
  return hour * 60 + minute;
}

function localDay(zone: IANAZone, ts: number): number {
  return Math.floor((ts + zone.offset(ts) * MINUTE) / DAY);
}

function dayLabel(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

/** ISO weekday of a day number: 1970-01-01 (day 0) was a Thursday. */
function weekdayOf(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** The day number of a `YYYY-MM-DD` date, or undefined when it is not a real date. */
function parseDate(text: string): number | undefined {
  const match = DATE.exec(text);
  if (!match) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  const day = ms / DAY;
  return dayLabel(day) === text ? day : undefined;
}

/**
 * The first instant at which the local wall clock in `zone` reaches `minutes` past midnight on
 * local day `day`. When that wall time happens twice (the clocks go back) this is the first
 * occurrence; when it never happens (the clocks go forward over it) this is the instant the
 * clocks jump, the first instant after the gap. Luxon on its own picks the second occurrence
 * and moves a missing time forward by the size of the gap, so neither is delegated to it.
 */
function instantOfWallTime(zone: IANAZone, day: number, minutes: number): number {
  const wall = day * DAY + minutes * MINUTE;
  // Offsets a day either side cover any single transition near the wall time.
  const offsets = [zone.offset(wall - DAY), zone.offset(wall), zone.offset(wall + DAY)];
  let first: number | undefined;
  for (const offset of offsets) {
    const ts = wall - offset * MINUTE;
    if (zone.offset(ts) === offset && (first === undefined || ts < first)) first = ts;
  }
  if (first !== undefined) return first;
  // Inside a gap: the wall clock reads before `wall` at `lo` and at or after it at `hi`.
  let lo = wall - Math.max(...offsets) * MINUTE;
  let hi = wall - Math.min(...offsets) * MINUTE;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (mid + zone.offset(mid) * MINUTE >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The first instant strictly after `now` at which the wall clock in `b.timezone` shows `b.time`.
 * On a day that skips that wall time (spring forward) the boundary is the first instant after
 * the gap; on a day that shows it twice (fall back) it is the first occurrence.
 *
 * @throws Error when the time or the zone is invalid.
 */
export function nextBoundary(now: number, b: DailyBoundary): number {
  return dayWindow(now, b).to;
}

/** A trading day: the boundaries around it and its label. */
interface DayWindow {
  /** The boundary that started it (inclusive). */
  readonly from: number;
  /** The boundary that ends it (exclusive). */
  readonly to: number;
  readonly label: string;
}

/**
 * The last trading day asked for, per boundary: every account with the same boundary asks about
 * the same day, and each answer costs a dozen time zone offset look-ups (Intl) otherwise.
 */
const windows = new Map<string, DayWindow>();

function dayWindow(ts: number, b: DailyBoundary): DayWindow {
  const key = `${b.time}@${b.timezone}`;
  const cached = windows.get(key);
  if (cached !== undefined && cached.from <= ts && ts < cached.to) return cached;
  const zone = zoneOf(b.timezone);
  const minutes = minuteOfDay(b.time);
  // The day whose boundary comes next ends the current trading day, unless the boundary is
  // midnight, which starts its own date.
  let day = localDay(zone, ts) - 1;
  let to = instantOfWallTime(zone, day, minutes);
  while (to <= ts) {
    day += 1;
    to = instantOfWallTime(zone, day, minutes);
  }
  const window = {
    from: instantOfWallTime(zone, day - 1, minutes),
    to,
    label: dayLabel(minutes === 0 ? day - 1 : day),
  };
  if (window.from <= ts) windows.set(key, window);
  return window;
}

/**
 * The last boundary instant at or before `now` (see {@link nextBoundary}).
 *
 * @throws Error when the time or the zone is invalid.
 */
export function previousBoundary(now: number, b: DailyBoundary): number {
  const zone = zoneOf(b.timezone);
  const minutes = minuteOfDay(b.time);
  let day = localDay(zone, now) + 1;
  let ts = instantOfWallTime(zone, day, minutes);
  while (ts > now) {
    day -= 1;
    ts = instantOfWallTime(zone, day, minutes);
  }
  return ts;
}

/**
 * The `YYYY-MM-DD` trading day that `ts` belongs to. Trading day D runs from the boundary on
 * the local date before D up to, not including, the boundary on D: with a 17:00 boundary,
 * Monday 16:59:59.999 is Monday and Monday 17:00 is Tuesday. With a `00:00` boundary the trading
 * day is the local calendar date.
 *
 * @throws Error when the time or the zone is invalid.
 */
export function tradingDayOf(ts: number, b: DailyBoundary): string {
  return dayWindow(ts, b).label;
}

/** ISO weekday: Monday is 1, Sunday is 7. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** The weekly trading hours of a market in its own time zone. */
export interface SessionSpec {
  /** IANA time zone the times are in. */
  readonly timezone: string;
  /** Trading days (the weekday of the date a session closes on). */
  readonly days: readonly Weekday[];
  /** Opening time, `HH:mm` local. */
  readonly open: string;
  /** Closing time, `HH:mm` local; when close <= open the session opens the previous calendar day (overnight). */
  readonly close: string;
  /** `HH:mm` local; positions must be flat by then, and there are no entries from then to close. */
  readonly flatBy?: string;
  /** `YYYY-MM-DD` trading dates with no session. */
  readonly holidays: readonly string[];
}

/** Where an instant falls in a market's sessions. */
export interface SessionState {
  /** True inside a session: from its open (inclusive) to its close (exclusive). */
  readonly open: boolean;
  /** True from the open up to the flat-by time, or up to the close when there is none. */
  readonly entriesAllowed: boolean;
  /** `YYYY-MM-DD` date of the session, the date it closes on; set when `open`. */
  readonly tradingDate?: string;
  /** Close of the session; set when `open`. */
  readonly closesAt?: number;
  /** Flat-by instant of the session; set when `open` and the spec has a flat-by time. */
  readonly flatByAt?: number;
}

interface CompiledSession {
  readonly zone: IANAZone;
  readonly days: ReadonlySet<number>;
  readonly holidays: ReadonlySet<number>;
  readonly open: number;
  readonly close: number;
  readonly flatBy: number | undefined;
  readonly overnight: boolean;
}

interface SessionTimes {
  readonly day: number;
  readonly openAt: number;
  readonly closeAt: number;
  readonly flatByAt: number | undefined;
}

// Specs are readonly values, usually from configuration; parsing one per tick would be waste.
const compiledSessions = new WeakMap<SessionSpec, CompiledSession>();

function compile(spec: SessionSpec): CompiledSession {
  const cached = compiledSessions.get(spec);
  if (cached) return cached;
  const holidays = new Set<number>();
  for (const text of spec.holidays) {
    const day = parseDate(text);
    if (day !== undefined) holidays.add(day);
  }
  const open = minuteOfDay(spec.open);
  const close = minuteOfDay(spec.close);
  const compiled: CompiledSession = {
    zone: zoneOf(spec.timezone),
    days: new Set<number>(spec.days),
    holidays,
    open,
    close,
    flatBy: spec.flatBy === undefined ? undefined : minuteOfDay(spec.flatBy),
    overnight: close <= open,
  };
  compiledSessions.set(spec, compiled);
  return compiled;
}

function sessionOn(c: CompiledSession, day: number): SessionTimes | undefined {
  if (!c.days.has(weekdayOf(day)) || c.holidays.has(day)) return undefined;
  const flatByDay = c.overnight && c.flatBy !== undefined && c.flatBy > c.close ? day - 1 : day;
  return {
    day,
    openAt: instantOfWallTime(c.zone, c.overnight ? day - 1 : day, c.open),
    closeAt: instantOfWallTime(c.zone, day, c.close),
    flatByAt: c.flatBy === undefined ? undefined : instantOfWallTime(c.zone, flatByDay, c.flatBy),
  };
}

/** How far ahead the searches for the next open or flat-by time look before giving up. */
const SEARCH_DAYS = 400;

/**
 * Where `ts` falls in the sessions of `spec`: whether a session is open, whether entries are
 * allowed, and for an open session its trading date, close and flat-by instant.
 *
 * @throws Error when a time or the zone of `spec` is invalid.
 */
export function sessionAt(ts: number, spec: SessionSpec): SessionState {
  const c = compile(spec);
  const today = localDay(c.zone, ts);
  // An overnight session that closes tomorrow may already be open.
  for (let day = today - 1; day <= today + 1; day++) {
    const s = sessionOn(c, day);
    if (!s || ts < s.openAt || ts >= s.closeAt) continue;
    const state = {
      open: true,
      entriesAllowed: ts < (s.flatByAt ?? s.closeAt),
      tradingDate: dayLabel(day),
      closesAt: s.closeAt,
    };
    return s.flatByAt === undefined ? state : { ...state, flatByAt: s.flatByAt };
  }
  return { open: false, entriesAllowed: false };
}

/**
 * The first session open strictly after `ts`, or undefined when none opens within about 400
 * days (no trading days, or every date a holiday).
 *
 * @throws Error when a time or the zone of `spec` is invalid.
 */
export function nextSessionOpen(ts: number, spec: SessionSpec): number | undefined {
  const c = compile(spec);
  const today = localDay(c.zone, ts);
  for (let day = today; day <= today + SEARCH_DAYS; day++) {
    const s = sessionOn(c, day);
    if (s && s.openAt > ts) return s.openAt;
  }
  return undefined;
}

/**
 * The first flat-by instant strictly after `ts`, or undefined when `spec` has no flat-by time or
 * no session within about 400 days.
 *
 * @throws Error when a time or the zone of `spec` is invalid.
 */
export function nextFlatBy(ts: number, spec: SessionSpec): number | undefined {
  if (spec.flatBy === undefined) return undefined;
  const c = compile(spec);
  const today = localDay(c.zone, ts);
  for (let day = today - 1; day <= today + SEARCH_DAYS; day++) {
    const flatByAt = sessionOn(c, day)?.flatByAt;
    if (flatByAt !== undefined && flatByAt > ts) return flatByAt;
  }
  return undefined;
}

/** True when the flat-by minute lies inside the session window (after the open, by the close). */
function flatByInSession(open: number, close: number, flatBy: number): boolean {
  return close <= open ? flatBy <= close || flatBy > open : flatBy > open && flatBy <= close;
}

/** The problems with `spec`, each a plain sentence; empty when the spec is usable. */
export function validateSession(spec: SessionSpec): string[] {
  const problems: string[] = [];
  const times: Array<[string, string | undefined]> = [
    ['open', spec.open],
    ['close', spec.close],
    ['flatBy', spec.flatBy],
  ];
  for (const [name, value] of times) {
    if (value !== undefined && !isClockTime(value)) {
      problems.push(`${name} "${value}" is not a time of day in HH:mm form (00:00 to 23:59)`);
    }
  }
  if (!isTimeZone(spec.timezone)) {
    problems.push(`timezone "${spec.timezone}" is not a known IANA time zone`);
  }
  if (spec.days.length === 0) problems.push('days is empty, so the session never opens');
  const seen = new Set<number>();
  for (const day of spec.days) {
    if (!Number.isInteger(day) || day < 1 || day > 7) {
      problems.push(`day ${day} is not an ISO weekday (1 = Monday to 7 = Sunday)`);
    } else if (seen.has(day)) {
      problems.push(`day ${day} is listed more than once`);
    }
    seen.add(day);
  }
  for (const holiday of spec.holidays) {
    if (parseDate(holiday) === undefined) {
      problems.push(`holiday "${holiday}" is not a date in YYYY-MM-DD form`);
    }
  }
  if (
    spec.flatBy !== undefined &&
    isClockTime(spec.open) &&
    isClockTime(spec.close) &&
    isClockTime(spec.flatBy)
  ) {
    const open = minuteOfDay(spec.open);
    const close = minuteOfDay(spec.close);
    if (!flatByInSession(open, close, minuteOfDay(spec.flatBy))) {
      const overnight = close <= open ? ' (overnight)' : '';
      problems.push(
        `flatBy ${spec.flatBy} is outside the session, which runs from ${spec.open} to ${spec.close}${overnight}`,
      );
    }
  }
  return problems;
}
