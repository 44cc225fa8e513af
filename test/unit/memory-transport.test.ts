import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { MemoryTransport } from '../../src/adapters/transports/memory/memory-transport.ts';
import { partitionOf } from '../../src/adapters/transports/partitioning.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import type { Delivery } from '../../src/ports/transport.ts';
import { eventually } from '../support/eventually.ts';

let n = 0;
function event(key: string, seq: number): Envelope {
  n++;
  return {
    id: `01KE77A8R0RNBD58JGTEF${String(n).padStart(5, '0')}`,
    type: 'Risk.Alert.Triggered.v1',
    key,
    ts: '2026-01-05T14:00:00.000Z',
    data: { code: 'TEST', severity: 'info', message: `m${seq}`, seq },
  };
}

describe('partitioning', () => {
  it('maps a key to the same partition every time and spreads keys over all partitions', () => {
    expect(partitionOf('acc-1', 8)).toBe(partitionOf('acc-1', 8));
    const used = new Set(Array.from({ length: 200 }, (_, i) => partitionOf(`acc-${i}`, 8)));
    expect(used.size).toBe(8);
  });
});

describe('memory transport', () => {
  it('delivers each key in publish order across partitions', async () => {
    const t = new MemoryTransport({ partitions: 4, clock: new SimulatedClock() });
    const seen = new Map<string, number[]>();
    await t.subscribe('g', async (e) => {
      const list = seen.get(e.key) ?? [];
      list.push(e.data.seq as number);
      seen.set(e.key, list);
    });
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (let i = 0; i < 50; i++) for (const k of keys) await t.publish(event(k, i));
    await eventually(() => keys.every((k) => seen.get(k)?.length === 50));
    for (const k of keys) expect(seen.get(k)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('keeps at most one delivery in flight per partition', async () => {
    const t = new MemoryTransport({ partitions: 2, clock: new SimulatedClock() });
    const inFlight = [0, 0];
    let maxSeen = 0;
    const releases: Array<() => void> = [];
    await t.subscribe('g', async (_e, d) => {
      inFlight[d.partition]!++;
      maxSeen = Math.max(maxSeen, inFlight[d.partition]!);
      await new Promise<void>((resolve) => releases.push(resolve));
      inFlight[d.partition]!--;
    });
    for (let i = 0; i < 10; i++) await t.publish(event(`k${i}`, i));
    let released = 0;
    await eventually(() => {
      while (releases.length > 0) {
        releases.shift()!();
        released++;
      }
      return released === 10;
    });
    expect(maxSeen).toBe(1);
  });

  it('retries a failing handler with backoff on the clock, then dead-letters with the reason', async () => {
    const clock = new SimulatedClock(0);
    const t = new MemoryTransport({ partitions: 1, clock });
    const attempts: Delivery[] = [];
    const after: number[] = [];
    await t.subscribe(
      'g',
      async (e, d) => {
        if (e.data.seq === 0) {
          attempts.push(d);
          throw new Error('database is down');
        }
        after.push(e.data.seq as number);
      },
      { maxAttempts: 3, backoffMs: (a) => 100 * a },
    );
    await t.publish(event('k', 0));
    await t.publish(event('k', 1));
    await eventually(() => attempts.length === 1);
    // The next event of the partition waits behind the failing one.
    expect(after).toEqual([]);
    clock.advanceBy(99);
    await Promise.resolve();
    expect(attempts.length).toBe(1);
    clock.advanceBy(1);
    await eventually(() => attempts.length === 2);
    clock.advanceBy(200);
    await eventually(() => attempts.length === 3);
    await eventually(() => after.length === 1);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    const dead = await t.deadLetters('g');
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ reason: 'database is down', attempts: 3, offset: 0 });
    expect(after).toEqual([1]);
  });

  it('resumes a group from its committed offset, replays from an offset, and bumps the epoch', async () => {
    const t = new MemoryTransport({ partitions: 1, clock: new SimulatedClock() });
    const first: number[] = [];
    const sub = await t.subscribe('g', async (e) => {
      first.push(e.data.seq as number);
    });
    for (let i = 0; i < 3; i++) await t.publish(event('k', i));
    await eventually(() => first.length === 3);
    await sub.close();
    await t.publish(event('k', 3));
    const second: Array<[number, number]> = [];
    await t.subscribe('g', async (e, d) => {
      second.push([e.data.seq as number, d.epoch]);
    });
    await eventually(() => second.length === 1);
    expect(second).toEqual([[3, 2]]);
    const replayed: number[] = [];
    await t.subscribe(
      'g',
      async (e) => {
        replayed.push(e.data.seq as number);
      },
      { fromOffset: 1 },
    );
    await eventually(() => replayed.length === 3);
    expect(replayed).toEqual([1, 2, 3]);
  });

  it('refuses to publish after close', async () => {
    const t = new MemoryTransport({ partitions: 1, clock: new SimulatedClock() });
    await t.close();
    await expect(t.publish(event('k', 0))).rejects.toMatchObject({ code: 'WARDEN_TRANSPORT_CLOSED' });
  });
});
