import { WardenError } from '../../../domain/errors.ts';
import type { Envelope } from '../../../domain/events/envelope.ts';
import type {
  AppendOptions,
  CommitUnit,
  DecisionRow,
  EventStore,
  PositionRow,
  ReadQuery,
  Snapshot,
  StoredEvent,
  WriterLock,
} from '../../../ports/store.ts';
import { GENESIS_HASH, linkHash } from '../chain.ts';
import { checkFence, fenced } from '../fence.ts';
import { HeldWriterLock, holderRecord, storeLocked, thisProcess } from '../writer-lock.ts';

/** Options of the in-memory store. */
export interface MemoryStoreOptions {
  /** The store's wall clock for `Snapshot.takenAt` (epoch ms); `Date.now` by default. */
  readonly now?: () => number;
}

/**
 * A copy through JSON, so that a value read back behaves as one read from a durable store: no
 * shared references with the caller, `undefined` members left out.
 */
function jsonCopy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The in-memory event store: the default until a durable store is configured. Lost on exit.
 * It keeps the envelopes it is given (events are never changed after publication) and copies
 * every other value in and out, as a database would.
 */
export class MemoryEventStore implements EventStore {
  readonly kind = 'memory';
  private readonly events: StoredEvent[] = [];
  /** Event time of each event in epoch ms, by position - 1. */
  private readonly times: number[] = [];
  private readonly ids = new Set<string>();
  private readonly versions = new Map<string, number>();
  private headHash = GENESIS_HASH;
  private readonly stateRecords = new Map<string, Map<string, unknown>>();
  private readonly inbox = new Map<string, Set<string>>();
  private readonly snapshots = new Map<string, Snapshot>();
  private readonly positionRows = new Map<string, PositionRow>();
  private readonly decisionRows = new Map<string, DecisionRow>();
  /** The newest epoch each transport partition committed under (fencing). */
  private readonly partitionEpochs = new Map<number, number>();
  private readonly now: () => number;
  /** The writer lock, while a handle holds it. */
  private writer: HeldWriterLock | undefined;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  async append(batch: readonly Envelope[], options: AppendOptions = {}): Promise<StoredEvent[]> {
    this.checkEvents(batch, options.expectedVersion);
    return this.appendChecked(batch);
  }

  async commit(unit: CommitUnit): Promise<StoredEvent[]> {
    const events = unit.events ?? [];
    const fence = unit.fence;
    checkFence(fence);
    const current = fence === undefined ? undefined : this.partitionEpochs.get(fence.partition);
    if (fence !== undefined && current !== undefined && fence.epoch < current) throw fenced(fence, current);
    this.checkEvents(events, unit.expectedVersion);
    if (unit.processed !== undefined) this.checkInbox(unit.processed.consumer, unit.processed.eventIds);

    // Every check passed: nothing below can fail, so the unit applies whole.
    if (fence !== undefined && (current === undefined || fence.epoch > current)) {
      this.partitionEpochs.set(fence.partition, fence.epoch);
    }
    const stored = this.appendChecked(events);
    for (const r of unit.records ?? []) {
      let collection = this.stateRecords.get(r.collection);
      if (collection === undefined) {
        collection = new Map();
        this.stateRecords.set(r.collection, collection);
      }
      if (r.value === null) collection.delete(r.id);
      else collection.set(r.id, jsonCopy(r.value));
    }
    for (const p of unit.positions ?? []) this.positionRows.set(p.id, jsonCopy(p));
    for (const d of unit.decisions ?? []) this.decisionRows.set(d.id, jsonCopy(d));
    if (unit.processed !== undefined) {
      let seen = this.inbox.get(unit.processed.consumer);
      if (seen === undefined) {
        seen = new Set();
        this.inbox.set(unit.processed.consumer, seen);
      }
      for (const id of unit.processed.eventIds) seen.add(id);
    }
    if (unit.snapshot !== undefined) {
      this.snapshots.set(unit.snapshot.name, {
        name: unit.snapshot.name,
        position: this.events.length,
        takenAt: this.now(),
        data: jsonCopy(unit.snapshot.data),
      });
    }
    return stored;
  }

  async *read(query: ReadQuery = {}): AsyncIterable<StoredEvent> {
    const limit = query.limit ?? Number.POSITIVE_INFINITY;
    if (limit <= 0) return;
    let count = 0;
    for (let i = Math.max(0, query.afterPosition ?? 0); i < this.events.length; i++) {
      const s = this.events[i]!;
      const e = s.envelope;
      if (query.key !== undefined && e.key !== query.key) continue;
      if (query.type !== undefined && e.type !== query.type) continue;
      if (query.positionId !== undefined && e.data.positionId !== query.positionId) continue;
      if (
        query.correlationId !== undefined &&
        e.correlationId !== query.correlationId &&
        e.id !== query.correlationId
      ) {
        continue;
      }
      if (query.since !== undefined && this.times[i]! < query.since) continue;
      if (query.until !== undefined && this.times[i]! >= query.until) continue;
      yield s;
      if (++count >= limit) return;
    }
  }

  async head(): Promise<number> {
    return this.events.length;
  }

  async version(key: string): Promise<number> {
    return this.versions.get(key) ?? 0;
  }

  async processed(consumer: string, eventId: string): Promise<boolean> {
    return this.inbox.get(consumer)?.has(eventId) ?? false;
  }

  async record(collection: string, id: string): Promise<unknown> {
    return jsonCopy(this.stateRecords.get(collection)?.get(id));
  }

  async records(collection: string): Promise<Array<{ readonly id: string; readonly value: unknown }>> {
    const rows = this.stateRecords.get(collection);
    if (rows === undefined) return [];
    return [...rows.keys()].sort(compareIds).map((id) => ({ id, value: jsonCopy(rows.get(id)) }));
  }

  async latestSnapshot(name: string): Promise<Snapshot | undefined> {
    return jsonCopy(this.snapshots.get(name));
  }

  async positions(
    filter: { readonly status?: 'open' | 'closed'; readonly id?: string } = {},
  ): Promise<PositionRow[]> {
    return [...this.positionRows.values()]
      .filter(
        (p) =>
          (filter.status === undefined || p.status === filter.status) &&
          (filter.id === undefined || p.id === filter.id),
      )
      .sort((a, b) => compareIds(a.id, b.id))
      .map(jsonCopy);
  }

  async decisions(filter: { readonly positionId?: string } = {}): Promise<DecisionRow[]> {
    return [...this.decisionRows.values()]
      .filter((d) => filter.positionId === undefined || d.positionId === filter.positionId)
      .sort((a, b) => a.decidedAt - b.decidedAt || compareIds(a.id, b.id))
      .map(jsonCopy);
  }

  async lockWriter(options: { readonly command: string }): Promise<WriterLock> {
    if (this.writer !== undefined) throw storeLocked('the memory store', this.writer.holder);
    const lock: HeldWriterLock = new HeldWriterLock(thisProcess(options.command, this.now), async () => {
      if (this.writer === lock) this.writer = undefined;
      await this.commit({ records: [holderRecord(null)] });
    });
    this.writer = lock;
    await this.commit({ records: [holderRecord(lock.holder)] });
    return lock;
  }

  async close(): Promise<void> {
    await this.writer?.release();
  }

  /** Throws what the port names for a batch that cannot be appended as it stands. */
  private checkEvents(batch: readonly Envelope[], expectedVersion: number | undefined): void {
    const seen = new Set<string>();
    for (const e of batch) {
      if (this.ids.has(e.id) || seen.has(e.id)) {
        throw new WardenError('WARDEN_EVENT_DUPLICATE', `event ${e.id} is already stored`, { id: e.id });
      }
      seen.add(e.id);
    }
    if (expectedVersion !== undefined && batch.length > 0) {
      const key = batch[0]!.key;
      if (batch.some((e) => e.key !== key)) {
        throw new WardenError(
          'WARDEN_STORE_CONFLICT',
          'expectedVersion needs every event of the batch to have one key',
        );
      }
      const actual = this.versions.get(key) ?? 0;
      if (actual !== expectedVersion) {
        throw new WardenError(
          'WARDEN_STORE_CONFLICT',
          `key ${key} is at version ${actual}, expected ${expectedVersion}`,
          { key, actual, expected: expectedVersion },
        );
      }
    }
  }

  private checkInbox(consumer: string, eventIds: readonly string[]): void {
    const seen = this.inbox.get(consumer);
    const unit = new Set<string>();
    for (const id of eventIds) {
      if (seen?.has(id) || unit.has(id)) {
        throw new WardenError('WARDEN_EVENT_DUPLICATE', `event ${id} was already processed by ${consumer}`, {
          consumer,
          id,
        });
      }
      unit.add(id);
    }
  }

  private appendChecked(batch: readonly Envelope[]): StoredEvent[] {
    const stored: StoredEvent[] = [];
    for (const envelope of batch) {
      const version = (this.versions.get(envelope.key) ?? 0) + 1;
      const position = this.events.length + 1;
      const hash = linkHash(this.headHash, position, version, envelope);
      this.versions.set(envelope.key, version);
      this.ids.add(envelope.id);
      this.headHash = hash;
      const s: StoredEvent = { envelope, position, version, hash };
      this.events.push(s);
      this.times.push(Date.parse(envelope.ts));
      stored.push(s);
    }
    return stored;
  }
}

/** Builds an empty in-memory event store. */
export function createMemoryEventStore(options: MemoryStoreOptions = {}): EventStore {
  return new MemoryEventStore(options);
}
