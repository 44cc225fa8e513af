import { describe, expect, it } from 'vitest';
import { WindowCounter } from '../../src/domain/risk/window-counter.ts';

const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

describe('WindowCounter', () => {
  it('counts events within (now − window, now]', () => {
    const c = new WindowCounter(1000);
    expect(c.count(T0)).toBe(0);
    expect(c.record(T0)).toBe(1);
    expect(c.record(T0 + 400)).toBe(2);
    expect(c.record(T0 + 400)).toBe(3); // equal timestamps are fine
    expect(c.count(T0 + 999)).toBe(3);
    // An event exactly windowMs old no longer counts.
    expect(c.count(T0 + 1000)).toBe(2);
    expect(c.count(T0 + 1399)).toBe(2);
    expect(c.count(T0 + 1400)).toBe(0);
  });

  it('counts the event being recorded and drops the one a window older', () => {
    const c = new WindowCounter(60_000);
    c.record(T0);
    expect(c.record(T0 + 60_000)).toBe(1);
    expect(c.record(T0 + 60_001)).toBe(2);
  });

  it('reports the oldest counted event, so the caller knows when the count drops', () => {
    const c = new WindowCounter(1000);
    expect(c.oldest(T0)).toBeUndefined();
    c.record(T0 + 100);
    c.record(T0 + 300);
    c.record(T0 + 700);
    expect(c.oldest(T0 + 700)).toBe(T0 + 100);
    // The count drops at oldest + window.
    expect(c.count(T0 + 1099)).toBe(3);
    expect(c.oldest(T0 + 1100)).toBe(T0 + 300);
    expect(c.count(T0 + 1100)).toBe(2);
    expect(c.oldest(T0 + 1700)).toBeUndefined();
  });

  it('keeps exact counts through many events and buffer growth', () => {
    const window = 10_000;
    const c = new WindowCounter(window);
    const times: number[] = [];
    // A window holds at most 40 steps of at most 39 events, so the last 2000 events are enough
    // to count by brute force.
    const inWindow = (now: number) => times.slice(-2000).filter((t) => t > now - window);
    // Bursts and gaps so the buffer grows, wraps and empties; 0 to 39 events per 250 ms step.
    for (let step = 0; step < 1200; step++) {
      const ts = T0 + step * 250;
      const n = (step * 7919) % 40;
      for (let i = 0; i < n; i++) {
        times.push(ts);
        expect(c.record(ts)).toBe(inWindow(ts).length);
      }
      if (step % 97 === 0) {
        const later = ts + 125;
        expect(c.count(later)).toBe(inWindow(later).length);
        expect(c.oldest(later)).toBe(inWindow(later)[0]);
      }
    }
    expect(times.length).toBeGreaterThan(20_000);
  });

  it('holds a large window of events', () => {
    const c = new WindowCounter(1_000_000);
    for (let i = 0; i < 100_000; i++) c.record(T0 + i);
    expect(c.count(T0 + 99_999)).toBe(100_000);
    expect(c.oldest(T0 + 99_999)).toBe(T0);
    expect(c.count(T0 + 1_000_000 + 49_999)).toBe(50_000);
    expect(c.oldest(T0 + 1_000_000 + 49_999)).toBe(T0 + 50_000);
  });

  it('refuses time going backwards, for any call', () => {
    const c = new WindowCounter(1000);
    c.record(T0 + 500);
    expect(() => c.record(T0 + 499)).toThrow(RangeError);
    expect(() => c.count(T0 + 499)).toThrow(RangeError);
    c.count(T0 + 800);
    expect(() => c.oldest(T0 + 700)).toThrow(RangeError);
    expect(() => c.record(T0 + 700)).toThrow(RangeError);
    expect(() => c.record(Number.NaN)).toThrow(RangeError);
    // A refused call records nothing.
    expect(c.count(T0 + 800)).toBe(1);
  });

  it('forgets everything on clear, including the latest time', () => {
    const c = new WindowCounter(1000);
    c.record(T0);
    c.record(T0 + 10);
    c.clear();
    expect(c.oldest(T0)).toBeUndefined();
    expect(c.record(T0)).toBe(1);
    expect(c.count(T0 + 10)).toBe(1);
  });

  it('refuses a window that is not a positive finite length', () => {
    expect(() => new WindowCounter(0)).toThrow(RangeError);
    expect(() => new WindowCounter(-1)).toThrow(RangeError);
    expect(() => new WindowCounter(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => new WindowCounter(Number.NaN)).toThrow(RangeError);
  });
});
