import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { createMemoryEventStore } from '../../src/adapters/stores/memory/memory-store.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import type { Clock } from '../../src/ports/clock.ts';
import type {
  Delivery,
  DeliveryHandler,
  SubscribeOptions,
  Subscription,
  Transport,
} from '../../src/ports/transport.ts';
import { eventually } from '../support/eventually.ts';

/** What the suite hands a transport factory: a partition count and the clock backoffs run on. */
export interface TransportFactoryConfig {
  readonly partitions: number;
  /** A simulated clock the suite drives; retry backoffs must wait on it. */
  readonly clock: Clock;
}

/** What an adapter's contract test can give the suite beyond its factory. */
export interface TransportContractOptions {
  /**
   * Waits until `condition` holds; `eventually` (bounded event-loop turns) by default. A broker
   * transport gives one with a bound that fits a round trip to its server.
   */
  readonly waitFor?: (condition: () => boolean) => Promise<void>;
}

let counter = 0;

/** A fresh envelope of `key`, its sequence number in `data.seq`. */
function event(key: string, seq: number): Envelope {
  counter++;
  return {
    id: `01KE77A8R0RNBD58JGTEF${String(counter).padStart(5, '0')}`,
    type: 'Risk.Alert.Triggered.v1',
    key,
    ts: '2026-01-05T14:00:00.000Z',
    data: { code: 'TEST', severity: 'info', message: `m${seq}`, seq },
  };
}

const seqOf = (e: Envelope): number => e.data.seq as number;

/** Lets the event loop turn `n` times, so that work which could happen does. Never sleeps. */
async function turns(n = 50): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Handlers wait here until the test lets them go. */
class Gate {
  private readonly waiting: Array<() => void> = [];

  get size(): number {
    return this.waiting.length;
  }

  wait(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  releaseOne(): void {
    this.waiting.shift()?.();
  }

  releaseAll(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

/** What the membership callbacks of the subscriptions in one test reported, in order. */
type Happening =
  | { readonly who: string; readonly what: 'assigned'; readonly epochs: ReadonlyMap<number, number> }
  | { readonly who: string; readonly what: 'revoked'; readonly partitions: readonly number[] }
  | { readonly who: string; readonly what: 'done'; readonly partition: number; readonly epoch: number };

const sorted = (partitions: Iterable<number>): number[] => [...partitions].sort((a, b) => a - b);

/**
 * The behaviour every transport owes Warden. Run it from
 * `test/contract/<adapter>-transport.contract.test.ts` with `open` building a fresh transport per
 * test; the suite closes every transport it opens.
 */
export function transportContract(
  name: string,
  open: (config: TransportFactoryConfig) => Promise<Transport>,
  options: TransportContractOptions = {},
): void {
  const waitFor = options.waitFor ?? ((condition: () => boolean) => eventually(condition));

  describe(`transport contract: ${name}`, () => {
    const opened: Transport[] = [];
    afterEach(async () => {
      for (const t of opened.splice(0)) await t.close();
    });

    async function transport(partitions: number, clock: Clock = new SimulatedClock(0)): Promise<Transport> {
      const t = await open({ partitions, clock });
      opened.push(t);
      return t;
    }

    /** One key per partition, `keys[p]` landing on partition `p`. */
    function keysByPartition(t: Transport): string[] {
      const keys = new Array<string>(t.partitions);
      let found = 0;
      for (let i = 0; found < t.partitions; i++) {
        const p = t.partitionOf(`acc-${i}`);
        if (keys[p] === undefined) {
          keys[p] = `acc-${i}`;
          found++;
        }
      }
      return keys;
    }

    /**
     * Subscribes member `who` of group `g`, reporting its callbacks and finished deliveries in
     * `log`; `handler` runs each delivery first.
     */
    function member(
      t: Transport,
      who: string,
      log: Happening[],
      handler: DeliveryHandler = async () => undefined,
      extra: Omit<SubscribeOptions, 'member' | 'partitions'> = {},
    ): Promise<Subscription> {
      return t.subscribe(
        'g',
        async (e, d) => {
          await handler(e, d);
          log.push({ who, what: 'done', partition: d.partition, epoch: d.epoch });
        },
        {
          ...extra,
          member: who,
          onAssigned: (_partitions, epochs) => {
            log.push({ who, what: 'assigned', epochs: new Map(epochs) });
          },
          onRevoked: (partitions) => {
            log.push({ who, what: 'revoked', partitions: sorted(partitions) });
          },
        },
      );
    }

    describe('delivery', () => {
      it('delivers each key in publish order while producers publish concurrently', async () => {
        const t = await transport(4);
        const seen = new Map<string, number[]>();
        let total = 0;
        await t.subscribe('g', async (e) => {
          await Promise.resolve();
          seen.set(e.key, [...(seen.get(e.key) ?? []), seqOf(e)]);
          total++;
        });
        const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
        await Promise.all(
          keys.map(async (k) => {
            for (let i = 0; i < 50; i++) await t.publish(event(k, i));
          }),
        );
        await waitFor(() => total === 300);
        for (const k of keys) expect(seen.get(k)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      });

      it('keeps at most one delivery in flight per partition', async () => {
        const t = await transport(2);
        const inFlight = [0, 0];
        const maxSeen = [0, 0];
        const gate = new Gate();
        let done = 0;
        await t.subscribe('g', async (_e, d) => {
          inFlight[d.partition]!++;
          maxSeen[d.partition] = Math.max(maxSeen[d.partition]!, inFlight[d.partition]!);
          await gate.wait();
          inFlight[d.partition]!--;
          done++;
        });
        for (let i = 0; i < 12; i++) await t.publish(event(`k${i}`, i));
        while (done < 12) {
          await waitFor(() => gate.size > 0 || done === 12);
          await turns(5);
          gate.releaseOne();
        }
        expect(maxSeen.reduce((a, b) => a + b)).toBeGreaterThan(0);
        expect(Math.max(...maxSeen)).toBe(1);
      });

      it('retries a failing handler with backoff on the clock, then dead-letters it with the reason', async () => {
        const clock = new SimulatedClock(0);
        const t = await transport(1, clock);
        const attempts: Delivery[] = [];
        const after: number[] = [];
        await t.subscribe(
          'g',
          async (e, d) => {
            if (seqOf(e) === 0) {
              attempts.push(d);
              throw new Error('database is down');
            }
            after.push(seqOf(e));
          },
          { maxAttempts: 3, backoffMs: (a) => 100 * a },
        );
        await t.publish(event('k', 0));
        await t.publish(event('k', 1));
        await waitFor(() => attempts.length === 1);
        // The next event of the partition waits behind the failing one, and the retry on the clock.
        await turns();
        expect(after).toEqual([]);
        clock.advanceBy(99);
        await turns();
        expect(attempts).toHaveLength(1);
        clock.advanceBy(1);
        await waitFor(() => attempts.length === 2);
        clock.advanceBy(200);
        await waitFor(() => attempts.length === 3);
        await waitFor(() => after.length === 1);
        expect(attempts.map((a) => [a.attempt, a.offset])).toEqual([
          [1, 0],
          [2, 0],
          [3, 0],
        ]);
        const dead = await t.deadLetters('g');
        expect(dead).toHaveLength(1);
        expect(dead[0]).toMatchObject({ reason: 'database is down', attempts: 3, offset: 0, partition: 0 });
        expect(dead[0]!.envelope.data.seq).toBe(0);
        expect(after).toEqual([1]);
        expect(await t.deadLetters('other')).toEqual([]);
      });

      it('resumes a group from its committed position, and replays from an offset', async () => {
        const t = await transport(1);
        const first: number[] = [];
        const sub = await t.subscribe('g', async (e) => {
          first.push(seqOf(e));
        });
        for (let i = 0; i < 3; i++) await t.publish(event('k', i));
        await waitFor(() => first.length === 3);
        await sub.close();
        await t.publish(event('k', 3));
        const resumed: Array<[number, number]> = [];
        const second = await t.subscribe('g', async (e, d) => {
          resumed.push([seqOf(e), d.offset]);
        });
        await waitFor(() => resumed.length === 1);
        expect(resumed).toEqual([[3, 3]]);
        await second.close();
        const replayed: number[] = [];
        await t.subscribe(
          'g',
          async (e) => {
            replayed.push(seqOf(e));
          },
          { fromOffset: 1 },
        );
        await waitFor(() => replayed.length === 3);
        expect(replayed).toEqual([1, 2, 3]);
        // Another group starts from the beginning.
        const other: number[] = [];
        await t.subscribe('other', async (e) => {
          other.push(seqOf(e));
        });
        await waitFor(() => other.length === 4);
        expect(other).toEqual([0, 1, 2, 3]);
      });
    });

    describe('static assignment', () => {
      it('delivers to a subscription only the partitions it holds, with their epochs', async () => {
        const t = await transport(4);
        const keys = keysByPartition(t);
        const seen = { low: [] as Delivery[], high: [] as Delivery[] };
        const low = await t.subscribe('g', async (_e, d) => void seen.low.push(d), { partitions: [0, 1] });
        const high = await t.subscribe('g', async (_e, d) => void seen.high.push(d), {
          partitions: new Set([2, 3]),
        });
        expect(sorted(low.assignment().keys())).toEqual([0, 1]);
        expect(sorted(high.assignment().keys())).toEqual([2, 3]);
        for (let i = 0; i < 20; i++) await t.publish(event(keys[i % 4]!, i));
        await waitFor(() => seen.low.length + seen.high.length === 20);
        expect(new Set(seen.low.map((d) => d.partition))).toEqual(new Set([0, 1]));
        expect(new Set(seen.high.map((d) => d.partition))).toEqual(new Set([2, 3]));
        for (const d of seen.low) expect(d.epoch).toBe(low.assignment().get(d.partition));
        for (const d of seen.high) expect(d.epoch).toBe(high.assignment().get(d.partition));
      });

      it('takes a partition over from the static subscription holding it, under a new epoch', async () => {
        const t = await transport(2);
        const keys = keysByPartition(t);
        const log: string[] = [];
        const gate = new Gate();
        const first = await t.subscribe(
          'g',
          async (_e, d) => {
            await gate.wait();
            log.push(`first done ${d.partition}`);
          },
          { onRevoked: (partitions) => void log.push(`first revoked ${sorted(partitions)}`) },
        );
        const before = new Map(first.assignment());
        expect(sorted(before.keys())).toEqual([0, 1]);
        await t.publish(event(keys[1]!, 0));
        await waitFor(() => gate.size === 1);
        const taking = t.subscribe('g', async (_e, d) => void log.push(`second done ${d.partition}`), {
          partitions: [1],
          onAssigned: (partitions, epochs) =>
            void log.push(`second assigned ${sorted(partitions)} > ${epochs.get(1)! > before.get(1)!}`),
        });
        await turns();
        expect(log).toEqual([]);
        gate.releaseAll();
        const second = await taking;
        await t.publish(event(keys[1]!, 1));
        await waitFor(() => log.length === 4);
        expect(log).toEqual(['first done 1', 'first revoked 1', 'second assigned 1 > true', 'second done 1']);
        expect([...first.assignment()]).toEqual([[0, before.get(0)]]);
        expect(second.assignment().get(1)).toBeGreaterThan(before.get(1)!);
      });
    });

    describe('group membership', () => {
      it('rebalances when a second member joins: in-flight first, then revocation, then assignment under higher epochs', async () => {
        const t = await transport(4);
        const keys = keysByPartition(t);
        const log: Happening[] = [];
        const gate = new Gate();
        const a = await member(t, 'a', log, () => gate.wait());
        const aEpochs = new Map(a.assignment());
        expect(sorted(aEpochs.keys())).toEqual([0, 1, 2, 3]);
        expect(log).toEqual([{ who: 'a', what: 'assigned', epochs: aEpochs }]);
        for (const key of keys) await t.publish(event(key, 0));
        await waitFor(() => gate.size === 4);

        let joined = false;
        const joining = member(t, 'b', log).then((s) => {
          joined = true;
          return s;
        });
        await turns();
        // Every partition has a delivery in flight: nothing may move yet.
        expect(joined).toBe(false);
        expect(log.filter((h) => h.what !== 'done')).toHaveLength(1);
        gate.releaseAll();
        const b = await joining;

        const moved = sorted(b.assignment().keys());
        const kept = sorted(a.assignment().keys());
        expect(moved).toHaveLength(2);
        expect(kept).toHaveLength(2);
        expect(sorted([...moved, ...kept])).toEqual([0, 1, 2, 3]);
        for (const p of moved) {
          const done = log.findIndex((h) => h.who === 'a' && h.what === 'done' && h.partition === p);
          const revoked = log.findIndex(
            (h) => h.who === 'a' && h.what === 'revoked' && h.partitions.includes(p),
          );
          const assigned = log.findIndex((h) => h.who === 'b' && h.what === 'assigned' && h.epochs.has(p));
          expect(done).toBeGreaterThanOrEqual(0);
          expect(revoked).toBeGreaterThan(done);
          expect(assigned).toBeGreaterThan(revoked);
          expect(b.assignment().get(p)).toBeGreaterThan(aEpochs.get(p)!);
        }
        const given = log.find((h) => h.who === 'b' && h.what === 'assigned');
        expect(given).toMatchObject({ epochs: b.assignment() });
      });

      it('delivers under the epochs of the assignment, and hands a leaving member’s partitions back', async () => {
        const t = await transport(4);
        const keys = keysByPartition(t);
        const log: Happening[] = [];
        const subs = new Map<string, Subscription>();
        const mismatches: string[] = [];
        const check = (who: string) => async (_e: Envelope, d: Delivery) => {
          const held = subs.get(who)?.assignment().get(d.partition);
          if (held !== undefined && held !== d.epoch)
            mismatches.push(`${who} ${d.partition}@${d.epoch}≠${held}`);
        };
        subs.set('a', await member(t, 'a', log, check('a')));
        subs.set('b', await member(t, 'b', log, check('b')));
        const bHeld = new Map(subs.get('b')!.assignment());
        for (const key of keys) await t.publish(event(key, 0));
        await waitFor(() => log.filter((h) => h.what === 'done').length === 4);
        for (const h of log) {
          if (h.what === 'done') expect(subs.get(h.who)!.assignment().get(h.partition)).toBe(h.epoch);
        }

        await subs.get('b')!.close();
        expect(subs.get('b')!.assignment().size).toBe(0);
        const revoked = log.find((h) => h.who === 'b' && h.what === 'revoked');
        expect(revoked).toEqual({ who: 'b', what: 'revoked', partitions: sorted(bHeld.keys()) });
        const a = subs.get('a')!;
        expect(sorted(a.assignment().keys())).toEqual([0, 1, 2, 3]);
        for (const [p, epoch] of bHeld) expect(a.assignment().get(p)).toBeGreaterThan(epoch);
        const handedBack = log.at(-1);
        expect(handedBack).toMatchObject({ who: 'a', what: 'assigned' });

        const from = log.length;
        for (const key of keys) await t.publish(event(key, 1));
        await waitFor(() => log.length === from + 4);
        for (const h of log.slice(from)) {
          expect(h).toMatchObject({ who: 'a', what: 'done' });
          if (h.what === 'done') expect(h.epoch).toBe(a.assignment().get(h.partition));
        }
        expect(mismatches).toEqual([]);
        // Closing twice is harmless.
        await subs.get('b')!.close();
      });

      it('loses no event and never lets two owners deliver one partition at once, across rebalances', async () => {
        const t = await transport(8);
        const holds = new Map<string, Map<number, number>>();
        const inFlight = new Array<number>(8).fill(0);
        const epochHistory = Array.from({ length: 8 }, () => [] as number[]);
        const problems: string[] = [];
        const delivered = new Map<string, number>();
        const seqs = new Map<string, number[]>();
        const join = (who: string) =>
          t.subscribe(
            'g',
            async (e, d) => {
              if (holds.get(who)?.get(d.partition) !== d.epoch) {
                problems.push(`${who} got partition ${d.partition} at epoch ${d.epoch} it does not hold`);
              }
              if (++inFlight[d.partition]! > 1) problems.push(`two deliveries in flight on ${d.partition}`);
              await new Promise<void>((resolve) => setImmediate(resolve));
              inFlight[d.partition]!--;
              delivered.set(e.id, (delivered.get(e.id) ?? 0) + 1);
              seqs.set(e.key, [...(seqs.get(e.key) ?? []), seqOf(e)]);
            },
            {
              member: who,
              onAssigned: (partitions, epochs) => {
                for (const p of partitions) {
                  for (const [other, held] of holds) {
                    if (held.has(p)) problems.push(`${who} got ${p} while ${other} holds it`);
                  }
                  epochHistory[p]!.push(epochs.get(p)!);
                }
                holds.set(who, new Map([...(holds.get(who) ?? []), ...epochs]));
              },
              onRevoked: (partitions) => {
                for (const p of partitions) holds.get(who)?.delete(p);
              },
            },
          );
        const keys = Array.from({ length: 40 }, (_, i) => `acc-${i}`);
        const producing = (async () => {
          for (let i = 0; i < 400; i++) {
            await t.publish(event(keys[i % 40]!, Math.floor(i / 40)));
            if (i % 7 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
          }
        })();
        const m1 = await join('m1');
        await turns(3);
        await join('m2');
        const m3 = await join('m3');
        await turns(3);
        await m1.close();
        await join('m4');
        await m3.close();
        await producing;
        await waitFor(() => delivered.size === 400);
        await turns();
        expect(problems).toEqual([]);
        expect([...delivered.values()].every((n) => n === 1)).toBe(true);
        for (const key of keys) expect(seqs.get(key)).toEqual(Array.from({ length: 10 }, (_, i) => i));
        for (const history of epochHistory) {
          expect(history.length).toBeGreaterThan(0);
          for (let i = 1; i < history.length; i++) expect(history[i]).toBeGreaterThan(history[i - 1]!);
        }
      });

      it('counts attempts of an event across owners', async () => {
        const clock = new SimulatedClock(0);
        const t = await transport(1, clock);
        const attempts: Array<[string, number]> = [];
        let holder = '';
        const failing = (who: string) => async (_e: Envelope, d: Delivery) => {
          attempts.push([who, d.attempt]);
          if (who === holder) throw new Error('not yet');
        };
        const subs = {
          a: await t.subscribe('g', failing('a'), { member: 'a', backoffMs: () => 1_000 }),
          b: await t.subscribe('g', failing('b'), { member: 'b', backoffMs: () => 1_000 }),
        };
        holder = subs.a.assignment().has(0) ? 'a' : 'b';
        const other = holder === 'a' ? 'b' : 'a';
        await t.publish(event('k', 0));
        await waitFor(() => attempts.length === 1);
        await subs[holder as 'a' | 'b'].close();
        clock.advanceBy(1_000);
        await waitFor(() => attempts.length === 2);
        expect(attempts).toEqual([
          [holder, 1],
          [other, 2],
        ]);
        expect(await t.deadLetters('g')).toEqual([]);
      });

      it('takes out a member whose onAssigned fails, subscribe rejecting with its error', async () => {
        const t = await transport(4);
        const log: Happening[] = [];
        const a = await member(t, 'a', log);
        const failing = t.subscribe('g', async () => undefined, {
          member: 'b',
          onAssigned: () => {
            throw new Error('cannot load the partition state');
          },
        });
        await expect(failing).rejects.toThrow('cannot load the partition state');
        expect(sorted(a.assignment().keys())).toEqual([0, 1, 2, 3]);
        // The member id is free again.
        const b = await member(t, 'b', log);
        expect(b.assignment().size).toBe(2);
      });
    });

    describe('fencing', () => {
      it('refuses, in the store, the commit of an owner whose partition was revoked, with WARDEN_STORE_FENCED', async () => {
        const t = await transport(2);
        const keys = keysByPartition(t);
        const store = createMemoryEventStore();
        const handled: string[] = [];
        // Each owner claims its partitions in the store before its first delivery, and commits its
        // work fenced with the delivery's epoch, as a Warden worker does.
        const claim = async (partitions: readonly number[], epochs: ReadonlyMap<number, number>) => {
          for (const p of partitions) await store.commit({ fence: { partition: p, epoch: epochs.get(p)! } });
        };
        const work = (who: string) => async (e: Envelope, d: Delivery) => {
          await store.commit({
            events: [{ ...event(e.key, seqOf(e)), type: 'Risk.Alert.Handled.v1' }],
            processed: { consumer: 'g', eventIds: [e.id] },
            fence: { partition: d.partition, epoch: d.epoch },
          });
          handled.push(`${who}:${d.partition}`);
        };
        const a = await t.subscribe('g', work('a'), { member: 'a', onAssigned: claim });
        for (const key of keys) await t.publish(event(key, 0));
        await waitFor(() => handled.length === 2);
        const stale = new Map(a.assignment());

        const b = await t.subscribe('g', work('b'), { member: 'b', onAssigned: claim });
        const [moved] = [...b.assignment().keys()];
        expect(b.assignment().size).toBe(1);
        expect(a.assignment().has(moved!)).toBe(false);
        // `a`, unaware it lost the partition (a long pause, a lost connection), commits late.
        const late = store.commit({
          events: [event(keys[moved!]!, 99)],
          fence: { partition: moved!, epoch: stale.get(moved!)! },
        });
        await expect(late).rejects.toMatchObject({
          code: 'WARDEN_STORE_FENCED',
          details: { partition: moved, epoch: stale.get(moved!), current: b.assignment().get(moved!) },
        });
        expect(await store.head()).toBe(2);

        for (const key of keys) await t.publish(event(key, 1));
        await waitFor(() => handled.length === 4);
        const kept = 1 - moved!;
        expect(handled.slice(2).sort()).toEqual([`a:${kept}`, `b:${moved}`].sort());
        expect(await store.head()).toBe(4);
      });
    });

    describe('misuse', () => {
      it('refuses subscriptions it cannot honour with WARDEN_TRANSPORT_SUBSCRIBE_INVALID', async () => {
        const t = await transport(2);
        const handler = async () => undefined;
        const invalid = { code: 'WARDEN_TRANSPORT_SUBSCRIBE_INVALID' };
        await expect(t.subscribe('g', handler, { partitions: [2] })).rejects.toMatchObject(invalid);
        await expect(t.subscribe('g', handler, { partitions: [-1] })).rejects.toMatchObject(invalid);
        await expect(
          t.subscribe('g', handler, { member: 'a', partitions: [0] } as unknown as SubscribeOptions),
        ).rejects.toMatchObject(invalid);
        await t.subscribe('members', handler, { member: 'a' });
        await expect(t.subscribe('members', handler, { member: 'a' })).rejects.toMatchObject(invalid);
        await expect(t.subscribe('members', handler, { partitions: [0] })).rejects.toMatchObject(invalid);
        await t.subscribe('static', handler, { partitions: [0] });
        await expect(t.subscribe('static', handler, { member: 'b' })).rejects.toMatchObject(invalid);
      });

      it('revokes every subscription on close, then refuses to publish or subscribe', async () => {
        const t = await transport(2);
        const revoked: number[][] = [];
        await t.subscribe('g', async () => undefined, {
          member: 'a',
          onRevoked: (partitions) => void revoked.push(sorted(partitions)),
        });
        await t.close();
        expect(revoked).toEqual([[0, 1]]);
        const closed = { code: 'WARDEN_TRANSPORT_CLOSED' };
        await expect(t.publish(event('k', 0))).rejects.toMatchObject(closed);
        await expect(t.subscribe('g', async () => undefined)).rejects.toMatchObject(closed);
      });
    });
  });
}
