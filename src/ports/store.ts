import type { WardenError } from '../domain/errors.ts';
import type { Envelope } from '../domain/events/envelope.ts';

/** An event as stored: its envelope plus where it sits in the log and its link in the hash chain. */
export interface StoredEvent {
  readonly envelope: Envelope;
  /** Global position in the log, from 1, gap-free. */
  readonly position: number;
  /** Version of the event within its key, from 1. */
  readonly version: number;
  /** SHA-256 (hex) of the previous event's hash and this event's canonical form; see `chain.ts`. */
  readonly hash: string;
}

export interface ReadQuery {
  /** Only events after this global position. */
  readonly afterPosition?: number;
  readonly key?: string;
  readonly type?: string;
  /** Only events whose `data.positionId` is this. */
  readonly positionId?: string;
  /** Only events of this correlation chain (`correlationId`, or the event that started it). */
  readonly correlationId?: string;
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

/** A durable state record: upserted by id within its collection, deleted when `value` is null. */
export interface StateRecord {
  readonly collection: string;
  readonly id: string;
  readonly value: unknown;
}

/** A row of the `positions` table: Warden's durable view of each position it watches. */
export interface PositionRow {
  readonly id: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly quantity: number;
  readonly entryPrice: number;
  readonly stopPrice?: number;
  readonly targetPrice?: number;
  readonly profile?: string;
  /** Epoch ms. */
  readonly openedAt: number;
  readonly status: 'open' | 'closed';
  /** Epoch ms, once closed. */
  readonly closedAt?: number;
  /** Free-form extras (thesis, candle management), as JSON. */
  readonly attrs?: Readonly<Record<string, unknown>>;
}

/**
 * A row of the `decisions` table, after the seed's `position_management_decisions`: what a
 * decision policy saw, what it answered, and what it cost.
 */
export interface DecisionRow {
  /** The `Agent.Decision.Made.v1` event id. */
  readonly id: string;
  readonly positionId: string;
  readonly accountId: string;
  /** Epoch ms. */
  readonly decidedAt: number;
  readonly policy: string;
  /** The trigger or candle close that asked. */
  readonly trigger: string;
  readonly action: string;
  readonly confidence: number;
  readonly reasoning: string;
  readonly actionDetails?: unknown;
  /** The position and account as the policy saw them. */
  readonly stateAtDecision?: unknown;
  readonly marketContext?: unknown;
  readonly rawResponse?: string;
  readonly latencyMs: number;
  readonly promptTokens?: number;
  readonly completionTokens?: number;
  /** In USD. */
  readonly cost?: number;
  readonly model?: string;
  /** Why the answer came from the fallback policy, or which guardrail rejected it. */
  readonly fallbackReason?: string;
  /** The prompt template's version (`manage-position.v1`), for an LLM decision. */
  readonly promptVersion?: string;
  /** A decision the guardrails refused: who proposed it, the rule it broke, why, and what it was. */
  readonly rejected?: unknown;
}

/**
 * One unit of work, committed in one transaction or not at all: the events a state change
 * produced (the outbox), the state itself, and the inbox ids of the events it consumed.
 */
export interface CommitUnit {
  readonly events?: readonly Envelope[];
  /** Optimistic concurrency for `events`, as for `append`. */
  readonly expectedVersion?: number;
  readonly records?: readonly StateRecord[];
  readonly positions?: readonly PositionRow[];
  readonly decisions?: readonly DecisionRow[];
  /**
   * The inbox: these event ids were processed by `consumer` as part of this unit. Rejects the
   * whole unit with `WARDEN_EVENT_DUPLICATE` when one was already recorded for the consumer.
   */
  readonly processed?: { readonly consumer: string; readonly eventIds: readonly string[] };
  /** A snapshot taken at the log's head after this unit's events. */
  readonly snapshot?: { readonly name: string; readonly data: unknown };
  /**
   * Fencing: the transport partition this unit's work came from and the epoch its sender holds
   * it under (`Delivery.epoch`). The store keeps each partition's newest epoch: a unit with an
   * older epoch is refused whole with `WARDEN_STORE_FENCED` (its sender lost the partition to
   * another owner), naming the partition, the unit's epoch and the current one; the same epoch
   * commits; a newer one is recorded, in the same transaction, and commits. A unit holding only
   * a fence claims the partition: a new owner commits one on assignment, so that the old owner
   * is refused from then on even before the new one writes anything.
   */
  readonly fence?: { readonly partition: number; readonly epoch: number };
}

export interface Snapshot {
  readonly name: string;
  /** The global position of the last event the snapshot includes. */
  readonly position: number;
  /** Epoch ms (wall clock of the store) when it was written. */
  readonly takenAt: number;
  readonly data: unknown;
}

/** What `verifyChain` found: the first broken link, if any. */
export interface AuditResult {
  readonly ok: boolean;
  readonly checked: number;
  /** Hash of the last event checked (an anchor to keep elsewhere). */
  readonly headHash: string;
  readonly broken?: {
    readonly position: number;
    readonly id: string;
    readonly expected: string;
    readonly actual: string;
  };
}

/** Who holds a store's writer lock, as the holder recorded it when it took the lock. */
export interface WriterHolder {
  /** Process id of the holder. */
  readonly pid: number;
  /** Host name of the machine the holder runs on. */
  readonly host: string;
  /** What the holder is, e.g. `warden run`. */
  readonly command: string;
  /** Epoch ms (the holder's wall clock) when it took the lock. */
  readonly since: number;
}

/** A store's writer lock, held by one handle until `release()` or the store's `close()`. */
export interface WriterLock {
  /** This holder, as recorded in the store for a refused writer to name. */
  readonly holder: WriterHolder;
  /**
   * Calls `listener` once if the lock is lost while held. Only a PostgreSQL lock can be lost: its
   * session ended and, by the time a new session could take the lock again, another writer had.
   */
  onLost(listener: (error: WardenError) => void): void;
  /** Releases the lock and removes the holder record. Safe to call more than once. */
  release(): Promise<void>;
}

/**
 * The append-only event store: the source of truth, with the durable state that commits with it.
 * Hides connections and transactions; a unit commits atomically or not at all. Events get a
 * gap-free global position, a per-key version and a hash chained to the previous event.
 */
export interface EventStore {
  /** Adapter name: `memory`, `sqlite` or `postgres`. */
  readonly kind: string;
  /**
   * Appends a batch atomically, in order. Rejects with `WARDEN_EVENT_DUPLICATE` when an id is
   * already stored and `WARDEN_STORE_CONFLICT` when `expectedVersion` does not match.
   */
  append(events: readonly Envelope[], options?: AppendOptions): Promise<StoredEvent[]>;
  /**
   * Commits a unit of work atomically (the same errors as `append`, and `WARDEN_STORE_FENCED`
   * for a `fence` older than its partition's epoch). Returns the stored events.
   */
  commit(unit: CommitUnit): Promise<StoredEvent[]>;
  /** Events matching the query, in global order. */
  read(query?: ReadQuery): AsyncIterable<StoredEvent>;
  /** The last global position (0 when empty). */
  head(): Promise<number>;
  /** Current version of a key (0 when it has no events). */
  version(key: string): Promise<number>;
  /** True when `consumer` has recorded `eventId` in its inbox. */
  processed(consumer: string, eventId: string): Promise<boolean>;
  /** A state record's value, or undefined. */
  record(collection: string, id: string): Promise<unknown>;
  /** Every record of a collection, ordered by id. */
  records(collection: string): Promise<Array<{ readonly id: string; readonly value: unknown }>>;
  /** The newest snapshot with this name. */
  latestSnapshot(name: string): Promise<Snapshot | undefined>;
  /** Rows of the positions table, ordered by id. */
  positions(filter?: { readonly status?: 'open' | 'closed'; readonly id?: string }): Promise<PositionRow[]>;
  /** Rows of the decisions table, ordered by time then id. */
  decisions(filter?: { readonly positionId?: string }): Promise<DecisionRow[]>;
  /**
   * Calls `listener` with the id of each row inserted into the positions table, by any program,
   * until the returned function is called. Optional: only stores with notifications have it.
   * Best effort: a row inserted while nobody listens (or while the connection is re-established)
   * is not announced, so a caller also sweeps `positions({ status: 'open' })` now and then.
   */
  onPositionInserted?(listener: (positionId: string) => void): Promise<() => Promise<void>>;
  /**
   * Takes the store's single-writer lock for this handle, recording the holder (this process's
   * pid and host, `command`, the time) where a refused writer reads it. Every Warden writer
   * (`warden run`, `warden replay --store`) takes it before writing; readers need none, and the
   * lock is advisory: `append` and `commit` do not check it.
   *
   * Rejects with `WARDEN_STORE_LOCKED`, naming the holder (`details.holder`), while another writer
   * holds it, this handle included. A lock whose holder died is taken over, since what holds it
   * dies with the holder: SQLite's is an operating-system lock on the file `<path>-lock`, released
   * when its process ends however it ends (SIGKILL too); PostgreSQL's is an advisory lock on a
   * session of its own, released when the session ends; the memory store's lives in the instance.
   */
  lockWriter(options: { readonly command: string }): Promise<WriterLock>;
  /** Closes the store, releasing its writer lock if it holds it. */
  close(): Promise<void>;
}
