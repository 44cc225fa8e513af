import { DateTime, Duration } from 'luxon';
import { WardenError } from '../../domain/errors.ts';

/** `15m`, `2h`, `1d`, … : a count and one unit. */
const SHORT_DURATION = /^(\d+)\s*(ms|s|m|h|d|w)$/;

const UNITS = {
  ms: 'milliseconds',
  s: 'seconds',
  m: 'minutes',
  h: 'hours',
  d: 'days',
  w: 'weeks',
} as const;

/**
 * Reads a time flag (`--since`, `--until`) as epoch ms. The value is an ISO 8601 time (without a
 * zone it is UTC, like every time Warden prints), or a duration meaning "that long before `now`":
 * `90s`, `15m`, `2h`, `1d`, `1w`, or ISO 8601 (`PT15M`). Anything else is `WARDEN_CONFIG_INVALID`
 * naming the flag (exit 2).
 */
export function parseTimeFlag(flag: string, value: string, now: number): number {
  const text = value.trim();
  const short = SHORT_DURATION.exec(text);
  if (short !== null) {
    const unit = UNITS[short[2] as keyof typeof UNITS];
    return now - Duration.fromObject({ [unit]: Number(short[1]) }).toMillis();
  }
  if (/^P/i.test(text) && /\d/.test(text)) {
    const duration = Duration.fromISO(text.toUpperCase());
    if (duration.isValid) return now - duration.toMillis();
  } else if (text !== '') {
    const time = DateTime.fromISO(text, { zone: 'utc' });
    if (time.isValid) return time.toMillis();
  }
  throw new WardenError(
    'WARDEN_CONFIG_INVALID',
    `${flag} ${JSON.stringify(value)}: not an ISO 8601 time (2026-03-03T14:30:00Z) nor a duration ago (15m, 2h, 1d)`,
  );
}

/** Reads `--limit`: a whole number of events, at least 1; anything else is `WARDEN_CONFIG_INVALID`. */
export function parseLimit(value: string): number {
  const text = value.trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < 1) {
    throw new WardenError(
      'WARDEN_CONFIG_INVALID',
      `--limit ${JSON.stringify(value)}: not a whole number ≥ 1`,
    );
  }
  return n;
}
