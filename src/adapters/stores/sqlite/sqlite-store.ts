import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
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
import { checkFence } from '../fence.ts';
import {
  type DecisionDbRow,
  decisionOf,
  decisionValues,
  EVENT_COLUMNS,
  type EventDbRow,
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
import { SqliteFencing } from './fencing.ts';
import { migrate } from './migrate.ts';
import { prepareStatements, type Statements } from './rows.ts';
import { takeSqliteWriterLock } from './writer-lock.ts';

/** Options of the SQLite store. */
export interface SqliteStoreOptions {
  /**
   * `normal` (the default) with WAL survives a crash of the process, SIGKILL included: a commit
   * that returned is in the WAL file. A crash or power loss of the operating system can lose the
   * last commits (never corrupt the file). `full` syncs the WAL on every commit and keeps them
   * too, at a cost in append throughput.
   */
  readonly synchronous?: 'normal' | 'full';
  /** How long a write waits for another connection's lock before failing, in ms (5,000). */
  readonly busyTimeoutMs?: number;
  /** Events per page that `read` fetches at a time (1,000). */
  readonly readPageSize?: number;
  /** The store's wall clock, epoch ms, for snapshot and bookkeeping times; `Date.now` by default. */
  readonly now?: () => number;
}

/** SQLite result codes that mean the database, not the request, is at fault. */
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CANTOPEN|CORRUPT|NOTADB|PERM|AUTH)/;

function sqliteCode(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : '';
}

function causeOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What a committed transaction changes in the in-memory cache of the log's head. */
interface Appended {
  readonly stored: StoredEvent[];
  readonly versions: Map<string, number>;
}

/**
 * The event store on a SQLite file (better-sqlite3), in WAL mode. One transaction per `append`
 * or `commit` call, so a caller gets group commit by passing many events at once. Several
 * connections (and processes) may share the file: every write takes the write lock first and
 * re-reads the log's head if another connection committed since (`PRAGMA data_version`).
 */
export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly pageSize: number;
  private closed = false;
  /** The writer lock, while this handle holds it. */
  private writer: HeldWriterLock | undefined;

  /** The log's head as this connection last saw it, valid while `dataVersion` is unchanged. */
  private headPosition = 0;
  private headHash = GENESIS_HASH;
  private readonly keyVersions = new Map<string, number>();
  private dataVersion = -1;

  private readonly stmt: Statements;
  private readonly fencing: SqliteFencing;
  private readonly readStatements = new Map<string, Database.Statement<unknown[], EventDbRow>>();
  private readonly write: Database.Transaction<(unit: CommitUnit) => Appended>;

  /**
   * Opens (creating it and its directory if missing) and migrates the store at `path`. Throws
   * `WARDEN_STORE_UNAVAILABLE` when the file cannot be opened or migrated and
   * `WARDEN_STORE_SCHEMA_NEWER` when a newer Warden migrated it.
   */
  constructor(
    readonly path: string,
    options: SqliteStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.pageSize = Math.max(1, options.readPageSize ?? 1000);
    let db: Database.Database | undefined;
    try {
      mkdirSync(dirname(path), { recursive: true });
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000))}`);
      migrate(db, path);
      this.db = db;
      this.stmt = prepareStatements(db);
      this.fencing = new SqliteFencing(db);
    } catch (error) {
      db?.close();
      if (error instanceof WardenError) throw error;
      throw new WardenError(
        'WARDEN_STORE_UNAVAILABLE',
        `cannot open the SQLite store at ${path}: ${causeOf(error)}`,
        { path, cause: causeOf(error) },
      );
    }
    this.write = this.db.transaction((unit: CommitUnit) => this.writeUnit(unit));
  }

  async append(events: readonly Envelope[], options: AppendOptions = {}): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    return this.commit(
      options.expectedVersion === undefined
        ? { events }
        : { events, expectedVersion: options.expectedVersion },
    );
  }

  async commit(unit: CommitUnit): Promise<StoredEvent[]> {
    const events = unit.events ?? [];
    checkFence(unit.fence);
    if (unit.expectedVersion !== undefined && events.some((e) => e.key !== events[0]!.key)) {
      throw new WardenError(
        'WARDEN_STORE_CONFLICT',
        'expectedVersion needs every event of the batch to have one key',
      );
    }
    let appended: Appended;
    try {
      appended = this.write.immediate(unit);
    } catch (error) {
      throw this.storeError(error);
    }
    // Only a committed transaction moves the cached head.
    const last = appended.stored.at(-1);
    if (last !== undefined) {
      this.headPosition = last.position;
      this.headHash = last.hash;
      for (const [key, version] of appended.versions) this.keyVersions.set(key, version);
    }
    return appended.stored;
  }

  async *read(query: ReadQuery = {}): AsyncIterable<StoredEvent> {
    const where = ['position > ?'];
    const params: unknown[] = [];
    if (query.key !== undefined) {
      where.push('key = ?');
      params.push(query.key);
    }
    if (query.type !== undefined) {
      where.push('type = ?');
      params.push(query.type);
    }
    if (query.positionId !== undefined) {
      where.push('position_id = ?');
      params.push(query.positionId);
    }
    if (query.correlationId !== undefined) {
      where.push('(correlation_id = ? OR id = ?)');
      params.push(query.correlationId, query.correlationId);
    }
    if (query.since !== undefined) {
      where.push('ts_ms >= ?');
      params.push(query.since);
    }
    if (query.until !== undefined) {
      where.push('ts_ms < ?');
      params.push(query.until);
    }
    const sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY position LIMIT ?`;
    let statement = this.readStatements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare<unknown[], EventDbRow>(sql);
      this.readStatements.set(sql, statement);
    }
    let remaining = query.limit ?? Number.POSITIVE_INFINITY;
    let after = Math.max(0, query.afterPosition ?? 0);
    // Pages by position, so a long log streams instead of loading whole; each page sees the
    // events committed before it was fetched.
    while (remaining > 0) {
      const pageSize = Math.min(this.pageSize, remaining);
      const rows = statement.all(after, ...params, pageSize);
      for (const r of rows) yield storedEventOf(r);
      if (rows.length < pageSize) return;
      remaining -= rows.length;
      after = Number(rows.at(-1)!.position);
    }
  }

  async head(): Promise<number> {
    return this.stmt.maxPosition.get() ?? 0;
  }

  async version(key: string): Promise<number> {
    return this.stmt.keyVersion.get(key) ?? 0;
  }

  async processed(consumer: string, eventId: string): Promise<boolean> {
    return this.stmt.processed.get(consumer, eventId) !== undefined;
  }

  async record(collection: string, id: string): Promise<unknown> {
    const value = this.stmt.record.get(collection, id);
    return value === undefined ? undefined : JSON.parse(value);
  }

  async records(collection: string): Promise<Array<{ readonly id: string; readonly value: unknown }>> {
    return this.stmt.records.all(collection).map((r) => ({ id: r.id, value: JSON.parse(r.value) }));
  }

  async latestSnapshot(name: string): Promise<Snapshot | undefined> {
    const r = this.stmt.snapshot.get(name);
    if (r === undefined) return undefined;
    return { name: r.name, position: r.position, takenAt: r.taken_at, data: JSON.parse(r.data) };
  }

  async positions(
    filter: { readonly status?: 'open' | 'closed'; readonly id?: string } = {},
  ): Promise<PositionRow[]> {
    const where: string[] = [];
    const params: string[] = [];
    if (filter.status !== undefined) {
      where.push('status = ?');
      params.push(filter.status);
    }
    if (filter.id !== undefined) {
      where.push('id = ?');
      params.push(filter.id);
    }
    const sql = `SELECT * FROM positions${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
    return this.db
      .prepare<string[], PositionDbRow>(sql)
      .all(...params)
      .map(positionOf);
  }

  async decisions(filter: { readonly positionId?: string } = {}): Promise<DecisionRow[]> {
    const rows =
      filter.positionId === undefined
        ? this.db.prepare<[], DecisionDbRow>('SELECT * FROM decisions ORDER BY decided_at, id').all()
        : this.db
            .prepare<[string], DecisionDbRow>(
              'SELECT * FROM decisions WHERE position_id = ? ORDER BY decided_at, id',
            )
            .all(filter.positionId);
    return rows.map(decisionOf);
  }

  async lockWriter(options: { readonly command: string }): Promise<WriterLock> {
    const name = `the SQLite store ${this.path}`;
    if (this.closed) {
      throw new WardenError('WARDEN_STORE_UNAVAILABLE', `${name} is closed`, { path: this.path });
    }
    if (this.writer !== undefined) throw storeLocked(name, this.writer.holder);
    const lock = await takeSqliteWriterLock({
      path: this.path,
      name,
      holder: thisProcess(options.command, this.now),
      refused: async () => storeLocked(name, await recordedHolder(this)),
      record: async (holder) => {
        await this.commit({ records: [holderRecord(holder)] });
      },
      storeClosed: () => this.closed,
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
    this.db.close();
  }

  /** The body of the write transaction: runs with the write lock held. */
  private writeUnit(unit: CommitUnit): Appended {
    const now = this.now();
    this.fencing.check(unit.fence);
    const appended = this.insertEvents(unit.events ?? [], unit.expectedVersion);
    for (const r of unit.records ?? []) {
      if (r.value === null) this.stmt.deleteRecord.run(r.collection, r.id);
      else this.stmt.upsertRecord.run(r.collection, r.id, JSON.stringify(r.value));
    }
    for (const p of unit.positions ?? []) this.stmt.upsertPosition.run(...positionValues(p), now);
    for (const d of unit.decisions ?? []) this.stmt.upsertDecision.run(...decisionValues(d));
    if (unit.processed !== undefined) {
      const { consumer } = unit.processed;
      for (const id of unit.processed.eventIds) {
        try {
          this.stmt.insertProcessed.run(consumer, id, now);
        } catch (error) {
          if (!sqliteCode(error).startsWith('SQLITE_CONSTRAINT')) throw error;
          throw new WardenError(
            'WARDEN_EVENT_DUPLICATE',
            `event ${id} was already processed by ${consumer}`,
            {
              consumer,
              id,
            },
          );
        }
      }
    }
    if (unit.snapshot !== undefined) {
      const position = appended.stored.at(-1)?.position ?? this.headPosition;
      this.stmt.insertSnapshot.run(unit.snapshot.name, position, now, JSON.stringify(unit.snapshot.data));
    }
    return appended;
  }

  private insertEvents(events: readonly Envelope[], expectedVersion: number | undefined): Appended {
    this.refreshHead();
    const versions = new Map<string, number>();
    if (expectedVersion !== undefined && events.length > 0) {
      const key = events[0]!.key;
      const actual = this.currentVersion(key);
      if (actual !== expectedVersion) {
        throw new WardenError(
          'WARDEN_STORE_CONFLICT',
          `key ${key} is at version ${actual}, expected ${expectedVersion}`,
          { key, actual, expected: expectedVersion },
        );
      }
    }
    const stored = new Array<StoredEvent>(events.length);
    let position = this.headPosition;
    let previous = this.headHash;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const version = (versions.get(e.key) ?? this.currentVersion(e.key)) + 1;
      versions.set(e.key, version);
      position++;
      const hash = linkHash(previous, position, version, e);
      const positionId = e.data.positionId;
      try {
        this.stmt.insertEvent.run(
          position,
          e.id,
          e.type,
          e.key,
          version,
          e.ts,
          Date.parse(e.ts),
          e.urgency ?? null,
          e.causationId ?? null,
          e.correlationId ?? null,
          typeof positionId === 'string' ? positionId : null,
          JSON.stringify(e.data),
          hash,
        );
      } catch (error) {
        if (sqliteCode(error) !== 'SQLITE_CONSTRAINT_UNIQUE' || !causeOf(error).includes('events.id'))
          throw error;
        throw new WardenError('WARDEN_EVENT_DUPLICATE', `event ${e.id} is already stored`, { id: e.id });
      }
      previous = hash;
      stored[i] = { envelope: e, position, version, hash };
    }
    return { stored, versions };
  }

  /** Re-reads the head when another connection committed since this one last looked. */
  private refreshHead(): void {
    const dataVersion = this.stmt.dataVersion.get()!;
    if (dataVersion === this.dataVersion) return;
    const head = this.stmt.head.get();
    this.headPosition = head?.position ?? 0;
    this.headHash = head?.hash ?? GENESIS_HASH;
    this.keyVersions.clear();
    this.dataVersion = dataVersion;
  }

  /** The committed version of `key`, from the cache or the log. */
  private currentVersion(key: string): number {
    let version = this.keyVersions.get(key);
    if (version === undefined) {
      version = this.stmt.keyVersion.get(key) ?? 0;
      this.keyVersions.set(key, version);
    }
    return version;
  }

  private storeError(error: unknown): unknown {
    if (error instanceof WardenError || !UNAVAILABLE_CODES.test(sqliteCode(error))) return error;
    return new WardenError(
      'WARDEN_STORE_UNAVAILABLE',
      `the SQLite store at ${this.path} failed: ${causeOf(error)}`,
      {
        path: this.path,
        cause: causeOf(error),
      },
    );
  }
}

/**
 * Opens the SQLite event store at `path`: see `SqliteEventStore`. With the default
 * `synchronous: 'normal'`, a commit survives a crash of the process (what Warden's crash test
 * kills it with) but an operating-system crash may lose the last ones; `'full'` keeps those too.
 */
export async function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<EventStore> {
  return new SqliteEventStore(path, options);
}
