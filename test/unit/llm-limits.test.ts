import { describe, expect, it } from 'vitest';
import { ConcurrencyGate, SlidingWindowLimiter } from '../../src/adapters/llm/openai-compatible/limits.ts';

describe('ConcurrencyGate', () => {
  it('lets `limit` through, queues the rest in order and hands a released slot to the next', async () => {
    const gate = new ConcurrencyGate(2);
    const signal = new AbortController().signal;
    const a = await gate.acquire(signal);
    const b = await gate.acquire(signal);
    const order: string[] = [];
    const c = gate.acquire(signal).then((r) => {
      order.push('c');
      return r;
    });
    const d = gate.acquire(signal).then((r) => {
      order.push('d');
      return r;
    });
    expect([gate.inFlight, gate.waiting]).toEqual([2, 2]);

    a?.();
    a?.(); // a second release does nothing
    const releaseC = await c;
    expect(order).toEqual(['c']);
    expect([gate.inFlight, gate.waiting]).toEqual([2, 1]);

    b?.();
    const releaseD = await d;
    expect(order).toEqual(['c', 'd']);
    releaseC?.();
    releaseD?.();
    expect([gate.inFlight, gate.waiting]).toEqual([0, 0]);
  });

  it('gives up a wait when the signal aborts, holding nothing', async () => {
    const gate = new ConcurrencyGate(1);
    const held = await gate.acquire(new AbortController().signal);
    const deadline = new AbortController();
    const waiting = gate.acquire(deadline.signal);
    deadline.abort();
    expect(await waiting).toBeUndefined();
    expect(gate.waiting).toBe(0);
    held?.();
    expect(gate.inFlight).toBe(0);
    expect(await gate.acquire(AbortSignal.abort())).toBeUndefined();
  });
});

describe('SlidingWindowLimiter', () => {
  it('grants `limit` starts per window at once, then the time the oldest leaves it', () => {
    let clock = 1_000_000;
    const limiter = new SlidingWindowLimiter(3, 60_000, () => clock);
    expect(limiter.reserve(0)).toEqual({ granted: true, waitMs: 0 });
    clock += 10_000;
    expect(limiter.reserve(0)).toEqual({ granted: true, waitMs: 0 });
    expect(limiter.reserve(0)).toEqual({ granted: true, waitMs: 0 });

    // Full: the first start (at 1 000 000) leaves the window at 1 060 000, 50 s from now.
    expect(limiter.reserve(30_000)).toEqual({ granted: false, nextInMs: 50_000 });
    expect(limiter.used).toBe(3);
    expect(limiter.reserve(50_000)).toEqual({ granted: true, waitMs: 50_000 });

    // That reservation holds a slot too: the next opens when the second start leaves.
    expect(limiter.reserve(0)).toEqual({ granted: false, nextInMs: 60_000 });
    clock += 60_000;
    expect(limiter.used).toBe(1);
    expect(limiter.reserve(0)).toEqual({ granted: true, waitMs: 0 });
  });

  it('is a sliding window, not a fixed minute', () => {
    let clock = 59_000;
    const limiter = new SlidingWindowLimiter(2, 60_000, () => clock);
    limiter.reserve(0);
    limiter.reserve(0);
    clock = 61_000; // a new calendar minute, but both starts are 2 s old
    expect(limiter.reserve(0)).toEqual({ granted: false, nextInMs: 58_000 });
    clock = 119_000;
    expect(limiter.reserve(0)).toEqual({ granted: true, waitMs: 0 });
  });
});
