import { describe, expect, it } from 'vitest';
import { parseLimit, parseTimeFlag } from '../../src/app/inspect/time-flags.ts';
import { isWardenError } from '../../src/domain/errors.ts';

const NOW = Date.parse('2026-03-03T12:00:00.000Z');

function failure(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('parseTimeFlag', () => {
  it('reads ISO 8601 times, UTC when they carry no zone', () => {
    expect(parseTimeFlag('--since', '2026-03-03T14:30:00Z', NOW)).toBe(Date.parse('2026-03-03T14:30:00Z'));
    expect(parseTimeFlag('--since', '2026-03-03T14:30:00.250+01:00', NOW)).toBe(
      Date.parse('2026-03-03T13:30:00.250Z'),
    );
    expect(parseTimeFlag('--since', '2026-03-03T14:30', NOW)).toBe(Date.parse('2026-03-03T14:30:00Z'));
    expect(parseTimeFlag('--until', '2026-03-03', NOW)).toBe(Date.parse('2026-03-03T00:00:00Z'));
  });

  it('reads durations as that long before now', () => {
    expect(parseTimeFlag('--since', '15m', NOW)).toBe(NOW - 15 * 60_000);
    expect(parseTimeFlag('--since', '2h', NOW)).toBe(NOW - 2 * 3_600_000);
    expect(parseTimeFlag('--since', '1d', NOW)).toBe(NOW - 86_400_000);
    expect(parseTimeFlag('--since', '90s', NOW)).toBe(NOW - 90_000);
    expect(parseTimeFlag('--since', '1w', NOW)).toBe(NOW - 7 * 86_400_000);
    expect(parseTimeFlag('--since', 'PT1H30M', NOW)).toBe(NOW - 90 * 60_000);
    expect(parseTimeFlag('--since', '0m', NOW)).toBe(NOW);
  });

  it.each(['yesterday', '15 minutes', '-2h', '2026-13-40', '', 'P', '1y'])(
    'refuses %j with WARDEN_CONFIG_INVALID naming the flag',
    (value) => {
      const error = failure(() => parseTimeFlag('--until', value, NOW));
      expect(isWardenError(error, 'WARDEN_CONFIG_INVALID')).toBe(true);
      expect((error as Error).message).toContain('--until');
      expect((error as Error).message).toContain(JSON.stringify(value));
    },
  );
});

describe('parseLimit', () => {
  it('reads a whole number of at least 1', () => {
    expect(parseLimit('1')).toBe(1);
    expect(parseLimit(' 250 ')).toBe(250);
  });

  it.each(['0', '-3', '2.5', 'ten', '', '1e3'])('refuses %j', (value) => {
    const error = failure(() => parseLimit(value));
    expect(isWardenError(error, 'WARDEN_CONFIG_INVALID')).toBe(true);
    expect((error as Error).message).toContain('--limit');
  });
});
