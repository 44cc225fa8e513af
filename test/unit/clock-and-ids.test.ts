import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { createUlidGenerator } from '../../src/adapters/ids/ulid.ts';

describe('simulated clock', () => {
  it('runs due timers in time order, then scheduling order, each seeing its own due time', () => {
    const clock = new SimulatedClock(1_000);
    const seen: Array<[string, number]> = [];
    clock.schedule(1_300, () => seen.push(['c', clock.now()]));
    clock.schedule(1_100, () => seen.push(['a', clock.now()]));
    clock.schedule(1_100, () => seen.push(['b', clock.now()]));
    clock.schedule(1_500, () => seen.push(['late', clock.now()]));
    clock.advanceTo(1_300);
    expect(seen).toEqual([
      ['a', 1_100],
      ['b', 1_100],
      ['c', 1_300],
    ]);
    expect(clock.now()).toBe(1_300);
    expect(clock.nextTimerAt()).toBe(1_500);
  });

  it('runs a timer scheduled by a timer within the same advance, never moves backwards, and honours cancel', () => {
    const clock = new SimulatedClock(0);
    const seen: number[] = [];
    clock.schedule(10, () => {
      seen.push(clock.now());
      clock.schedule(20, () => seen.push(clock.now()));
    });
    const cancel = clock.schedule(15, () => seen.push(-1));
    cancel();
    clock.advanceTo(25);
    expect(seen).toEqual([10, 20]);
    clock.advanceTo(5);
    expect(clock.now()).toBe(25);
  });
});

describe('ULID generator', () => {
  it('is deterministic for a seed on a simulated clock and sortable', () => {
    const make = (seed: number) => {
      const clock = new SimulatedClock(Date.parse('2026-01-05T14:00:00Z'));
      const ids = createUlidGenerator({ clock, seed });
      const out: string[] = [];
      for (let i = 0; i < 100; i++) {
        if (i % 10 === 0) clock.advanceBy(1);
        out.push(ids.next());
      }
      return out;
    };
    const a = make(42);
    expect(make(42)).toEqual(a);
    expect(make(43)).not.toEqual(a);
    expect([...a].sort()).toEqual(a);
    expect(new Set(a).size).toBe(100);
    // The time part is the clock's time: 2026-01-05T14:00:00.001Z.
    expect(a[0]!.slice(0, 10)).toBe('01KE77A8R1');
  });
});
