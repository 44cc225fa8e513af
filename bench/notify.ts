import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { SystemClock } from '../src/adapters/clock/system-clock.ts';
import { createUlidGenerator } from '../src/adapters/ids/ulid.ts';
import { maskUrl } from '../src/adapters/stores/postgres/errors.ts';
import { openPostgresStore } from '../src/adapters/stores/postgres/postgres-store.ts';
import { parseConfig } from '../src/app/config/load.ts';
import { DurableEngine } from '../src/app/persistence/durable.ts';
import type { Figure } from './scenarios.ts';

const ROWS = 50;
const TARGET_MS = 1_000;
const POSTGRES_URL =
  process.env.WARDEN_BENCH_POSTGRES_URL ??
  process.env.WARDEN_TEST_POSTGRES_URL ??
  'postgres://root@127.0.0.1:5432/test';

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/**
 * DESIGN's LISTEN/NOTIFY target: a row another program inserts into the positions table is being
 * monitored within 1 s. A daemon's durable engine listens on a fresh PostgreSQL schema; a plain
 * `pg` client inserts ROWS rows one after another, and each is timed from just before its INSERT
 * until the monitor watches the position.
 */
export async function notifyScenario(): Promise<Record<string, Figure>> {
  const schema = `warden_bench_notify_${process.pid}_${randomBytes(3).toString('hex')}`;
  let store: Awaited<ReturnType<typeof openPostgresStore>>;
  try {
    store = await openPostgresStore(POSTGRES_URL, { schema });
  } catch (error) {
    return { skipped: `PostgreSQL at ${maskUrl(POSTGRES_URL)}: ${(error as Error).message}` };
  }
  const other = new pg.Client({ connectionString: POSTGRES_URL });
  await other.connect();
  const accounts = Array.from({ length: ROWS }, (_, i) => `  - { id: a${i}, balance: 100000 }`).join('\n');
  const config = parseConfig(
    `engine: { candleIntervals: [], staleFeedSeconds: 0 }\naccounts:\n${accounts}\ninstruments:\n  - { symbol: SOL-USD, tickSize: 0.01, lotSize: 0.1 }\n`,
    { source: 'bench' },
  );
  const clock = new SystemClock();
  const durable = new DurableEngine({ config, store, clock, ids: createUlidGenerator({ clock }) });
  const latencies: number[] = [];
  try {
    await durable.start();
    const unlisten = await durable.listenForPositions(() => undefined);
    for (let i = 0; i < ROWS; i++) {
      const id = `ext-${i}`;
      const started = performance.now();
      await other.query(
        `INSERT INTO "${schema}".positions (id, account_id, symbol, side, quantity, entry_price, stop_price)
         VALUES ($1, $2, 'SOL-USD', 'long', 10, 150, 140)`,
        [id, `a${i}`],
      );
      while (!durable.c.monitor.isWatched(id)) {
        if (performance.now() - started > 10 * TARGET_MS) throw new Error(`${id} not watched within 10 s`);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      latencies.push(performance.now() - started);
    }
    await unlisten?.();
  } finally {
    durable.c.risk.stop();
    durable.c.execution.stop();
    durable.c.engine.stop();
    await store.close();
    await other.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await other.end();
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const round = (x: number) => Number(x.toFixed(2));
  return {
    database: 'postgres',
    rows: ROWS,
    p50Ms: round(percentile(sorted, 0.5)),
    p99Ms: round(percentile(sorted, 0.99)),
    maxMs: round(sorted.at(-1)!),
    targets: { maxMs: TARGET_MS, met: sorted.at(-1)! <= TARGET_MS },
  };
}
