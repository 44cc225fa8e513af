import pg from 'pg';
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
import { linkHash } from '../chain.ts';
import {
  type DecisionDbRow,
  decisionOf,
  decisionValues,
  EVENT_COLUMNS,
  type EventDbRow,
  type Int8,
  type PositionDbRow,
  positionOf,
  positionValues,
  storedEventOf,
} from '../sql-rows.ts';
import {
  type HeldWriterLock,
  holderRecord,
  recordedHolder,
  storeLocked,
  thisProcess,
} from '../writer-lock.ts';
import { isConnectionError, maskUrl, unavailable } from './errors.ts';
import { claimFence, claimSql } from './fencing.ts';
import { migrate, quoteIdent } from './migrations.ts';
import { PositionSubscription } from './notify.ts';
import { writeRecords } from './records.ts';
import { EVENT_CHUNK, EVENT_INSERT_WIDTH, insertEventsSql, statements } from './sql.ts';
import { inTransaction } from './transaction.ts';
import { type PreparedUnit, prepare, transpose } from './unit.ts';
import { takePostgresWriterLock } from './writer-lock.ts';

/** Options of `openPostgresStore`. */
export interface PostgresStoreOptions {
  /** The schema holding the store's tables, created if missing (default `public`). */
  readonly schema?: string;
  /** Connections in the pool (default 5). */
  readonly poolSize?: number;
}

/** Rows per page of `read()`. */
const PAGE_SIZE = 1_000;
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Opens (and migrates) the PostgreSQL event store at `url`, in `options.schema`. Rejects with
 * WARDEN_STORE_UNAVAILABLE when the server cannot be reached or a migration fails (the message
 * names the URL, password masked, and the cause) and WARDEN_STORE_SCHEMA_NEWER when the schema
 * was migrated by a newer Warden.
 */
export async function openPostgresStore(
  url: string,
  options: PostgresStoreOptions = {},
): Promise<EventStore> {
  const schema = options.schema ?? 'public';
  if (schema === '' || Buffer.byteLength(schema) > 63) {
    throw new WardenError(
      'WARDEN_STORE_UNAVAILABLE',
      `PostgreSQL schema name "${schema}" must have 1 to 63 bytes`,
      { schema },
    );
  }
  const poolSize = options.poolSize ?? 5;
  let pool: pg.Pool;
  try {
    pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: 'warden',
    });
  } catch (error) {
    throw unavailable(url, error, 'bad connection URL');
  }
  // An idle connection that fails is dropped by the pool; the next query opens another.
  pool.on('error', () => undefined);
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw unavailable(url, error);
  }
  try {
    await migrate(client, schema);
    client.release();
  } catch (error) {
    client.release(true);
    await pool.end().catch(() => undefined);
    if (error instanceof WardenError) throw error;
    throw unavailable(url, error, isConnectionError(error) ? 'cannot reach' : 'migration failed');
  }
  return new PostgresEventStore(url, schema, pool);
}

class PostgresEventStore implements EventStore {
  readonly kind = 'postgres';
  private closed = false;
  /** The writer lock, while this handle holds it. */
  private writer: HeldWriterLock | undefined;
  private readonly subscriptions = new Set<PositionSubscription>();
  private readonly sql: ReturnType<typeof statements>;
  private readonly quotedSchema: string;
  private readonly claimSql: string;
  private fullChunk: string | undefined;

  constructor(
    private readonly url: string,
    private readonly schema: string,
    private readonly pool: pg.Pool,
  ) {
    this.quotedSchema = quoteIdent(schema);
    this.sql = statements(this.quotedSchema);
    this.claimSql = claimSql(this.quotedSchema);
  }

  /** The INSERT of a full chunk of events, built once. */
  private fullChunkSql(): string {
    this.fullChunk ??= insertEventsSql(this.quotedSchema, EVENT_CHUNK);
    return this.fullChunk;
  }

  append(events: readonly Envelope[], options: AppendOptions = {}): Promise<StoredEvent[]> {
    return this.commit({ events, expectedVersion: options.expectedVersion });
  }

  async commit(unit: CommitUnit): Promise<StoredEvent[]> {
    const prepared = prepare(unit);
    const nothingToDo =
      prepared.events.length === 0 &&
      prepared.records.size === 0 &&
      prepared.positions.length === 0 &&
      prepared.decisions.length === 0 &&
      (prepared.processed?.eventIds.length ?? 0) === 0 &&
      prepared.snapshot === undefined &&
      prepared.fence === undefined;
    if (nothingToDo) {
      this.checkOpen();
      return [];
    }
    return this.transaction((client) => this.commitIn(client, prepared));
  }

  async *read(query: ReadQuery = {}): AsyncIterable<StoredEvent> {
    const limit = query.limit ?? Number.POSITIVE_INFINITY;
    if (limit <= 0) return;
    const conditions = ['position > $1'];
    const params: unknown[] = [query.afterPosition ?? 0];
    const add = (condition: (n: string) => string, value: unknown) => {
      params.push(value);
      conditions.push(condition(`$${params.length}`));
    };
    if (query.key !== undefined) add((n) => `key = ${n}`, query.key);
    if (query.type !== undefined) add((n) => `type = ${n}`, query.type);
    if (query.positionId !== undefined) add((n) => `position_id = ${n}`, query.positionId);
    if (query.correlationId !== undefined) {
      add((n) => `(correlation_id = ${n} OR id = ${n})`, query.correlationId);
    }
    if (query.since !== undefined) add((n) => `ts_ms >= ${n}`, query.since);
    if (query.until !== undefined) add((n) => `ts_ms < ${n}`, query.until);
    params.push(PAGE_SIZE);
    const text =
      `SELECT ${EVENT_COLUMNS} FROM ${this.quotedSchema}.events WHERE ${conditions.join(' AND ')} ` +
      `ORDER BY position LIMIT $${params.length}`;
    // Keyset pagination: each page starts after the last position of the one before, so the log
    // is never held in memory and no cursor or transaction stays open between pages.
    let remaining = limit;
    for (;;) {
      params[params.length - 1] = Math.min(PAGE_SIZE, remaining);
      const rows = await this.query<EventDbRow>(text, params);
      for (const row of rows) yield storedEventOf(row);
      remaining -= rows.length;
      if (rows.length < PAGE_SIZE || remaining <= 0) return;
      params[0] = rows[rows.length - 1]!.position;
    }
  }

  async head(): Promise<number> {
    const rows = await this.query<{ position: Int8 }>(this.sql.head);
    return Number(rows[0]?.position ?? 0);
  }

  async version(key: string): Promise<number> {
    const rows = await this.query<{ version: number | null }>(this.sql.version, [key]);
    return rows[0]?.version ?? 0;
  }

  async processed(consumer: string, eventId: string): Promise<boolean> {
    const rows = await this.query(this.sql.processed, [consumer, eventId]);
    return rows.length > 0;
  }

  async record(collection: string, id: string): Promise<unknown> {
    const rows = await this.query<{ value: string }>(this.sql.record, [collection, id]);
    return rows[0] === undefined ? undefined : JSON.parse(rows[0].value);
  }

  async records(collection: string): Promise<Array<{ readonly id: string; readonly value: unknown }>> {
    const rows = await this.query<{ id: string; value: string }>(this.sql.records, [collection]);
    return rows.map((r) => ({ id: r.id, value: JSON.parse(r.value) }));
  }

  async latestSnapshot(name: string): Promise<Snapshot | undefined> {
    const rows = await this.query<{ name: string; position: Int8; taken_at: Int8; data: string }>(
      this.sql.latestSnapshot,
      [name],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    return {
      name: row.name,
      position: Number(row.position),
      takenAt: Number(row.taken_at),
      data: JSON.parse(row.data),
    };
  }

  async positions(
    filter: { readonly status?: 'open' | 'closed'; readonly id?: string } = {},
  ): Promise<PositionRow[]> {
    const rows = await this.query<PositionDbRow>(this.sql.positions, [
      filter.status ?? null,
      filter.id ?? null,
    ]);
    return rows.map(positionOf);
  }

  async decisions(filter: { readonly positionId?: string } = {}): Promise<DecisionRow[]> {
    const rows = await this.query<DecisionDbRow>(this.sql.decisions, [filter.positionId ?? null]);
    return rows.map(decisionOf);
  }

  async onPositionInserted(listener: (positionId: string) => void): Promise<() => Promise<void>> {
    this.checkOpen();
    const subscription = new PositionSubscription(
      {
        connectionString: this.url,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        application_name: `warden-listen:${this.schema}`.slice(0, 63),
      },
      this.schema,
      listener,
    );
    try {
      await subscription.start();
    } catch (error) {
      throw unavailable(this.url, error);
    }
    this.subscriptions.add(subscription);
    return async () => {
      this.subscriptions.delete(subscription);
      await subscription.stop();
    };
  }

  async lockWriter(options: { readonly command: string }): Promise<WriterLock> {
    this.checkOpen();
    const name = `the PostgreSQL store ${maskUrl(this.url)} (schema "${this.schema}")`;
    if (this.writer !== undefined) throw storeLocked(name, this.writer.holder);
    const lock = await takePostgresWriterLock({
      connection: {
        connectionString: this.url,
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        application_name: `warden-writer:${this.schema}`.slice(0, 63),
      },
      url: this.url,
      schema: this.schema,
      holder: thisProcess(options.command),
      refused: async () => storeLocked(name, await recordedHolder(this)),
      record: async (holder) => {
        if (!this.closed) await this.commit({ records: [holderRecord(holder)] });
      },
      onReleased: () => {
        if (this.writer === lock) this.writer = undefined;
      },
    });
    this.writer = lock;
    return lock;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.writer?.release();
    this.closed = true;
    const subscriptions = [...this.subscriptions];
    this.subscriptions.clear();
    await Promise.all(subscriptions.map((s) => s.stop()));
    await this.pool.end();
  }

  private checkOpen(): void {
    if (this.closed) {
      throw new WardenError(
        'WARDEN_STORE_UNAVAILABLE',
        `PostgreSQL store (schema "${this.schema}") is closed`,
        {
          schema: this.schema,
        },
      );
    }
  }

  private async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]> {
    this.checkOpen();
    try {
      return (await this.pool.query<R>(text, values)).rows;
    } catch (error) {
      throw isConnectionError(error) ? unavailable(this.url, error) : error;
    }
  }

  /** Runs `work` in one transaction on one pool connection; any failure rolls everything back. */
  private transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    this.checkOpen();
    return inTransaction(this.pool, this.url, work);
  }

  private async commitIn(client: pg.PoolClient, unit: PreparedUnit): Promise<StoredEvent[]> {
    const sql = this.sql;
    await claimFence(client, this.claimSql, unit.fence);
    let stored: StoredEvent[] = [];
    if (unit.events.length > 0 || unit.snapshot !== undefined) {
      // Every writer of events takes this row lock first, so appends serialise across processes.
      const head = (await client.query<{ position: Int8; hash: string }>(sql.lockHead)).rows[0];
      if (head === undefined) throw new WardenError('WARDEN_INTERNAL', 'the event_head row is missing');
      let position = Number(head.position);
      if (unit.events.length > 0) {
        stored = await this.insertEvents(client, unit, position, head.hash);
        position += stored.length;
      }
      if (unit.snapshot !== undefined) {
        await client.query(sql.insertSnapshot, [
          unit.snapshot.name,
          position,
          Date.now(),
          unit.snapshot.data,
        ]);
      }
    }
    if (unit.processed !== undefined && unit.processed.eventIds.length > 0) {
      const { consumer, eventIds } = unit.processed;
      const inserted = await client.query<{ event_id: string }>(sql.insertProcessed, [
        consumer,
        eventIds,
        Date.now(),
      ]);
      if (inserted.rows.length < eventIds.length) {
        const fresh = new Set(inserted.rows.map((r) => r.event_id));
        const seen = eventIds.filter((id) => !fresh.has(id));
        throw new WardenError(
          'WARDEN_EVENT_DUPLICATE',
          `consumer ${consumer} already processed ${seen.join(', ')}`,
          { consumer, eventIds: seen },
        );
      }
    }
    if (unit.records.size > 0) await writeRecords(client, sql, unit.records);
    if (unit.positions.length > 0) {
      const columns = transpose(unit.positions.map(positionValues), 13);
      await client.query(sql.upsertPositions, [...columns, Date.now()]);
    }
    if (unit.decisions.length > 0) {
      await client.query(sql.upsertDecisions, transpose(unit.decisions.map(decisionValues), 21));
    }
    return stored;
  }

  private async insertEvents(
    client: pg.PoolClient,
    unit: PreparedUnit,
    headPosition: number,
    headHash: string,
  ): Promise<StoredEvent[]> {
    const versions = new Map<string, number>();
    const current = await client.query<{ key: string; version: number | null }>(this.sql.keyVersions, [
      unit.keys,
    ]);
    for (const row of current.rows) versions.set(row.key, row.version ?? 0);
    if (unit.expectedVersion !== undefined) {
      const key = unit.keys[0]!;
      const actual = versions.get(key) ?? 0;
      if (actual !== unit.expectedVersion) {
        throw new WardenError(
          'WARDEN_STORE_CONFLICT',
          `key ${key} is at version ${actual}, expected ${unit.expectedVersion}`,
          { key, actual, expected: unit.expectedVersion },
        );
      }
    }
    const n = unit.events.length;
    const stored = new Array<StoredEvent>(n);
    let previous = headHash;
    for (let from = 0; from < n; from += EVENT_CHUNK) {
      const to = Math.min(n, from + EVENT_CHUNK);
      const values = new Array<unknown>((to - from) * EVENT_INSERT_WIDTH);
      let v = 0;
      for (let i = from; i < to; i++) {
        const e = unit.events[i]!;
        const env = e.envelope;
        const position = headPosition + i + 1;
        const version = (versions.get(env.key) ?? 0) + 1;
        versions.set(env.key, version);
        const hash = linkHash(previous, position, version, env);
        previous = hash;
        stored[i] = { envelope: env, position, version, hash };
        // In EVENT_INSERT_COLUMNS order.
        values[v++] = position;
        values[v++] = env.id;
        values[v++] = env.type;
        values[v++] = env.key;
        values[v++] = version;
        values[v++] = env.ts;
        values[v++] = e.tsMs;
        values[v++] = env.urgency ?? null;
        values[v++] = env.causationId ?? null;
        values[v++] = env.correlationId ?? null;
        values[v++] = e.positionId;
        values[v++] = e.data;
        values[v++] = hash;
      }
      const rows = to - from;
      await client.query(
        rows === EVENT_CHUNK
          ? { name: 'warden-insert-events', text: this.fullChunkSql(), values }
          : { text: insertEventsSql(this.quotedSchema, rows), values },
      );
    }
    await client.query(this.sql.updateHead, [headPosition + n, previous]);
    return stored;
  }
}
