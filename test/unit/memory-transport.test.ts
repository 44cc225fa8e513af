import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { roundRobin } from '../../src/adapters/transports/assignment.ts';
import { MemoryTransport } from '../../src/adapters/transports/memory/memory-transport.ts';
import { partitionOf } from '../../src/adapters/transports/partitioning.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import type { Delivery } from '../../src/ports/transport.ts';
import { eventually } from '../support/eventually.ts';

/*
 * Memory-only behaviour. What every transport owes (order, one in flight, retries, dead letters,
 * replay, static sets, membership, rebalances, fencing) is in test/contract/transport.contract.ts.
 */

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

const held = (s: { assignment(): ReadonlyMap<number, number> }): number[] =>
  [...s.assignment().keys()].sort((a, b) => a - b);

const noop = async () => undefined;

describe('partitioning', () => {
  it('maps a key to the same partition every time and spreads keys over all partitions', () => {
    expect(partitionOf('acc-1', 8)).toBe(partitionOf('acc-1', 8));
    const used = new Set(Array.from({ length: 200 }, (_, i) => partitionOf(`acc-${i}`, 8)));
    expect(used.size).toBe(8);
  });

  it('assigns partition p to the (p mod n)-th member id in sorted order', () => {
    expect(roundRobin(['c', 'a', 'b'], 7)).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
    expect(roundRobin([], 2)).toEqual([undefined, undefined]);
  });
});

describe('memory transport', () => {
  it('refuses a partition count that is not a positive integer', () => {
    for (const partitions of [0, -1, 1.5]) {
      expect(() => new MemoryTransport({ partitions })).toThrow(
        expect.objectContaining({ code: 'WARDEN_INTERNAL' }),
      );
    }
  });

  it('spreads partitions round robin over the sorted member ids, whoever joined first', async () => {
    const t = new MemoryTransport({ partitions: 6, clock: new SimulatedClock() });
    const c = await t.subscribe('g', noop, { member: 'c' });
    const a = await t.subscribe('g', noop, { member: 'a' });
    const b = await t.subscribe('g', noop, { member: 'b' });
    expect([held(a), held(b), held(c)]).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
  });

  it('lets a member beyond the partition count hold nothing until another leaves', async () => {
    const t = new MemoryTransport({ partitions: 2, clock: new SimulatedClock() });
    const a = await t.subscribe('g', noop, { member: 'a' });
    const b = await t.subscribe('g', noop, { member: 'b' });
    const c = await t.subscribe('g', noop, { member: 'c' });
    expect([held(a), held(b), held(c)]).toEqual([[0], [1], []]);
    await a.close();
    expect([held(b), held(c)]).toEqual([[0], [1]]);
  });

  it('keeps subscribe without options as every partition, a second one taking them all over', async () => {
    const t = new MemoryTransport({ partitions: 3, clock: new SimulatedClock() });
    const seen: string[] = [];
    const revoked: number[][] = [];
    const first = await t.subscribe('g', async () => void seen.push('first'), {
      onRevoked: (partitions) => void revoked.push([...partitions]),
    });
    expect(held(first)).toEqual([0, 1, 2]);
    const second = await t.subscribe('g', async (_e, d) => void seen.push(`second@${d.epoch}`));
    expect(revoked).toEqual([[0, 1, 2]]);
    expect(held(first)).toEqual([]);
    expect([...second.assignment().values()]).toEqual([2, 2, 2]);
    await t.publish(event('k', 0));
    await eventually(() => seen.length === 1);
    expect(seen).toEqual(['second@2']);
  });

  it('waits on the injected clock for the default backoff, 10·2^(n−1) ms', async () => {
    const clock = new SimulatedClock(0);
    const t = new MemoryTransport({ partitions: 1, clock });
    const at: number[] = [];
    await t.subscribe('g', async () => {
      at.push(clock.now());
      throw new Error('down');
    });
    await t.publish(event('k', 0));
    await eventually(() => at.length === 1);
    for (const step of [10, 20, 40, 80]) {
      const before = at.length;
      clock.advanceBy(step - 1);
      for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
      expect(at).toHaveLength(before);
      clock.advanceBy(1);
      await eventually(() => at.length === before + 1);
    }
    expect(at).toEqual([0, 10, 30, 70, 150]);
    expect(await t.deadLetters('g')).toMatchObject([{ reason: 'down', attempts: 5 }]);
  });

  it('drops a waiting retry when its partition moves: the new owner delivers it at once', async () => {
    const clock = new SimulatedClock(0);
    const t = new MemoryTransport({ partitions: 1, clock });
    const deliveries: Array<[string, Delivery]> = [];
    const a = await t.subscribe(
      'g',
      async (_e, d) => {
        deliveries.push(['a', d]);
        throw new Error('not yet');
      },
      { member: 'a', backoffMs: () => 60_000 },
    );
    await t.subscribe('g', async (_e, d) => void deliveries.push(['b', d]), { member: 'b' });
    await t.publish(event('k', 0));
    await eventually(() => deliveries.length === 1);
    await a.close();
    await eventually(() => deliveries.length === 2);
    expect(clock.now()).toBe(0);
    expect(deliveries.map(([who, d]) => [who, d.attempt, d.epoch])).toEqual([
      ['a', 1, 1],
      ['b', 2, 2],
    ]);
  });

  it('replays from fromOffset only the partitions a member is given when it subscribes', async () => {
    const t = new MemoryTransport({ partitions: 2, clock: new SimulatedClock() });
    const keys = ['acc-0', 'acc-1', 'acc-2', 'acc-3'];
    const key0 = keys.find((k) => t.partitionOf(k) === 0)!;
    const key1 = keys.find((k) => t.partitionOf(k) === 1)!;
    const seen: string[] = [];
    const a = await t.subscribe('g', async (_e, d) => void seen.push(`a ${d.partition}:${d.offset}`), {
      member: 'a',
    });
    for (let i = 0; i < 2; i++) {
      await t.publish(event(key0, i));
      await t.publish(event(key1, i));
    }
    await eventually(() => seen.length === 4);
    await t.subscribe('g', async (_e, d) => void seen.push(`b ${d.partition}:${d.offset}`), {
      member: 'b',
      fromOffset: 0,
    });
    await eventually(() => seen.length === 6);
    expect(seen.slice(4)).toEqual(['b 1:0', 'b 1:1']);
    expect(held(a)).toEqual([0]);
  });

  it('reports callback failures after subscribing to onError: a failed onRevoked still moves the partitions', async () => {
    const t = new MemoryTransport({ partitions: 2, clock: new SimulatedClock() });
    const errors: string[] = [];
    const onError = (e: unknown) => void errors.push((e as Error).message);
    const a = await t.subscribe('g', noop, {
      member: 'a',
      onRevoked: () => {
        throw new Error('flush failed');
      },
      onError,
    });
    const b = await t.subscribe('g', noop, { member: 'b' });
    expect(errors).toEqual(['flush failed']);
    expect([held(a), held(b)]).toEqual([[0], [1]]);
  });

  it('takes out a member whose onAssigned fails in a later rebalance, reporting to onError', async () => {
    const t = new MemoryTransport({ partitions: 2, clock: new SimulatedClock() });
    const errors: string[] = [];
    let calls = 0;
    const a = await t.subscribe('g', noop, { member: 'a' });
    const b = await t.subscribe('g', noop, {
      member: 'b',
      onAssigned: () => {
        // The first assignment (while subscribing) works, the next one fails.
        if (++calls > 1) throw new Error('state store unreachable');
      },
      onError: (e) => void errors.push((e as Error).message),
    });
    expect(held(b)).toEqual([1]);
    await a.close();
    expect(errors).toEqual(['state store unreachable']);
    expect(held(b)).toEqual([]);
    // Nobody holds the partitions now; a new member gets them all.
    const c = await t.subscribe('g', noop, { member: 'c' });
    expect(held(c)).toEqual([0, 1]);
  });
});
