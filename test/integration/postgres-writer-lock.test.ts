import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/adapters/stores/postgres/postgres-store.ts';
import { LOCK_CLASS, schemaLockKey } from '../../src/adapters/stores/postgres/writer-lock.ts';
import type { WardenError } from '../../src/domain/errors.ts';
import type { EventStore, WriterLock } from '../../src/ports/store.ts';
import { requireService, testSchemas } from '../support/services.ts';

/*
 * The PostgreSQL writer lock when its session ends under it (a restarted server, a dropped
 * connection, an administrator's pg_terminate_backend): the lock is taken again on a new
 * session, or, if another writer took it meanwhile, reported lost. The shared contract suite
 * covers the rest (test/contract/event-store.contract.ts).
 */

const { available, url } = await requireService('postgres');

/** Polls `check` until it holds; bounded (a hang guard, not a timing check). */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what}: not within 30 s`);
}

describe.skipIf(!available)('PostgreSQL writer lock', () => {
  const schemas = testSchemas(url, 'warden_wlock');
  const stores: EventStore[] = [];
  const admin = new pg.Client({ connectionString: url });
  let connected = false;
  afterAll(async () => {
    for (const s of stores) await s.close();
    if (connected) await admin.end();
    await schemas.dropAll();
  });

  async function open(schema: string): Promise<EventStore> {
    const store = await openPostgresStore(url, { schema });
    stores.push(store);
    return store;
  }

  /** The backend pids holding the writer lock of `schema`. */
  async function holders(schema: string): Promise<number[]> {
    if (!connected) {
      await admin.connect();
      connected = true;
    }
    const { rows } = await admin.query<{ pid: number }>(
      `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid::bigint = $1 AND objid::bigint = $2 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [LOCK_CLASS, schemaLockKey(schema) >>> 0],
    );
    return rows.map((r) => r.pid);
  }

  it('takes the lock again on a new session when its session is ended', async () => {
    const schema = schemas.next();
    const store = await open(schema);
    const lock = await store.lockWriter({ command: 'first' });
    const lost: WardenError[] = [];
    lock.onLost((e) => lost.push(e));
    const [before] = await holders(schema);
    expect(before).toBeDefined();
    await admin.query('SELECT pg_terminate_backend($1)', [before]);
    await until(async () => {
      const now = await holders(schema);
      return now.length === 1 && now[0] !== before;
    }, 'the lock taken again');
    const other = await open(schema);
    await expect(other.lockWriter({ command: 'second' })).rejects.toMatchObject({
      code: 'WARDEN_STORE_LOCKED',
      details: { holder: { command: 'first', pid: process.pid } },
    });
    expect(lost).toEqual([]);
  });

  it('reports the lock lost when another writer took it while its session was down', async () => {
    const schema = schemas.next();
    const store = await open(schema);
    const lock = await store.lockWriter({ command: 'first' });
    const lost = new Promise<WardenError>((resolve) => lock.onLost(resolve));
    const other = await open(schema);
    const [before] = await holders(schema);
    await admin.query('SELECT pg_terminate_backend($1)', [before]);
    // The other writer asks at once and again; the first waits a moment before taking it back.
    let taken: WriterLock | undefined;
    await until(async () => {
      taken = await other.lockWriter({ command: 'second' }).catch(() => undefined);
      return taken !== undefined;
    }, 'the other writer holding the lock');
    const error = await lost;
    expect(error).toMatchObject({ code: 'WARDEN_STORE_LOCKED', details: { holder: { command: 'second' } } });
    // Letting go of a lost lock leaves the new holder's record alone.
    await lock.release();
    const third = await open(schema);
    await expect(third.lockWriter({ command: 'third' })).rejects.toMatchObject({
      code: 'WARDEN_STORE_LOCKED',
      details: { holder: { command: 'second' } },
    });
  });
});
