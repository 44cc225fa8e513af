import { describe, expect, it } from 'vitest';
import {
  CLOCK_JUMP_CONFIRMATIONS,
  createClockJumpFilter,
  type JumpOutcome,
} from '../../src/domain/clock-jump.ts';
import type { SourcedTick } from '../../src/domain/tick.ts';

const T0 = Date.parse('2026-01-05T14:00:00.000Z');
const DAY = 86_400_000;
const YEAR = 365 * DAY;

/** Runs ticks (line numbers from 2) through a filter that accepts whatever it lets through. */
function run(times: readonly number[]): { passed: number[]; refused: number[]; jumps: number } {
  const filter = createClockJumpFilter();
  const passed: number[] = [];
  const refused: number[] = [];
  const take = (o: JumpOutcome) => {
    if (o.tick !== undefined) {
      filter.accepted(o.tick);
      passed.push(o.tick.line!);
    } else refused.push(o.problem.line!);
  };
  times.forEach((ts, i) => {
    const tick: SourcedTick = { ts, symbol: 'ES', price: 5000, line: i + 2 };
    const out = filter.push(tick);
    if (out === null) take({ tick });
    else out.forEach(take);
  });
  filter.flush().forEach(take);
  return { passed, refused, jumps: filter.jumps.length };
}

/** `count` ticks a second apart from `from`. */
const seconds = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i * 1000);

describe('clock-jump filter', () => {
  it('refuses a mistyped year and lets the file go on', () => {
    const times = [...seconds(T0, 20), T0 + 20_000 + YEAR, ...seconds(T0 + 21_000, 20)];
    const { passed, refused, jumps } = run(times);
    expect(refused).toEqual([22]);
    expect(passed).toHaveLength(40);
    expect(passed).toEqual([...passed].sort((a, b) => a - b));
    expect(jumps).toBe(0);
  });

  it(`keeps a gap the next ${CLOCK_JUMP_CONFIRMATIONS} ticks follow (a weekend), and reports it`, () => {
    const times = [...seconds(T0, 20), ...seconds(T0 + 2 * DAY, 20)];
    const { passed, refused, jumps } = run(times);
    expect(refused).toEqual([]);
    expect(passed).toEqual(times.map((_, i) => i + 2));
    expect(jumps).toBe(1);
  });

  it('at the end of the file, keeps a jump the ticks after it follow and refuses one with none', () => {
    expect(run([...seconds(T0, 20), T0 + 2 * DAY, T0 + 2 * DAY + 1000]).refused).toEqual([]);
    expect(run([...seconds(T0, 20), T0 + 2 * DAY]).refused).toEqual([22]);
  });

  it('judges the ticks held with a refused jump again: two mistyped lines are both refused', () => {
    const times = [...seconds(T0, 20), T0 + YEAR, T0 + YEAR + 1000, ...seconds(T0 + 21_000, 5)];
    const { refused, passed } = run(times);
    expect(refused).toEqual([22, 23]);
    expect(passed).toHaveLength(25);
  });

  it('holds nothing back before it knows the cadence, nor a gap under a day or 1,000 median gaps', () => {
    expect(run([T0, T0 + YEAR, T0 + YEAR + 1000]).refused).toEqual([]);
    expect(run([...seconds(T0, 20), T0 + 19_000 + DAY - 1, T0]).refused).toEqual([]);
    // Hourly ticks: a 2-day gap is 48 median gaps, not a jump.
    const hourly = Array.from({ length: 20 }, (_, i) => T0 + i * 3_600_000);
    expect(run([...hourly, T0 + 21 * DAY, T0]).refused).toEqual([]);
  });
});
