import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  type DailyBoundary,
  isClockTime,
  isTimeZone,
  nextBoundary,
  nextFlatBy,
  nextSessionOpen,
  parseClockTime,
  previousBoundary,
  type SessionSpec,
  sessionAt,
  tradingDayOf,
  validateSession,
} from '../../src/domain/risk/calendar.ts';

/*
 * Every expected instant is written by hand as local time with its offset. In 2026 the United
 * States springs forward on Sunday 8 March (02:00 CST becomes 03:00 CDT, at 08:00Z) and falls back
 * on Sunday 1 November (02:00 CDT becomes 01:00 CST, at 07:00Z); Central Europe springs forward on
 * Sunday 29 March (02:00 CET becomes 03:00 CEST, at 01:00Z) and falls back on Sunday 25 October
 * (03:00 CEST becomes 02:00 CET, at 01:00Z). CST is UTC−6, CDT UTC−5, CET UTC+1, CEST UTC+2.
 */
const at = (iso: string): number => {
  const ts = Date.parse(iso);
  if (Number.isNaN(ts)) throw new Error(`bad test date ${iso}`);
  return ts;
};
const HOUR = 3_600_000;

const CHICAGO_17: DailyBoundary = { time: '17:00', timezone: 'America/Chicago' };
const PRAGUE_MIDNIGHT: DailyBoundary = { time: '00:00', timezone: 'Europe/Prague' };

describe('clock times and zones', () => {
  it('parses HH:mm from 00:00 to 23:59', () => {
    expect(parseClockTime('00:00')).toEqual({ hour: 0, minute: 0 });
    expect(parseClockTime('17:05')).toEqual({ hour: 17, minute: 5 });
    expect(parseClockTime('23:59')).toEqual({ hour: 23, minute: 59 });
  });

  it('refuses anything else with a message naming the text', () => {
    for (const bad of ['24:00', '7:00', '07:60', '07:5', '0700', '07:00:00', ' 07:00', '', 'noon']) {
      expect(isClockTime(bad)).toBe(false);
      expect(() => parseClockTime(bad)).toThrow(`"${bad}" is not a time of day in HH:mm form`);
    }
    expect(isClockTime('09:30')).toBe(true);
  });

  it('knows IANA zones', () => {
    expect(isTimeZone('America/Chicago')).toBe(true);
    expect(isTimeZone('Europe/Prague')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('America/Springfield')).toBe(false);
    expect(isTimeZone('CST6CDT ')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });

  it('throws on an unknown zone or a bad time when computing', () => {
    expect(() => nextBoundary(0, { time: '17:00', timezone: 'Mars/Olympus' })).toThrow(
      '"Mars/Olympus" is not a known IANA time zone',
    );
    expect(() => nextBoundary(0, { time: '5pm', timezone: 'America/Chicago' })).toThrow('"5pm"');
  });
});

describe('daily boundary at 17:00 America/Chicago', () => {
  it('moves from UTC−6 to UTC−5 across the spring-forward weekend', () => {
    const friday = at('2026-03-06T17:00:00-06:00'); // 23:00Z
    const saturday = at('2026-03-07T17:00:00-06:00'); // 23:00Z
    const sunday = at('2026-03-08T17:00:00-05:00'); // 22:00Z, clocks went forward at 02:00
    const monday = at('2026-03-09T17:00:00-05:00'); // 22:00Z
    expect(nextBoundary(at('2026-03-06T12:00:00-06:00'), CHICAGO_17)).toBe(friday);
    expect(nextBoundary(friday - 1, CHICAGO_17)).toBe(friday);
    expect(nextBoundary(friday, CHICAGO_17)).toBe(saturday); // strictly after
    expect(nextBoundary(saturday, CHICAGO_17)).toBe(sunday);
    expect(sunday - saturday).toBe(23 * HOUR);
    expect(nextBoundary(sunday, CHICAGO_17)).toBe(monday);
    expect(monday - sunday).toBe(24 * HOUR);
  });

  it('moves from UTC−5 to UTC−6 across the fall-back weekend', () => {
    const friday = at('2026-10-30T17:00:00-05:00'); // 22:00Z
    const saturday = at('2026-10-31T17:00:00-05:00');
    const sunday = at('2026-11-01T17:00:00-06:00'); // 23:00Z, clocks went back at 02:00
    const monday = at('2026-11-02T17:00:00-06:00');
    expect(nextBoundary(at('2026-10-30T09:00:00-05:00'), CHICAGO_17)).toBe(friday);
    expect(nextBoundary(friday, CHICAGO_17)).toBe(saturday);
    expect(nextBoundary(saturday, CHICAGO_17)).toBe(sunday);
    expect(sunday - saturday).toBe(25 * HOUR);
    expect(nextBoundary(sunday, CHICAGO_17)).toBe(monday);
  });

  it('finds the previous boundary, inclusive of now', () => {
    const saturday = at('2026-03-07T17:00:00-06:00');
    const sunday = at('2026-03-08T17:00:00-05:00');
    expect(previousBoundary(sunday, CHICAGO_17)).toBe(sunday);
    expect(previousBoundary(sunday - 1, CHICAGO_17)).toBe(saturday);
    expect(previousBoundary(at('2026-03-08T03:30:00-05:00'), CHICAGO_17)).toBe(saturday);
    expect(previousBoundary(at('2026-11-01T01:30:00-06:00'), CHICAGO_17)).toBe(
      at('2026-10-31T17:00:00-05:00'),
    );
  });
});

describe('daily boundary at 00:00 Europe/Prague', () => {
  it('moves from UTC+1 to UTC+2 on 2026-03-29', () => {
    const sunday = at('2026-03-29T00:00:00+01:00'); // 2026-03-28T23:00Z
    const monday = at('2026-03-30T00:00:00+02:00'); // 2026-03-29T22:00Z
    expect(nextBoundary(at('2026-03-28T12:00:00+01:00'), PRAGUE_MIDNIGHT)).toBe(sunday);
    expect(nextBoundary(sunday, PRAGUE_MIDNIGHT)).toBe(monday);
    expect(monday - sunday).toBe(23 * HOUR);
    expect(previousBoundary(at('2026-03-29T12:00:00+02:00'), PRAGUE_MIDNIGHT)).toBe(sunday);
  });

  it('moves from UTC+2 to UTC+1 on 2026-10-25', () => {
    const sunday = at('2026-10-25T00:00:00+02:00'); // 2026-10-24T22:00Z
    const monday = at('2026-10-26T00:00:00+01:00'); // 2026-10-25T23:00Z
    expect(nextBoundary(at('2026-10-24T23:59:00+02:00'), PRAGUE_MIDNIGHT)).toBe(sunday);
    expect(nextBoundary(sunday, PRAGUE_MIDNIGHT)).toBe(monday);
    expect(monday - sunday).toBe(25 * HOUR);
  });

  it('labels the trading day with the local calendar date', () => {
    expect(tradingDayOf(at('2026-03-28T23:59:59.999+01:00'), PRAGUE_MIDNIGHT)).toBe('2026-03-28');
    expect(tradingDayOf(at('2026-03-29T00:00:00+01:00'), PRAGUE_MIDNIGHT)).toBe('2026-03-29');
    expect(tradingDayOf(at('2026-03-29T03:00:00+02:00'), PRAGUE_MIDNIGHT)).toBe('2026-03-29');
    expect(tradingDayOf(at('2026-03-29T23:59:59.999+02:00'), PRAGUE_MIDNIGHT)).toBe('2026-03-29');
    expect(tradingDayOf(at('2026-10-25T02:30:00+01:00'), PRAGUE_MIDNIGHT)).toBe('2026-10-25');
  });
});

describe('boundary wall times that are skipped or repeated', () => {
  const gap: DailyBoundary = { time: '02:30', timezone: 'America/Chicago' };
  const repeated: DailyBoundary = { time: '01:30', timezone: 'America/Chicago' };

  it('puts a boundary inside the spring-forward gap at the first instant after the gap', () => {
    // 2026-03-08 has no 02:30 in Chicago: 01:59:59.999 CST is followed by 03:00:00 CDT (08:00Z).
    const saturday = at('2026-03-07T02:30:00-06:00'); // 08:30Z
    const sunday = at('2026-03-08T03:00:00-05:00'); // 08:00Z
    const monday = at('2026-03-09T02:30:00-05:00'); // 07:30Z
    expect(nextBoundary(saturday, gap)).toBe(sunday);
    expect(nextBoundary(sunday - 1, gap)).toBe(sunday);
    expect(nextBoundary(sunday, gap)).toBe(monday);
    expect(previousBoundary(at('2026-03-08T03:10:00-05:00'), gap)).toBe(sunday);
    // 03:10 CDT is past 02:30 on the wall clock, so it is in the next trading day.
    expect(tradingDayOf(at('2026-03-08T03:10:00-05:00'), gap)).toBe('2026-03-09');
    expect(tradingDayOf(at('2026-03-08T01:59:59.999-06:00'), gap)).toBe('2026-03-08');
  });

  it('does not take luxon’s own reading of a skipped time, which adds the gap to it', () => {
    // Pinned so that a luxon upgrade changing this is noticed: luxon shifts 02:30 to 03:30 CDT.
    const shifted = DateTime.fromObject(
      { year: 2026, month: 3, day: 8, hour: 2, minute: 30 },
      { zone: 'America/Chicago' },
    ).toMillis();
    expect(shifted).toBe(at('2026-03-08T03:30:00-05:00'));
    const ours = nextBoundary(at('2026-03-07T12:00:00-06:00'), gap);
    expect(ours).toBe(at('2026-03-08T03:00:00-05:00'));
    expect(shifted - ours).toBe(HOUR / 2);
  });

  it('puts a boundary at a repeated wall time on its first occurrence', () => {
    // 2026-11-01 shows 01:30 twice in Chicago: at 06:30Z (CDT) and at 07:30Z (CST).
    const first = at('2026-11-01T01:30:00-05:00');
    expect(nextBoundary(at('2026-10-31T12:00:00-05:00'), repeated)).toBe(first);
    expect(nextBoundary(first, repeated)).toBe(at('2026-11-02T01:30:00-06:00'));
    // The second 01:30 is after the boundary, so it belongs to the next trading day.
    expect(previousBoundary(at('2026-11-01T01:30:00-06:00'), repeated)).toBe(first);
    expect(tradingDayOf(at('2026-11-01T01:29:59.999-05:00'), repeated)).toBe('2026-11-01');
    expect(tradingDayOf(at('2026-11-01T01:30:00-06:00'), repeated)).toBe('2026-11-02');
    // Luxon alone would give the second occurrence.
    const luxon = DateTime.fromObject(
      { year: 2026, month: 11, day: 1, hour: 1, minute: 30 },
      { zone: 'America/Chicago' },
    ).toMillis();
    expect(luxon).toBe(at('2026-11-01T01:30:00-06:00'));
  });
});

describe('a midnight boundary where the clocks change at midnight (America/Santiago)', () => {
  const santiago: DailyBoundary = { time: '00:00', timezone: 'America/Santiago' };

  it('starts the day after the gap when midnight is skipped', () => {
    // 2026-09-06: 23:59:59.999 on the 5th (UTC−4) is followed by 01:00 on the 6th (UTC−3), 04:00Z.
    const start = at('2026-09-06T01:00:00-03:00');
    expect(nextBoundary(at('2026-09-05T12:00:00-04:00'), santiago)).toBe(start);
    expect(tradingDayOf(start - 1, santiago)).toBe('2026-09-05');
    expect(tradingDayOf(start, santiago)).toBe('2026-09-06');
  });

  it('keeps the repeated hour before midnight in the old day', () => {
    // 2026-04-05: midnight (UTC−3, 03:00Z) turns back to 23:00 on the 4th (UTC−4); midnight
    // on the 5th then comes at 04:00Z.
    expect(nextBoundary(at('2026-04-04T23:30:00-03:00'), santiago)).toBe(at('2026-04-05T00:00:00-04:00'));
    expect(tradingDayOf(at('2026-04-04T23:30:00-04:00'), santiago)).toBe('2026-04-04');
    expect(tradingDayOf(at('2026-04-05T00:00:00-04:00'), santiago)).toBe('2026-04-05');
  });
});

describe('tradingDayOf with a 17:00 Chicago boundary', () => {
  it('changes day at 17:00', () => {
    expect(tradingDayOf(at('2026-03-09T16:59:59.999-05:00'), CHICAGO_17)).toBe('2026-03-09');
    expect(tradingDayOf(at('2026-03-09T17:00:00-05:00'), CHICAGO_17)).toBe('2026-03-10');
    expect(tradingDayOf(at('2026-03-09T00:00:00-05:00'), CHICAGO_17)).toBe('2026-03-09');
  });

  it('labels Friday evening as Saturday and Sunday evening as Monday', () => {
    expect(tradingDayOf(at('2026-03-13T18:00:00-05:00'), CHICAGO_17)).toBe('2026-03-14');
    expect(tradingDayOf(at('2026-03-15T18:00:00-05:00'), CHICAGO_17)).toBe('2026-03-16');
    // Across the spring-forward weekend: Friday evening CST, Sunday evening CDT.
    expect(tradingDayOf(at('2026-03-06T18:00:00-06:00'), CHICAGO_17)).toBe('2026-03-07');
    expect(tradingDayOf(at('2026-03-08T16:30:00-05:00'), CHICAGO_17)).toBe('2026-03-08');
    expect(tradingDayOf(at('2026-03-08T17:30:00-05:00'), CHICAGO_17)).toBe('2026-03-09');
  });

  it('labels across the month and year end', () => {
    expect(tradingDayOf(at('2026-12-31T17:00:00-06:00'), CHICAGO_17)).toBe('2027-01-01');
    expect(tradingDayOf(at('2026-02-28T17:00:00-06:00'), CHICAGO_17)).toBe('2026-03-01');
  });
});

const TOPSTEP: SessionSpec = {
  timezone: 'America/Chicago',
  days: [1, 2, 3, 4, 5],
  open: '17:00',
  close: '15:10',
  flatBy: '15:10',
  holidays: [],
};

describe('an overnight futures session (Topstep-like, 17:00 to 15:10 Chicago)', () => {
  it('opens on Sunday at 17:00 for Monday and closes Monday at 15:10', () => {
    const open = at('2026-03-08T17:00:00-05:00'); // 22:00Z, CDT since 02:00 that morning
    const close = at('2026-03-09T15:10:00-05:00'); // 20:10Z
    expect(sessionAt(open - 1, TOPSTEP)).toEqual({ open: false, entriesAllowed: false });
    expect(sessionAt(open, TOPSTEP)).toEqual({
      open: true,
      entriesAllowed: true,
      tradingDate: '2026-03-09',
      closesAt: close,
      flatByAt: close,
    });
    expect(sessionAt(close - 1, TOPSTEP)).toMatchObject({ open: true, entriesAllowed: true });
    expect(sessionAt(close, TOPSTEP)).toEqual({ open: false, entriesAllowed: false });
    // The daily break, then Tuesday's session.
    expect(sessionAt(at('2026-03-09T16:00:00-05:00'), TOPSTEP).open).toBe(false);
    expect(sessionAt(at('2026-03-09T17:00:00-05:00'), TOPSTEP)).toMatchObject({
      open: true,
      tradingDate: '2026-03-10',
    });
  });

  it('is closed from Friday 15:10 to Sunday 17:00', () => {
    expect(sessionAt(at('2026-03-06T15:09:00-06:00'), TOPSTEP)).toMatchObject({
      open: true,
      tradingDate: '2026-03-06',
    });
    expect(sessionAt(at('2026-03-06T15:10:00-06:00'), TOPSTEP).open).toBe(false);
    expect(sessionAt(at('2026-03-06T17:30:00-06:00'), TOPSTEP).open).toBe(false);
    expect(sessionAt(at('2026-03-07T12:00:00-06:00'), TOPSTEP).open).toBe(false);
    expect(sessionAt(at('2026-03-08T12:00:00-05:00'), TOPSTEP).open).toBe(false);
    expect(nextSessionOpen(at('2026-03-06T15:10:00-06:00'), TOPSTEP)).toBe(at('2026-03-08T17:00:00-05:00'));
  });

  it('flattens at 21:10Z the Friday before spring forward and 20:10Z the Monday after', () => {
    const friday = at('2026-03-06T15:10:00-06:00');
    const monday = at('2026-03-09T15:10:00-05:00');
    expect(friday).toBe(at('2026-03-06T21:10:00Z'));
    expect(monday).toBe(at('2026-03-09T20:10:00Z'));
    expect(nextFlatBy(at('2026-03-06T12:00:00-06:00'), TOPSTEP)).toBe(friday);
    expect(nextFlatBy(friday, TOPSTEP)).toBe(monday);
    expect(sessionAt(at('2026-03-06T10:00:00-06:00'), TOPSTEP).flatByAt).toBe(friday);
  });

  it('flattens at 20:10Z the Friday before fall back and 21:10Z the Monday after', () => {
    const friday = at('2026-10-30T15:10:00-05:00');
    const monday = at('2026-11-02T15:10:00-06:00');
    expect(friday).toBe(at('2026-10-30T20:10:00Z'));
    expect(monday).toBe(at('2026-11-02T21:10:00Z'));
    expect(nextFlatBy(at('2026-10-30T12:00:00-05:00'), TOPSTEP)).toBe(friday);
    expect(nextFlatBy(friday, TOPSTEP)).toBe(monday);
    expect(nextSessionOpen(friday, TOPSTEP)).toBe(at('2026-11-01T17:00:00-06:00')); // 23:00Z
  });

  it('refuses entries between an earlier flat-by time and the close', () => {
    const spec: SessionSpec = { ...TOPSTEP, flatBy: '15:00' };
    const flatBy = at('2026-03-09T15:00:00-05:00');
    expect(sessionAt(flatBy - 1, spec)).toMatchObject({ open: true, entriesAllowed: true });
    expect(sessionAt(flatBy, spec)).toEqual({
      open: true,
      entriesAllowed: false,
      tradingDate: '2026-03-09',
      closesAt: at('2026-03-09T15:10:00-05:00'),
      flatByAt: flatBy,
    });
    expect(sessionAt(at('2026-03-09T15:09:59.999-05:00'), spec)).toMatchObject({
      open: true,
      entriesAllowed: false,
    });
  });

  it('puts a flat-by time later than the close on the opening evening', () => {
    const spec: SessionSpec = { ...TOPSTEP, flatBy: '23:00' };
    expect(validateSession(spec)).toEqual([]);
    expect(sessionAt(at('2026-03-09T01:00:00-05:00'), spec)).toMatchObject({
      open: true,
      entriesAllowed: false,
      flatByAt: at('2026-03-08T23:00:00-05:00'),
    });
    expect(nextFlatBy(at('2026-03-08T12:00:00-05:00'), spec)).toBe(at('2026-03-08T23:00:00-05:00'));
  });

  it('skips holidays', () => {
    const spec: SessionSpec = { ...TOPSTEP, holidays: ['2026-03-09'] };
    expect(sessionAt(at('2026-03-08T18:00:00-05:00'), spec).open).toBe(false);
    expect(sessionAt(at('2026-03-09T12:00:00-05:00'), spec).open).toBe(false);
    expect(nextSessionOpen(at('2026-03-06T15:10:00-06:00'), spec)).toBe(at('2026-03-09T17:00:00-05:00'));
    expect(sessionAt(at('2026-03-09T17:00:00-05:00'), spec)).toMatchObject({
      open: true,
      tradingDate: '2026-03-10',
    });
    expect(nextFlatBy(at('2026-03-06T15:10:00-06:00'), spec)).toBe(at('2026-03-10T15:10:00-05:00'));
  });
});

describe('a day session (08:30 to 15:00 Chicago)', () => {
  const DAY_SESSION: SessionSpec = {
    timezone: 'America/Chicago',
    days: [1, 2, 3, 4, 5],
    open: '08:30',
    close: '15:00',
    holidays: [],
  };

  it('is open from 08:30 to 15:00 on trading days, with entries all session', () => {
    const open = at('2026-03-09T08:30:00-05:00');
    const close = at('2026-03-09T15:00:00-05:00');
    expect(sessionAt(open - 1, DAY_SESSION)).toEqual({ open: false, entriesAllowed: false });
    expect(sessionAt(open, DAY_SESSION)).toEqual({
      open: true,
      entriesAllowed: true,
      tradingDate: '2026-03-09',
      closesAt: close,
    });
    expect(sessionAt(close - 1, DAY_SESSION)).toMatchObject({ open: true, entriesAllowed: true });
    expect(sessionAt(close, DAY_SESSION).open).toBe(false);
    expect(nextFlatBy(open, DAY_SESSION)).toBeUndefined();
    expect(nextSessionOpen(open - 1, DAY_SESSION)).toBe(open);
    expect(nextSessionOpen(open, DAY_SESSION)).toBe(at('2026-03-10T08:30:00-05:00'));
    // Friday before spring forward opens at 14:30Z; the next open is Monday at 13:30Z.
    expect(nextSessionOpen(at('2026-03-06T08:30:00-06:00'), DAY_SESSION)).toBe(
      at('2026-03-09T08:30:00-05:00'),
    );
    expect(sessionAt(at('2026-03-07T10:00:00-06:00'), DAY_SESSION).open).toBe(false);
  });

  it('stops entries at the flat-by time', () => {
    const spec: SessionSpec = { ...DAY_SESSION, flatBy: '14:45' };
    const flatBy = at('2026-03-09T14:45:00-05:00');
    expect(sessionAt(flatBy - 1, spec)).toMatchObject({ open: true, entriesAllowed: true, flatByAt: flatBy });
    expect(sessionAt(flatBy, spec)).toMatchObject({ open: true, entriesAllowed: false });
    expect(nextFlatBy(at('2026-03-09T09:00:00-05:00'), spec)).toBe(flatBy);
    expect(nextFlatBy(flatBy, spec)).toBe(at('2026-03-10T14:45:00-05:00'));
  });

  it('never opens without trading days', () => {
    const spec: SessionSpec = { ...DAY_SESSION, days: [], flatBy: '14:45' };
    expect(nextSessionOpen(at('2026-03-09T00:00:00-05:00'), spec)).toBeUndefined();
    expect(nextFlatBy(at('2026-03-09T00:00:00-05:00'), spec)).toBeUndefined();
    expect(sessionAt(at('2026-03-09T10:00:00-05:00'), spec).open).toBe(false);
  });
});

describe('validateSession', () => {
  it('accepts good specs', () => {
    expect(validateSession(TOPSTEP)).toEqual([]);
    expect(
      validateSession({
        timezone: 'UTC',
        days: [7],
        open: '00:00',
        close: '00:00',
        holidays: ['2026-12-25'],
      }),
    ).toEqual([]);
  });

  it('names each problem in plain words', () => {
    const spec = {
      timezone: 'Chicago',
      days: [1, 1, 8],
      open: '8:30',
      close: '15:00',
      flatBy: '25:00',
      holidays: ['2026-02-30', '12/25/2026'],
    } as unknown as SessionSpec;
    expect(validateSession(spec)).toEqual([
      'open "8:30" is not a time of day in HH:mm form (00:00 to 23:59)',
      'flatBy "25:00" is not a time of day in HH:mm form (00:00 to 23:59)',
      'timezone "Chicago" is not a known IANA time zone',
      'day 1 is listed more than once',
      'day 8 is not an ISO weekday (1 = Monday to 7 = Sunday)',
      'holiday "2026-02-30" is not a date in YYYY-MM-DD form',
      'holiday "12/25/2026" is not a date in YYYY-MM-DD form',
    ]);
    expect(validateSession({ ...TOPSTEP, days: [] })).toEqual(['days is empty, so the session never opens']);
  });

  it('refuses a flat-by time outside the session window', () => {
    expect(validateSession({ ...TOPSTEP, flatBy: '16:00' })).toEqual([
      'flatBy 16:00 is outside the session, which runs from 17:00 to 15:10 (overnight)',
    ]);
    expect(validateSession({ ...TOPSTEP, flatBy: '17:00' })).toHaveLength(1);
    const day: SessionSpec = { ...TOPSTEP, open: '08:30', close: '15:00' };
    expect(validateSession({ ...day, flatBy: '15:00' })).toEqual([]);
    expect(validateSession({ ...day, flatBy: '08:30' })).toEqual([
      'flatBy 08:30 is outside the session, which runs from 08:30 to 15:00',
    ]);
    expect(validateSession({ ...day, flatBy: '15:01' })).toHaveLength(1);
  });
});
