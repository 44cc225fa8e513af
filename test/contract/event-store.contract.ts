import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENESIS_HASH, linkHash, verifyChain } from '../../src/adapters/stores/chain.ts';
import type { Envelope, Urgency } from '../../src/domain/events/envelope.ts';
import type { DecisionRow, EventStore, PositionRow, StoredEvent, WriterLock } from '../../src/ports/store.ts';
import { startLockHolder } from '../support/lock-holder.ts';

/** What an adapter's contract test can give the suite beyond a factory of fresh, empty stores. */
export interface EventStoreContractOptions {
  /**
   * Opens again the store the last `open()` returned, after the suite closed it. Given only by
   * durable stores; the persistence test runs when it is present.
   */
  readonly reopen?: () => Promise<EventStore>;
  /** Changes the stored `data` of the event at `position` behind the store's back. */
  readonly tamper?: (store: EventStore, position: number) => Promise<void>;
  /**
   * The spec (`openEventStore`'s argument) another process opens the last `open()`'s store with.
   * Given by stores other processes can share; the test of a lock left by a dead process runs
   * when it is present.
   */
  readonly spec?: () => string;
}

/** Epoch ms of the first fixture event: 2026-01-01T00:00:00.000Z. */
const T0 = Date.UTC(2026, 0, 1);

/** A fixed ULID-shaped id for fixture number `n` (digits are valid Crockford base32). */
function idOf(n: number): string {
  return `01HZX0000000000000${String(n).padStart(8, '0')}`;
}

interface EnvelopeSpec {
  readonly type?: string;
  readonly key?: string;
  /** Milliseconds after `T0`. */
  readonly at?: number;
  readonly urgency?: Urgency;
  readonly causationId?: string;
  readonly correlationId?: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

/** Fixture envelope `n`, built field by field in envelope order with absent optional fields left out. */
function env(n: number, spec: EnvelopeSpec = {}): Envelope {
  const e: Record<string, unknown> = {
    id: idOf(n),
    type: spec.type ?? 'Trading.Order.Placed.v1',
    key: spec.key ?? 'acc-1',
    ts: new Date(T0 + (spec.at ?? n * 1000)).toISOString(),
  };
  if (spec.urgency !== undefined) e.urgency = spec.urgency;
  if (spec.causationId !== undefined) e.causationId = spec.causationId;
  if (spec.correlationId !== undefined) e.correlationId = spec.correlationId;
  e.data = spec.data ?? { n };
  return e as unknown as Envelope;
}

/** `count` envelopes numbered from `from`, on one key. */
function batch(from: number, count: number, key = 'acc-1'): Envelope[] {
  return Array.from({ length: count }, (_, i) => env(from + i, { key }));
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

const ids = (events: readonly StoredEvent[]): string[] => events.map((e) => e.envelope.id);

/**
 * Six events over three keys, two positions and two correlation chains, with keys of `data` in
 * no particular order so that a store which reorders them is caught by the JSON comparison.
 */
function fixtureEvents(): Envelope[] {
  return [
    env(1, { key: 'acc-A', data: { positionId: 'P1', zeta: 1, alpha: { y: [1, 'two', null], b: true } } }),
    env(2, {
      key: 'acc-A',
      type: 'Trading.Order.Filled.v1',
      causationId: idOf(1),
      correlationId: idOf(1),
      data: { qty: '1.50', positionId: 'P1' },
    }),
    env(3, { key: 'acc-B', urgency: 'HIGH', data: { positionId: 'P2', note: 'ünïcødé ✓ "quoted"' } }),
    env(4, {
      key: 'acc-A',
      type: 'Risk.Order.Denied.v1',
      urgency: 'CRITICAL',
      causationId: idOf(2),
      correlationId: idOf(1),
      data: { reason: 'DAILY_LOSS', limit: -250.75 },
    }),
    env(5, {
      key: 'acc-B',
      type: 'Trading.Position.Closed.v1',
      correlationId: idOf(3),
      data: { positionId: 'P2', pnl: 12.5 },
    }),
    env(6, { key: 'acc-C', at: 5000, data: { positionId: 'P1', empty: {}, list: [] } }),
  ];
}

const position = (over: Partial<PositionRow> & Pick<PositionRow, 'id'>): PositionRow => ({
  accountId: 'acc-1',
  symbol: 'ESZ5',
  side: 'long',
  quantity: 2,
  entryPrice: 4500.25,
  openedAt: T0,
  status: 'open',
  ...over,
});

/** A decision with every optional field set. */
const fullDecision = (id: string, positionId: string, decidedAt: number): DecisionRow => ({
  id,
  positionId,
  accountId: 'acc-1',
  decidedAt,
  policy: 'llm',
  trigger: 'candle-close:5m',
  action: 'tighten_stop',
  confidence: 0.85,
  reasoning: 'Momentum faded; protect the open profit.',
  actionDetails: { newStop: 4510.5, reasons: ['momentum', 'volume'] },
  stateAtDecision: { position: { id: positionId, unrealized: 42.1 }, account: { equity: 100_000 } },
  marketContext: { last: 4520.25, atr: 3.1 },
  rawResponse: '{"action":"tighten_stop"}',
  latencyMs: 812,
  promptTokens: 1234,
  completionTokens: 56,
  cost: 0.01234,
  model: 'model-x',
  fallbackReason: 'none',
  promptVersion: 'manage-position.v1',
  rejected: { policy: 'llm', rule: 'STOP_WIDENED', proposed: { action: 'ADJUST_STOP', newStopPrice: 1 } },
});

/** A decision with only the required fields. */
const bareDecision = (id: string, positionId: string, decidedAt: number): DecisionRow => ({
  id,
  positionId,
  accountId: 'acc-2',
  decidedAt,
  policy: 'rules',
  trigger: 'tick',
  action: 'hold',
  confidence: 1,
  reasoning: '',
  latencyMs: 0,
});

/**
 * The behaviour every event store adapter owes Warden. Run it from
 * `test/contract/<adapter>-store.contract.test.ts` with `open` building a fresh, empty store per
 * test; the suite closes every store it opens.
 */
export function eventStoreContract(
  name: string,
  open: () => Promise<EventStore>,
  options: EventStoreContractOptions = {},
): void {
  describe(`event store contract: ${name}`, () => {
    let store: EventStore;
    let closed: boolean;

    beforeEach(async () => {
      store = await open();
      closed = false;
    });

    afterEach(async () => {
      if (!closed) await store.close();
    });

    /** Asserts the store holds exactly `expected` (by id) and that its chain is intact. */
    async function expectLog(expected: readonly string[]): Promise<void> {
      expect(ids(await collect(store.read()))).toEqual(expected);
      expect(await store.head()).toBe(expected.length);
      expect((await verifyChain(store.read())).ok).toBe(true);
    }

    describe('append', () => {
      it('assigns gap-free global positions and per-key versions from 1, with chained hashes', async () => {
        const first = await store.append([env(1, { key: 'a' }), env(2, { key: 'b' }), env(3, { key: 'a' })]);
        const second = await store.append([env(4, { key: 'b' }), env(5, { key: 'a' })]);
        const all = [...first, ...second];
        expect(all.map((e) => [e.position, e.version, e.envelope.key])).toEqual([
          [1, 1, 'a'],
          [2, 1, 'b'],
          [3, 2, 'a'],
          [4, 2, 'b'],
          [5, 3, 'a'],
        ]);
        let previous = GENESIS_HASH;
        for (const e of all) {
          expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
          expect(e.hash).toBe(linkHash(previous, e.position, e.version, e.envelope));
          previous = e.hash;
        }
        expect(ids(all)).toEqual([1, 2, 3, 4, 5].map(idOf));
      });

      it('returns nothing and changes nothing for an empty batch', async () => {
        expect(await store.append([])).toEqual([]);
        expect(await store.head()).toBe(0);
        await store.append([env(1)]);
        expect(await store.append([])).toEqual([]);
        expect(await store.head()).toBe(1);
      });

      it('reads back envelopes equal to the ones appended, field for field and in JSON', async () => {
        const appended = fixtureEvents();
        const stored = await store.append(appended);
        const read = await collect(store.read());
        expect(read.map((e) => e.envelope)).toEqual(appended);
        expect(read.map((e) => JSON.stringify(e.envelope))).toEqual(appended.map((e) => JSON.stringify(e)));
        expect(read.map((e) => Object.keys(e.envelope))).toEqual(appended.map((e) => Object.keys(e)));
        expect(read.map(({ position, version, hash }) => ({ position, version, hash }))).toEqual(
          stored.map(({ position, version, hash }) => ({ position, version, hash })),
        );
      });

      it('rejects an id already stored with WARDEN_EVENT_DUPLICATE and appends nothing of the batch', async () => {
        await store.append([env(1), env(2)]);
        await expect(store.append([env(3), env(2), env(4)])).rejects.toMatchObject({
          name: 'WardenError',
          code: 'WARDEN_EVENT_DUPLICATE',
        });
        await expectLog([idOf(1), idOf(2)]);
        expect(await store.version('acc-1')).toBe(2);
      });

      it('rejects an id given twice in one batch with WARDEN_EVENT_DUPLICATE and appends nothing', async () => {
        await expect(store.append([env(1), env(2), env(1)])).rejects.toMatchObject({
          code: 'WARDEN_EVENT_DUPLICATE',
        });
        await expectLog([]);
        expect(await store.version('acc-1')).toBe(0);
      });

      it('appends when expectedVersion matches the key, from 0 for a new key', async () => {
        const first = await store.append(batch(1, 2, 'k'), { expectedVersion: 0 });
        const second = await store.append(batch(3, 3, 'k'), { expectedVersion: 2 });
        expect([...first, ...second].map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
        expect(await store.version('k')).toBe(5);
      });

      it('rejects a stale expectedVersion with WARDEN_STORE_CONFLICT and appends nothing', async () => {
        await store.append(batch(1, 2, 'k'));
        await store.append([env(3, { key: 'other' })]);
        await expect(store.append(batch(4, 2, 'k'), { expectedVersion: 1 })).rejects.toMatchObject({
          code: 'WARDEN_STORE_CONFLICT',
        });
        await expect(store.append(batch(4, 2, 'k'), { expectedVersion: 3 })).rejects.toMatchObject({
          code: 'WARDEN_STORE_CONFLICT',
        });
        await expect(store.append(batch(4, 1, 'new'), { expectedVersion: 1 })).rejects.toMatchObject({
          code: 'WARDEN_STORE_CONFLICT',
        });
        await expectLog([idOf(1), idOf(2), idOf(3)]);
        expect(await store.version('k')).toBe(2);
        expect(await store.version('new')).toBe(0);
      });

      it('rejects expectedVersion on a batch that mixes keys, appending nothing', async () => {
        await expect(
          store.append([env(1, { key: 'a' }), env(2, { key: 'b' })], { expectedVersion: 0 }),
        ).rejects.toMatchObject({ code: 'WARDEN_STORE_CONFLICT' });
        await expectLog([]);
      });

      it('keeps positions gap-free after a rejected batch', async () => {
        await store.append([env(1)]);
        await expect(store.append([env(2), env(1)])).rejects.toMatchObject({
          code: 'WARDEN_EVENT_DUPLICATE',
        });
        await expect(store.append([env(3)], { expectedVersion: 7 })).rejects.toMatchObject({
          code: 'WARDEN_STORE_CONFLICT',
        });
        const next = await store.append([env(2), env(3)]);
        expect(next.map((e) => [e.position, e.version])).toEqual([
          [2, 2],
          [3, 3],
        ]);
        await expectLog([idOf(1), idOf(2), idOf(3)]);
      });

      it('appends a batch of 5,000 events in one call', async () => {
        const big = batch(1, 5000);
        const stored = await store.append(big);
        expect(stored).toHaveLength(5000);
        expect(stored.at(-1)).toMatchObject({ position: 5000, version: 5000 });
        const audit = await verifyChain(store.read());
        expect(audit).toEqual({ ok: true, checked: 5000, headHash: stored.at(-1)!.hash });
        expect(ids(await collect(store.read({ afterPosition: 4998 })))).toEqual([idOf(4999), idOf(5000)]);
      });

      it('lands concurrent appends whole, in one gap-free valid chain', async () => {
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.append(batch(1 + i * 10, 10, `k${i % 3}`))),
        );
        for (const r of results) {
          expect(r).toHaveLength(10);
          const first = r[0]!.position;
          expect(r.map((e) => e.position)).toEqual(Array.from({ length: 10 }, (_, j) => first + j));
        }
        const read = await collect(store.read());
        expect(read.map((e) => e.position)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
        expect(new Set(ids(read)).size).toBe(200);
        for (const key of ['k0', 'k1', 'k2']) {
          const versions = read.filter((e) => e.envelope.key === key).map((e) => e.version);
          expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
          expect(await store.version(key)).toBe(versions.length);
        }
        const audit = await verifyChain(store.read());
        expect(audit).toEqual({ ok: true, checked: 200, headHash: read.at(-1)!.hash });
      });
    });

    describe('read', () => {
      beforeEach(async () => {
        await store.append(fixtureEvents());
      });

      const readIds = async (query: Parameters<EventStore['read']>[0]) =>
        ids(await collect(store.read(query)));

      it('reads everything in global order without a query', async () => {
        expect(await readIds(undefined)).toEqual([1, 2, 3, 4, 5, 6].map(idOf));
        expect(await readIds({})).toEqual([1, 2, 3, 4, 5, 6].map(idOf));
      });

      it('reads by key', async () => {
        expect(await readIds({ key: 'acc-A' })).toEqual([1, 2, 4].map(idOf));
        expect(await readIds({ key: 'acc-B' })).toEqual([3, 5].map(idOf));
        expect(await readIds({ key: 'nobody' })).toEqual([]);
      });

      it('reads by type', async () => {
        expect(await readIds({ type: 'Trading.Order.Placed.v1' })).toEqual([1, 3, 6].map(idOf));
        expect(await readIds({ type: 'Risk.Order.Denied.v1' })).toEqual([idOf(4)]);
      });

      it('reads by data.positionId', async () => {
        expect(await readIds({ positionId: 'P1' })).toEqual([1, 2, 6].map(idOf));
        expect(await readIds({ positionId: 'P2' })).toEqual([3, 5].map(idOf));
        expect(await readIds({ positionId: 'P9' })).toEqual([]);
      });

      it('reads a correlation chain: the event that started it and every event correlated to it', async () => {
        expect(await readIds({ correlationId: idOf(1) })).toEqual([1, 2, 4].map(idOf));
        expect(await readIds({ correlationId: idOf(3) })).toEqual([3, 5].map(idOf));
        expect(await readIds({ correlationId: idOf(6) })).toEqual([idOf(6)]);
      });

      it('reads by time: since inclusive, until exclusive, in epoch ms', async () => {
        expect(await readIds({ since: T0 + 3000 })).toEqual([3, 4, 5, 6].map(idOf));
        expect(await readIds({ until: T0 + 3000 })).toEqual([1, 2].map(idOf));
        expect(await readIds({ since: T0 + 3000, until: T0 + 5000 })).toEqual([3, 4].map(idOf));
        expect(await readIds({ since: T0 + 5000, until: T0 + 5001 })).toEqual([5, 6].map(idOf));
        expect(await readIds({ since: T0 + 2001, until: T0 + 2999 })).toEqual([]);
      });

      it('reads after a position', async () => {
        expect(await readIds({ afterPosition: 0 })).toEqual([1, 2, 3, 4, 5, 6].map(idOf));
        expect(await readIds({ afterPosition: 4 })).toEqual([5, 6].map(idOf));
        expect(await readIds({ afterPosition: 6 })).toEqual([]);
        expect(await readIds({ afterPosition: 99 })).toEqual([]);
      });

      it('stops at the limit', async () => {
        expect(await readIds({ limit: 2 })).toEqual([1, 2].map(idOf));
        expect(await readIds({ limit: 100 })).toEqual([1, 2, 3, 4, 5, 6].map(idOf));
      });

      it('combines filters', async () => {
        expect(await readIds({ key: 'acc-A', type: 'Trading.Order.Placed.v1' })).toEqual([idOf(1)]);
        expect(await readIds({ positionId: 'P1', afterPosition: 1 })).toEqual([2, 6].map(idOf));
        expect(await readIds({ correlationId: idOf(1), limit: 2 })).toEqual([1, 2].map(idOf));
        expect(await readIds({ correlationId: idOf(1), afterPosition: 1, limit: 1 })).toEqual([idOf(2)]);
        expect(await readIds({ type: 'Trading.Order.Placed.v1', since: T0 + 2000 })).toEqual(
          [3, 6].map(idOf),
        );
        expect(await readIds({ key: 'acc-B', positionId: 'P2', until: T0 + 5000 })).toEqual([idOf(3)]);
        expect(await readIds({ key: 'acc-A', afterPosition: 2, limit: 5 })).toEqual([idOf(4)]);
      });

      it('reads stored events with their positions, versions and hashes', async () => {
        const [e] = await collect(store.read({ key: 'acc-B', afterPosition: 3 }));
        expect(e).toMatchObject({ position: 5, version: 2 });
        const all = await collect(store.read());
        expect(e!.hash).toBe(all[4]!.hash);
      });
    });

    describe('head and version', () => {
      it('report 0 for an empty store and a key without events', async () => {
        expect(await store.head()).toBe(0);
        expect(await store.version('acc-1')).toBe(0);
      });

      it('follow appends and commits', async () => {
        await store.append([env(1, { key: 'a' }), env(2, { key: 'b' }), env(3, { key: 'a' })]);
        await store.commit({ events: [env(4, { key: 'a' })] });
        expect(await store.head()).toBe(4);
        expect(await store.version('a')).toBe(3);
        expect(await store.version('b')).toBe(1);
        expect(await store.version('c')).toBe(0);
      });
    });

    describe('commit', () => {
      it('commits events, records, positions, decisions, inbox ids and a snapshot together', async () => {
        await store.append([env(1)]);
        const before = Date.now();
        const stored = await store.commit({
          events: [env(2), env(3, { key: 'acc-2' })],
          records: [
            { collection: 'accounts', id: 'acc-1', value: { equity: 1000, halted: false } },
            { collection: 'accounts', id: 'acc-2', value: [1, 2, 3] },
          ],
          positions: [position({ id: 'P1' })],
          decisions: [fullDecision('D1', 'P1', T0)],
          processed: { consumer: 'risk', eventIds: [idOf(1)] },
          snapshot: { name: 'engine', data: { accounts: 2, nested: { ok: true } } },
        });
        const after = Date.now();
        expect(stored.map((e) => [e.envelope.id, e.position, e.version])).toEqual([
          [idOf(2), 2, 2],
          [idOf(3), 3, 1],
        ]);
        await expectLog([1, 2, 3].map(idOf));
        expect(await store.record('accounts', 'acc-1')).toEqual({ equity: 1000, halted: false });
        expect(await store.record('accounts', 'acc-2')).toEqual([1, 2, 3]);
        expect(await store.positions()).toEqual([position({ id: 'P1' })]);
        expect(await store.decisions()).toEqual([fullDecision('D1', 'P1', T0)]);
        expect(await store.processed('risk', idOf(1))).toBe(true);
        const snapshot = await store.latestSnapshot('engine');
        expect(snapshot).toMatchObject({
          name: 'engine',
          position: 3,
          data: { accounts: 2, nested: { ok: true } },
        });
        expect(snapshot!.takenAt).toBeGreaterThanOrEqual(before);
        expect(snapshot!.takenAt).toBeLessThanOrEqual(after);
      });

      it('commits a unit without events, with the snapshot at the current head', async () => {
        await store.append(batch(1, 4));
        expect(await store.commit({ records: [{ collection: 'c', id: 'x', value: 1 }] })).toEqual([]);
        expect(await store.commit({ snapshot: { name: 'engine', data: 'at four' } })).toEqual([]);
        expect(await store.head()).toBe(4);
        expect(await store.latestSnapshot('engine')).toMatchObject({ position: 4, data: 'at four' });
      });

      it('honours expectedVersion and rejects a stale one with WARDEN_STORE_CONFLICT, leaving no trace', async () => {
        await store.commit({ events: batch(1, 2, 'k'), expectedVersion: 0 });
        await expect(
          store.commit({
            events: batch(3, 1, 'k'),
            expectedVersion: 1,
            records: [{ collection: 'c', id: 'x', value: 1 }],
            snapshot: { name: 'engine', data: {} },
          }),
        ).rejects.toMatchObject({ code: 'WARDEN_STORE_CONFLICT' });
        expect(await store.record('c', 'x')).toBeUndefined();
        expect(await store.latestSnapshot('engine')).toBeUndefined();
        await expectLog([1, 2].map(idOf));
        expect((await store.commit({ events: batch(3, 1, 'k'), expectedVersion: 2 }))[0]?.version).toBe(3);
      });

      /** State committed before each failing unit, which must survive it unchanged. */
      async function commitBaseline(): Promise<void> {
        await store.commit({
          events: [env(1), env(2)],
          records: [{ collection: 'c', id: 'kept', value: 'before' }],
          positions: [position({ id: 'P1', quantity: 1 })],
          decisions: [bareDecision('D0', 'P1', T0)],
          processed: { consumer: 'risk', eventIds: ['in-1'] },
          snapshot: { name: 'engine', data: 'before' },
        });
      }

      /** A unit touching every part, whose parts must all be absent after it failed. */
      const failingUnit = (events: Envelope[], inbox: string[]) => ({
        events,
        records: [
          { collection: 'c', id: 'kept', value: 'after' },
          { collection: 'c', id: 'new', value: 'after' },
        ],
        positions: [position({ id: 'P1', quantity: 9 }), position({ id: 'P2' })],
        decisions: [fullDecision('D1', 'P1', T0 + 1)],
        processed: { consumer: 'risk', eventIds: inbox },
        snapshot: { name: 'engine', data: 'after' },
      });

      async function expectBaselineOnly(): Promise<void> {
        await expectLog([idOf(1), idOf(2)]);
        expect(await store.version('acc-1')).toBe(2);
        expect(await store.records('c')).toEqual([{ id: 'kept', value: 'before' }]);
        expect(await store.positions()).toEqual([position({ id: 'P1', quantity: 1 })]);
        expect(await store.decisions()).toEqual([bareDecision('D0', 'P1', T0)]);
        expect(await store.processed('risk', 'in-2')).toBe(false);
        expect(await store.processed('risk', 'in-3')).toBe(false);
        expect(await store.latestSnapshot('engine')).toMatchObject({ position: 2, data: 'before' });
      }

      it('leaves no trace of a unit whose event id is already stored', async () => {
        await commitBaseline();
        await expect(store.commit(failingUnit([env(3), env(1)], ['in-2', 'in-3']))).rejects.toMatchObject({
          code: 'WARDEN_EVENT_DUPLICATE',
        });
        await expectBaselineOnly();
      });

      it('leaves no trace of a unit whose inbox id the consumer already processed', async () => {
        await commitBaseline();
        await expect(
          store.commit(failingUnit([env(3), env(4)], ['in-2', 'in-1', 'in-3'])),
        ).rejects.toMatchObject({ code: 'WARDEN_EVENT_DUPLICATE' });
        await expectBaselineOnly();
        const next = await store.append([env(3)]);
        expect(next[0]).toMatchObject({ position: 3, version: 3 });
        expect((await verifyChain(store.read())).ok).toBe(true);
      });

      it('records inbox ids per consumer', async () => {
        await store.commit({ processed: { consumer: 'risk', eventIds: ['e-1', 'e-2'] } });
        expect(await store.processed('risk', 'e-1')).toBe(true);
        expect(await store.processed('risk', 'e-2')).toBe(true);
        expect(await store.processed('risk', 'e-3')).toBe(false);
        expect(await store.processed('monitor', 'e-1')).toBe(false);
        await store.commit({ processed: { consumer: 'monitor', eventIds: ['e-1'] } });
        expect(await store.processed('monitor', 'e-1')).toBe(true);
        await expect(
          store.commit({ processed: { consumer: 'monitor', eventIds: ['e-1'] } }),
        ).rejects.toMatchObject({
          code: 'WARDEN_EVENT_DUPLICATE',
        });
      });

      it('refuses a unit fenced with an older epoch of its partition with WARDEN_STORE_FENCED, leaving no trace', async () => {
        await store.commit({ fence: { partition: 3, epoch: 2 } });
        await commitBaseline();
        const error = await store
          .commit({ ...failingUnit([env(3), env(4)], ['in-2', 'in-3']), fence: { partition: 3, epoch: 1 } })
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error).toMatchObject({
          name: 'WardenError',
          code: 'WARDEN_STORE_FENCED',
          details: { partition: 3, epoch: 1, current: 2 },
        });
        const message = (error as Error).message;
        expect(message).toContain('partition 3');
        expect(message).toContain('epoch 1');
        expect(message).toContain('epoch 2');
        await expectBaselineOnly();
      });

      it('commits a fence at the partition epoch, and records a newer epoch with its unit', async () => {
        const first = await store.commit({ events: [env(1)], fence: { partition: 0, epoch: 1 } });
        const same = await store.commit({ events: [env(2)], fence: { partition: 0, epoch: 1 } });
        expect([...first, ...same].map((e) => e.position)).toEqual([1, 2]);
        await store.commit({
          events: [env(3)],
          records: [{ collection: 'c', id: 'x', value: 'new owner' }],
          fence: { partition: 0, epoch: 4 },
        });
        // The newer epoch took the partition: the older one is refused from then on.
        await expect(
          store.commit({ events: [env(4)], fence: { partition: 0, epoch: 1 } }),
        ).rejects.toMatchObject({ code: 'WARDEN_STORE_FENCED', details: { partition: 0, current: 4 } });
        await expect(
          store.commit({ events: [env(4)], fence: { partition: 0, epoch: 3 } }),
        ).rejects.toMatchObject({ code: 'WARDEN_STORE_FENCED', details: { epoch: 3, current: 4 } });
        await store.commit({ events: [env(4)], fence: { partition: 0, epoch: 4 } });
        await expectLog([1, 2, 3, 4].map(idOf));
        expect(await store.record('c', 'x')).toBe('new owner');
      });

      it('claims a partition with a unit holding only a fence, each partition on its own', async () => {
        await store.commit({ events: [env(1)], fence: { partition: 5, epoch: 1 } });
        expect(await store.commit({ fence: { partition: 5, epoch: 2 } })).toEqual([]);
        await expect(
          store.commit({ events: [env(2)], fence: { partition: 5, epoch: 1 } }),
        ).rejects.toMatchObject({ code: 'WARDEN_STORE_FENCED' });
        // Another partition has epochs of its own, and a unit without a fence is not checked.
        await store.commit({ events: [env(2)], fence: { partition: 6, epoch: 1 } });
        await store.commit({ events: [env(3)] });
        await expectLog([1, 2, 3].map(idOf));
      });

      it('refuses a fence that is not a partition and an epoch as non-negative integers', async () => {
        for (const fence of [
          { partition: -1, epoch: 1 },
          { partition: 0, epoch: 1.5 },
          { partition: 0, epoch: Number.NaN },
        ]) {
          await expect(store.commit({ events: [env(1)], fence })).rejects.toMatchObject({
            code: 'WARDEN_INTERNAL',
          });
        }
        await expectLog([]);
      });

      it('lands no commit of an old epoch after the first commit of a newer one, under concurrency', async () => {
        await store.commit({ fence: { partition: 1, epoch: 1 } });
        const outcomes = await Promise.all(
          Array.from({ length: 24 }, (_, i) =>
            store
              .commit({
                events: [env(i + 1, { key: `k${i % 4}` })],
                fence: { partition: 1, epoch: i === 12 ? 2 : 1 },
              })
              .then(
                (stored) => ({ i, position: stored[0]!.position }),
                (e: unknown) => ({ i, code: (e as { code?: string }).code }),
              ),
          ),
        );
        const newer = outcomes.find((o) => o.i === 12)!;
        expect(newer).toHaveProperty('position');
        const newerPosition = (newer as { position: number }).position;
        for (const o of outcomes) {
          if (o.i === 12) continue;
          // Each old-epoch commit either landed before the newer epoch's or was fenced.
          if ('position' in o) expect(o.position).toBeLessThan(newerPosition);
          else expect(o.code).toBe('WARDEN_STORE_FENCED');
        }
        const landed = outcomes.filter((o) => 'position' in o).length;
        expect(await store.head()).toBe(landed);
        expect((await verifyChain(store.read())).ok).toBe(true);
        await expect(
          store.commit({ events: [env(99)], fence: { partition: 1, epoch: 1 } }),
        ).rejects.toMatchObject({ code: 'WARDEN_STORE_FENCED' });
      });
    });

    describe('state records', () => {
      it('upserts, deletes on a null value and lists a collection ordered by id', async () => {
        await store.commit({
          records: [
            { collection: 'c', id: 'b', value: { v: 1 } },
            { collection: 'c', id: 'a2', value: 'two' },
            { collection: 'c', id: 'a10', value: 10 },
            { collection: 'c', id: 'B', value: true },
            { collection: 'other', id: 'a', value: 'elsewhere' },
          ],
        });
        await store.commit({
          records: [
            { collection: 'c', id: 'b', value: { v: 2, extra: [null] } },
            { collection: 'c', id: 'a2', value: null },
          ],
        });
        expect(await store.record('c', 'b')).toEqual({ v: 2, extra: [null] });
        expect(await store.record('c', 'a2')).toBeUndefined();
        expect(await store.record('c', 'missing')).toBeUndefined();
        expect(await store.record('other', 'a')).toBe('elsewhere');
        // Ordered by code point, as a binary collation orders ASCII: capitals first.
        expect(await store.records('c')).toEqual([
          { id: 'B', value: true },
          { id: 'a10', value: 10 },
          { id: 'b', value: { v: 2, extra: [null] } },
        ]);
        expect(await store.records('empty')).toEqual([]);
      });

      it('applies the records of one unit in order, the last write of an id winning', async () => {
        await store.commit({
          records: [
            { collection: 'c', id: 'x', value: 1 },
            { collection: 'c', id: 'x', value: null },
            { collection: 'c', id: 'y', value: 1 },
            { collection: 'c', id: 'y', value: 2 },
          ],
        });
        expect(await store.records('c')).toEqual([{ id: 'y', value: 2 }]);
      });
    });

    describe('snapshots', () => {
      it('returns the newest snapshot of a name, at the head after its unit', async () => {
        expect(await store.latestSnapshot('engine')).toBeUndefined();
        await store.commit({ events: batch(1, 2), snapshot: { name: 'engine', data: { n: 1 } } });
        await store.commit({ snapshot: { name: 'monitor', data: { m: 1 } } });
        await store.commit({ events: batch(3, 3), snapshot: { name: 'engine', data: { n: 2 } } });
        await store.append(batch(6, 1));
        expect(await store.latestSnapshot('engine')).toMatchObject({
          name: 'engine',
          position: 5,
          data: { n: 2 },
        });
        expect(await store.latestSnapshot('monitor')).toMatchObject({
          name: 'monitor',
          position: 2,
          data: { m: 1 },
        });
        expect(await store.latestSnapshot('other')).toBeUndefined();
      });
    });

    describe('positions', () => {
      it('upserts by id, a later row replacing the earlier one whole', async () => {
        const first = position({
          id: 'P1',
          stopPrice: 4490,
          targetPrice: 4550.5,
          profile: 'scalp',
          attrs: { thesis: 'breakout', candles: { managed: true, count: 3 } },
        });
        await store.commit({ positions: [first] });
        expect(await store.positions()).toEqual([first]);
        const closed = position({ id: 'P1', status: 'closed', closedAt: T0 + 60_000, quantity: 0 });
        await store.commit({ positions: [closed] });
        const rows = await store.positions();
        expect(rows).toEqual([closed]);
        expect(Object.keys(rows[0]!).sort()).toEqual(Object.keys(closed).sort());
      });

      it('lists rows ordered by id and filters by status and id', async () => {
        const rows = [
          position({ id: 'P3', side: 'short' }),
          position({ id: 'P1', status: 'closed', closedAt: T0 + 1 }),
          position({ id: 'P2', symbol: 'NQZ5', quantity: 0.5, entryPrice: 20_001.75 }),
        ];
        await store.commit({ positions: rows });
        expect((await store.positions()).map((p) => p.id)).toEqual(['P1', 'P2', 'P3']);
        expect((await store.positions({ status: 'open' })).map((p) => p.id)).toEqual(['P2', 'P3']);
        expect((await store.positions({ status: 'closed' })).map((p) => p.id)).toEqual(['P1']);
        expect(await store.positions({ id: 'P2' })).toEqual([rows[2]]);
        expect(await store.positions({ id: 'P2', status: 'closed' })).toEqual([]);
        expect(await store.positions({ id: 'P9' })).toEqual([]);
      });
    });

    describe('decisions', () => {
      it('round-trips every field, leaving absent optional fields absent', async () => {
        const full = fullDecision('D1', 'P1', T0);
        const bare = bareDecision('D2', 'P1', T0 + 1);
        await store.commit({ decisions: [full, bare] });
        const rows = await store.decisions();
        expect(rows).toEqual([full, bare]);
        expect(Object.keys(rows[0]!).sort()).toEqual(Object.keys(full).sort());
        expect(Object.keys(rows[1]!).sort()).toEqual(Object.keys(bare).sort());
      });

      it('orders by decision time then id, and filters by position', async () => {
        await store.commit({
          decisions: [
            bareDecision('D3', 'P1', T0 + 2),
            bareDecision('D2', 'P2', T0 + 1),
            bareDecision('D9', 'P1', T0),
            bareDecision('D1', 'P2', T0 + 1),
          ],
        });
        expect((await store.decisions()).map((d) => d.id)).toEqual(['D9', 'D1', 'D2', 'D3']);
        expect((await store.decisions({ positionId: 'P1' })).map((d) => d.id)).toEqual(['D9', 'D3']);
        expect(await store.decisions({ positionId: 'P7' })).toEqual([]);
      });
    });

    describe('hash chain', () => {
      it('verifies: every event checked and the head hash is the last stored hash', async () => {
        expect(await verifyChain(store.read())).toEqual({ ok: true, checked: 0, headHash: GENESIS_HASH });
        await store.append(fixtureEvents());
        const last = await store.commit({ events: batch(7, 3) });
        const audit = await verifyChain(store.read());
        expect(audit).toEqual({ ok: true, checked: 9, headHash: last.at(-1)!.hash });
      });

      it.skipIf(options.tamper === undefined)(
        'names the first tampered event as the broken link',
        async () => {
          await store.append(fixtureEvents());
          await options.tamper!(store, 3);
          const audit = await verifyChain(store.read());
          expect(audit.ok).toBe(false);
          expect(audit.checked).toBe(2);
          expect(audit.broken).toMatchObject({ position: 3, id: idOf(3) });
        },
      );
    });

    describe('writer lock', () => {
      const others: EventStore[] = [];
      afterEach(async () => {
        for (const s of others.splice(0)) await s.close();
      });
      /** A second handle on the store: another connection where there can be one, else itself. */
      async function secondHandle(): Promise<EventStore> {
        if (options.reopen === undefined) return store;
        const other = await options.reopen();
        others.push(other);
        return other;
      }

      it('takes the lock, naming this process as the holder', async () => {
        const before = Date.now();
        const lock = await store.lockWriter({ command: 'contract test' });
        expect(lock.holder).toEqual({
          pid: process.pid,
          host: hostname(),
          command: 'contract test',
          since: expect.any(Number),
        });
        expect(lock.holder.since).toBeGreaterThanOrEqual(before);
        expect(lock.holder.since).toBeLessThanOrEqual(Date.now());
      });

      it('refuses a second writer with WARDEN_STORE_LOCKED naming the holder, while readers read and the holder writes', async () => {
        const lock = await store.lockWriter({ command: 'first writer' });
        await store.append(batch(1, 2));
        const other = await secondHandle();
        const refused = await other.lockWriter({ command: 'second writer' }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(refused).toMatchObject({
          code: 'WARDEN_STORE_LOCKED',
          details: { holder: lock.holder },
          message: expect.stringContaining(`first writer (pid ${process.pid} on ${hostname()}`),
        });
        expect(await other.head()).toBe(2);
        expect(ids(await collect(other.read()))).toEqual([idOf(1), idOf(2)]);
        await store.append(batch(3, 1));
        expect(await other.head()).toBe(3);
        // One lock per store, whichever handle asks.
        await expect(store.lockWriter({ command: 'again' })).rejects.toMatchObject({
          code: 'WARDEN_STORE_LOCKED',
        });
      });

      it('lets the next writer in once the lock is released, or once the store holding it closes', async () => {
        const first = await store.lockWriter({ command: 'first' });
        await first.release();
        await first.release();
        const other = await secondHandle();
        const second = await other.lockWriter({ command: 'second' });
        expect(second.holder.command).toBe('second');
        await expect(store.lockWriter({ command: 'third' })).rejects.toMatchObject({
          code: 'WARDEN_STORE_LOCKED',
          details: { holder: { command: 'second' } },
        });
        await other.close();
        const third = await store.lockWriter({ command: 'third' });
        expect(third.holder.command).toBe('third');
      });

      it.skipIf(options.spec === undefined)(
        'takes over a lock whose holder died without releasing it',
        async () => {
          const holder = await startLockHolder(options.spec!());
          try {
            await expect(store.lockWriter({ command: 'next' })).rejects.toMatchObject({
              code: 'WARDEN_STORE_LOCKED',
              details: { holder: { pid: holder.pid, command: 'hold-writer-lock' } },
            });
          } finally {
            await holder.kill();
          }
          // The lock goes with the holder: at once for a file lock; for PostgreSQL once the server
          // has seen the connection drop, so poll (bounded: a hang guard, not a timing check).
          let lock: WriterLock | undefined;
          for (let attempt = 0; lock === undefined; attempt++) {
            try {
              lock = await store.lockWriter({ command: 'next' });
            } catch (error) {
              if (attempt >= 600 || (error as { code?: string }).code !== 'WARDEN_STORE_LOCKED') throw error;
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
          }
          expect(lock.holder).toMatchObject({ pid: process.pid, command: 'next' });
        },
        60_000,
      );
    });

    describe.skipIf(options.reopen === undefined)('persistence', () => {
      it('keeps everything across close and re-open, and appends on from where it was', async () => {
        const first = await store.commit({
          events: fixtureEvents(),
          records: [{ collection: 'c', id: 'x', value: { kept: true } }],
          positions: [position({ id: 'P1', attrs: { a: 1 } })],
          decisions: [fullDecision('D1', 'P1', T0)],
          processed: { consumer: 'risk', eventIds: ['in-1'] },
          snapshot: { name: 'engine', data: { at: 6 } },
        });
        await store.close();
        closed = true;
        store = await options.reopen!();
        closed = false;
        expect(await store.head()).toBe(6);
        expect(await store.version('acc-A')).toBe(3);
        const read = await collect(store.read());
        expect(read.map((e) => JSON.stringify(e.envelope))).toEqual(
          fixtureEvents().map((e) => JSON.stringify(e)),
        );
        expect(read.map((e) => e.hash)).toEqual(first.map((e) => e.hash));
        expect(await store.record('c', 'x')).toEqual({ kept: true });
        expect(await store.positions()).toEqual([position({ id: 'P1', attrs: { a: 1 } })]);
        expect(await store.decisions()).toEqual([fullDecision('D1', 'P1', T0)]);
        expect(await store.processed('risk', 'in-1')).toBe(true);
        expect(await store.latestSnapshot('engine')).toMatchObject({ position: 6, data: { at: 6 } });

        const next = await store.append([env(7, { key: 'acc-A' })]);
        expect(next[0]).toMatchObject({ position: 7, version: 4 });
        await expect(store.append([env(1)])).rejects.toMatchObject({ code: 'WARDEN_EVENT_DUPLICATE' });
        expect(await verifyChain(store.read())).toEqual({ ok: true, checked: 7, headHash: next[0]!.hash });
      });

      it('keeps partition epochs across close and re-open', async () => {
        await store.commit({ events: [env(1)], fence: { partition: 2, epoch: 7 } });
        await store.close();
        closed = true;
        store = await options.reopen!();
        closed = false;
        await expect(
          store.commit({ events: [env(2)], fence: { partition: 2, epoch: 6 } }),
        ).rejects.toMatchObject({ code: 'WARDEN_STORE_FENCED', details: { current: 7 } });
        await store.commit({ events: [env(2)], fence: { partition: 2, epoch: 7 } });
        expect(await store.head()).toBe(2);
      });
    });
  });
}
