import { WardenError } from '../../../domain/errors.ts';
import type { Envelope } from '../../../domain/events/envelope.ts';
import type { AppendOptions, EventStore, ReadQuery, StoredEvent } from '../../../ports/store.ts';

/** The in-memory event store: the default until a durable store is configured. Lost on exit. */
export class MemoryEventStore implements EventStore {
  private readonly events: StoredEvent[] = [];
  private readonly ids = new Set<string>();
  private readonly versions = new Map<string, number>();

  async append(batch: readonly Envelope[], options: AppendOptions = {}): Promise<StoredEvent[]> {
    const seen = new Set<string>();
    for (const e of batch) {
      if (this.ids.has(e.id) || seen.has(e.id)) {
        throw new WardenError('WARDEN_EVENT_DUPLICATE', `event ${e.id} is already stored`, { id: e.id });
      }
      seen.add(e.id);
    }
    if (options.expectedVersion !== undefined && batch.length > 0) {
      const key = batch[0]!.key;
      if (batch.some((e) => e.key !== key)) {
        throw new WardenError(
          'WARDEN_STORE_CONFLICT',
          'expectedVersion needs every event of the batch to have one key',
        );
      }
      const actual = this.versions.get(key) ?? 0;
      if (actual !== options.expectedVersion) {
        throw new WardenError(
          'WARDEN_STORE_CONFLICT',
          `key ${key} is at version ${actual}, expected ${options.expectedVersion}`,
          { key, actual, expected: options.expectedVersion },
        );
      }
    }
    const stored: StoredEvent[] = [];
    for (const envelope of batch) {
      const version = (this.versions.get(envelope.key) ?? 0) + 1;
      this.versions.set(envelope.key, version);
      this.ids.add(envelope.id);
      const s: StoredEvent = { envelope, position: this.events.length + 1, version };
      this.events.push(s);
      stored.push(s);
    }
    return stored;
  }

  async *read(query: ReadQuery = {}): AsyncIterable<StoredEvent> {
    let count = 0;
    for (let i = query.afterPosition ?? 0; i < this.events.length; i++) {
      const s = this.events[i]!;
      const e = s.envelope;
      if (query.key !== undefined && e.key !== query.key) continue;
      if (query.type !== undefined && e.type !== query.type) continue;
      if (query.since !== undefined || query.until !== undefined) {
        const t = Date.parse(e.ts);
        if (query.since !== undefined && t < query.since) continue;
        if (query.until !== undefined && t >= query.until) continue;
      }
      yield s;
      if (query.limit !== undefined && ++count >= query.limit) return;
    }
  }

  async head(): Promise<number> {
    return this.events.length;
  }

  async version(key: string): Promise<number> {
    return this.versions.get(key) ?? 0;
  }

  async close(): Promise<void> {}
}

export function createMemoryEventStore(): EventStore {
  return new MemoryEventStore();
}
