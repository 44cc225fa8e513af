import type { Envelope } from '../domain/events/envelope.ts';

/** An event as stored: its envelope plus where it sits in the log. */
export interface StoredEvent {
  readonly envelope: Envelope;
  /** Global position in the log, from 1, gap-free. */
  readonly position: number;
  /** Version of the event within its key, from 1. */
  readonly version: number;
}

export interface ReadQuery {
  /** Only events after this global position. */
  readonly afterPosition?: number;
  readonly key?: string;
  readonly type?: string;
  /** Only events with `ts` at or after this time (epoch ms). */
  readonly since?: number;
  /** Only events with `ts` before this time (epoch ms). */
  readonly until?: number;
  readonly limit?: number;
}

export interface AppendOptions {
  /**
   * Optimistic concurrency: the version the key must be at before this append (0 for a new key).
   * Only valid when every event of the batch has the same key.
   */
  readonly expectedVersion?: number;
}

/**
 * The append-only event store: the source of truth. Hides connections and transactions; a
 * batch appends atomically or not at all.
 */
export interface EventStore {
  /**
   * Appends a batch atomically, in order. Rejects with `WARDEN_EVENT_DUPLICATE` when an id is
   * already stored and `WARDEN_STORE_CONFLICT` when `expectedVersion` does not match.
   */
  append(events: readonly Envelope[], options?: AppendOptions): Promise<StoredEvent[]>;
  /** Events matching the query, in global order. */
  read(query?: ReadQuery): AsyncIterable<StoredEvent>;
  /** The last global position (0 when empty). */
  head(): Promise<number>;
  /** Current version of a key (0 when it has no events). */
  version(key: string): Promise<number>;
  close(): Promise<void>;
}
