import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openEventStore } from '../src/adapters/stores/open-store.ts';
import { maskUrl } from '../src/adapters/stores/postgres/errors.ts';
import { isWardenError } from '../src/domain/errors.ts';
import type { Envelope } from '../src/domain/events/envelope.ts';
import type { EventStore } from '../src/ports/store.ts';
import type { Figure } from './scenarios.ts';
import { buildEvents, type Row, rowsOf } from './store-events.ts';

/*
 * Event store append throughput (`npm run bench -- store`), one JSON line per database (SQLite,
 * PostgreSQL). EVENTS envelopes like the engine's (orders, fills, position and risk events and
 * candles over 100 account keys, ten-field payloads, most with causation and correlation ids) are
 * built once, up front. Then, per database, on fresh empty stores in the same process:
 *
 * - appendsPerSec: the envelopes through the adapter's `append`, BATCH per call (group commit),
 *   the adapter serialising each payload, computing the per-key versions and the hash chain;
 * - rawInsertsPerSec: the same rows (the same column values, payload text and hash strings, all
 *   computed before the clock starts) inserted straight into the `events` table of a store the
 *   adapter created (so the same columns and indexes), BATCH rows per transaction: SQLite with a
 *   prepared one-row INSERT run BATCH times, PostgreSQL with the faster of a prepared multi-row
 *   INSERT … VALUES and an INSERT … SELECT FROM unnest of column arrays;
 * - ratio = appendsPerSec / rawInsertsPerSec (target ≥ 0.5).
 *
 * The writers take turns batch by batch (who goes first rotates) and each batch is timed on its
 * own, so that on a shared machine background load and checkpoints fall on all of them alike and
 * their tables grow together; run one after the other, whichever ran last paid for the others'
 * checkpoints. A warm-up round on throwaway stores comes first.
 *
 * PostgreSQL is WARDEN_BENCH_POSTGRES_URL (else WARDEN_TEST_POSTGRES_URL, else
 * postgres://root@127.0.0.1:5432/test), in a schema of its own dropped afterwards; when it cannot
 * be reached its line says `skipped` and why.
 */

const EVENTS = Number(process.env.WARDEN_BENCH_STORE_EVENTS ?? 200_000);
const BATCH = 1_000;
const KEYS = 100;
/** Events appended (and inserted) into throwaway stores first, so the timed runs meet warm code. */
const WARMUP_EVENTS = Math.min(10_000, EVENTS);
const TARGET_RATIO = 0.5;
const POSTGRES_URL =
  process.env.WARDEN_BENCH_POSTGRES_URL ??
  process.env.WARDEN_TEST_POSTGRES_URL ??
  'postgres://root@127.0.0.1:5432/test';

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** One way of writing the log: `write(from, to)` writes events [from, to) in one transaction. */
interface Writer {
  write(from: number, to: number): Promise<unknown> | unknown;
}

/**
 * Runs the writers over `count` events batch by batch, taking turns (who goes first rotates),
 * and sums each one's time. On a shared machine background load then falls on all of them
 * alike, and their tables grow together. Returns each writer's total wall ms.
 */
async function race(writers: readonly Writer[], count: number): Promise<number[]> {
  const ms = writers.map(() => 0);
  collectGarbage();
  for (let b = 0, from = 0; from < count; b++, from += BATCH) {
    const to = Math.min(count, from + BATCH);
    for (let k = 0; k < writers.length; k++) {
      const w = (b + k) % writers.length;
      const t0 = performance.now();
      await writers[w]!.write(from, to);
      ms[w]! += performance.now() - t0;
    }
  }
  return ms;
}

/** The adapter: `append` of the envelopes, BATCH per call. */
function appender(store: EventStore, events: readonly Envelope[]): Writer & { lastHash: string } {
  const writer = {
    lastHash: '',
    async write(from: number, to: number) {
      const stored = await store.append(events.slice(from, to));
      writer.lastHash = stored.at(-1)?.hash ?? '';
    },
  };
  return writer;
}

/** The adapter's head hash must be the precomputed rows' last hash: the raw inserts wrote the same. */
function checkSameChain(adapter: { lastHash: string }, rows: readonly Row[]): void {
  if (adapter.lastHash !== rows.at(-1)?.hash) {
    throw new Error(
      'the adapter and the precomputed rows disagree on the hash chain; the comparison is void',
    );
  }
}

const INSERT_COLUMNS =
  'position, id, type, key, version, ts, ts_ms, urgency, causation_id, correlation_id, position_id, data, hash';

function rowValues(r: Row): unknown[] {
  return [
    r.position,
    r.id,
    r.type,
    r.key,
    r.version,
    r.ts,
    r.tsMs,
    r.urgency,
    r.causationId,
    r.correlationId,
    r.positionId,
    r.data,
    r.hash,
  ];
}

const perSec = (n: number, ms: number) => Math.round(n / (ms / 1000));

function figures(
  database: string,
  appendMs: number,
  rawMs: number,
  extra: Record<string, Figure> = {},
): Record<string, Figure> {
  const appendsPerSec = perSec(EVENTS, appendMs);
  const rawInsertsPerSec = perSec(EVENTS, rawMs);
  const ratio = Math.round((appendsPerSec / rawInsertsPerSec) * 1000) / 1000;
  return {
    measures:
      'appendsPerSec: EventStore.append of prebuilt envelopes, 1,000 per call (serialisation, versions, hash chain included); ' +
      'rawInsertsPerSec: the same precomputed rows inserted straight into an events table with the same columns and indexes, 1,000 per transaction; ' +
      'both interleaved batch by batch in one process',
    database,
    events: EVENTS,
    batchSize: BATCH,
    keys: KEYS,
    appendsPerSec,
    rawInsertsPerSec,
    ratio,
    appendWallMs: Math.round(appendMs),
    rawWallMs: Math.round(rawMs),
    ...extra,
    targets: { ratio: TARGET_RATIO },
    met: { ratio: ratio >= TARGET_RATIO },
  };
}

// SQLite ---------------------------------------------------------------------------------------

/** Raw inserts into the `events` table of a SQLite file, BATCH rows per transaction. */
function sqliteRaw(path: string, rows: readonly Row[]): Writer & { close(): void } {
  const db = new Database(path);
  // The adapter's settings: WAL (kept in the file) and synchronous NORMAL (its default).
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const insert = db.prepare(
    `INSERT INTO events (${INSERT_COLUMNS}) VALUES (${Array(13).fill('?').join(', ')})`,
  );
  const insertBatch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) insert.run(rowValues(rows[i]!));
  });
  return { write: insertBatch, close: () => db.close() };
}

async function sqliteFigures(
  events: readonly Envelope[],
  rows: readonly Row[],
): Promise<Record<string, Figure>> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-bench-store-'));
  let n = 0;
  /** A fresh store file, and a raw connection to another fresh one (its tables made by the adapter). */
  const pair = async () => {
    const store = await openEventStore(join(dir, `append-${++n}.db`));
    const rawPath = join(dir, `raw-${n}.db`);
    await (await openEventStore(rawPath)).close();
    return { store, raw: sqliteRaw(rawPath, rows) };
  };
  try {
    const warm = await pair();
    await race([appender(warm.store, events), warm.raw], WARMUP_EVENTS);
    await warm.store.close();
    warm.raw.close();
    const timed = await pair();
    const adapter = appender(timed.store, events);
    const [appendMs, rawMs] = await race([adapter, timed.raw], events.length);
    checkSameChain(adapter, rows);
    await timed.store.close();
    timed.raw.close();
    return figures('sqlite', appendMs!, rawMs!, {
      rawMethod: 'prepared one-row INSERT × batch, one transaction',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// PostgreSQL -----------------------------------------------------------------------------------

type PgRaw = (client: pg.Client, table: string, batch: readonly Row[]) => Promise<void>;

/** One prepared INSERT … VALUES of BATCH rows (13 × BATCH parameters). */
const pgValues: PgRaw = async (client, table, batch) => {
  const params: unknown[] = [];
  const tuples: string[] = [];
  for (const r of batch) {
    const at = params.length;
    tuples.push(`(${Array.from({ length: 13 }, (_, c) => `$${at + c + 1}`).join(', ')})`);
    params.push(...rowValues(r));
  }
  await client.query({
    name: `raw-values-${table}-${batch.length}`,
    text: `INSERT INTO ${table} (${INSERT_COLUMNS}) VALUES ${tuples.join(', ')}`,
    values: params,
  });
};

/** One prepared INSERT … SELECT FROM unnest of one array per column. */
const pgUnnest: PgRaw = async (client, table, batch) => {
  const columns = Array.from({ length: 13 }, () => new Array<unknown>(batch.length));
  batch.forEach((r, i) => {
    rowValues(r).forEach((v, c) => {
      columns[c]![i] = v;
    });
  });
  await client.query({
    name: `raw-unnest-${table}`,
    text: `INSERT INTO ${table} (${INSERT_COLUMNS})
           SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[],
                                $7::bigint[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[],
                                $13::text[])`,
    values: columns,
  });
};

/** Raw inserts into `schema`.events on a connection of their own, BATCH rows per transaction. */
async function pgRaw(
  url: string,
  schema: string,
  rows: readonly Row[],
  insert: PgRaw,
): Promise<Writer & { close(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const table = `"${schema}".events`;
  return {
    async write(from, to) {
      await client.query('BEGIN');
      await insert(client, table, rows.slice(from, to));
      await client.query('COMMIT');
    },
    close: () => client.end(),
  };
}

async function postgresFigures(
  events: readonly Envelope[],
  rows: readonly Row[],
): Promise<Record<string, Figure>> {
  const run = `warden_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  const schemas: string[] = [];
  const open = (name: string) => {
    const schema = `${run}_${name}`;
    schemas.push(schema);
    return openEventStore(POSTGRES_URL, { schema }).then((store) => ({ schema, store }));
  };
  /** A fresh store, and raw writers (one per method) into the events tables of two more. */
  const trio = async (round: string) => {
    const { store } = await open(`${round}_append`);
    const values = await open(`${round}_values`);
    await values.store.close();
    const unnest = await open(`${round}_unnest`);
    await unnest.store.close();
    return {
      store,
      values: await pgRaw(POSTGRES_URL, values.schema, rows, pgValues),
      unnest: await pgRaw(POSTGRES_URL, unnest.schema, rows, pgUnnest),
      async close() {
        await store.close();
        await this.values.close();
        await this.unnest.close();
      },
    };
  };
  let warm: Awaited<ReturnType<typeof trio>>;
  try {
    warm = await trio('warm');
  } catch (error) {
    await dropSchemas(schemas).catch(() => undefined);
    return {
      database: 'postgres',
      skipped: `${isWardenError(error) ? error.message : `PostgreSQL at ${maskUrl(POSTGRES_URL)}: ${String(error)}`} (set WARDEN_BENCH_POSTGRES_URL)`,
    };
  }
  try {
    await race([appender(warm.store, events), warm.values, warm.unnest], WARMUP_EVENTS);
    await warm.close();
    const timed = await trio('timed');
    const adapter = appender(timed.store, events);
    const [appendMs, valuesMs, unnestMs] = await race([adapter, timed.values, timed.unnest], events.length);
    checkSameChain(adapter, rows);
    await timed.close();
    const best = valuesMs! <= unnestMs! ? 'values' : 'unnest';
    return figures('postgres', appendMs!, Math.min(valuesMs!, unnestMs!), {
      rawMethod: best === 'values' ? 'prepared multi-row INSERT … VALUES' : 'INSERT … SELECT FROM unnest',
      rawValuesPerSec: perSec(events.length, valuesMs!),
      rawUnnestPerSec: perSec(events.length, unnestMs!),
    });
  } finally {
    await dropSchemas(schemas);
  }
}

async function dropSchemas(schemas: readonly string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  try {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await admin.end();
  }
}

/** The store scenario: one set of figures per database. */
export async function storeScenario(): Promise<Array<Record<string, Figure>>> {
  const events = buildEvents(EVENTS, KEYS);
  const rows = rowsOf(events);
  return [await sqliteFigures(events, rows), await postgresFigures(events, rows)];
}
