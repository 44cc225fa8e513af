import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/adapters/stores/chain.ts';
import { knownMigrations } from '../../src/adapters/stores/postgres/migrations.ts';
import { openPostgresStore } from '../../src/adapters/stores/postgres/postgres-store.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import type { StoredEvent } from '../../src/ports/store.ts';
import { requireService, testSchemas } from '../support/services.ts';

/*
 * What only the PostgreSQL adapter owes, beyond the shared contract: several processes on one
 * store, migrations, connection errors and paging.
 */

const { available, url } = await requireService('postgres');

function env(n: number, key: string): Envelope {
  return {
    id: `01HZY${String(n).padStart(21, '0')}`,
    type: 'Trading.Order.Placed.v1',
    key,
    ts: new Date(Date.UTC(2026, 0, 1) + n).toISOString(),
    data: { n },
  };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe.skipIf(!available)('PostgreSQL event store (adapter)', () => {
  const schemas = testSchemas(url, 'warden_pgstore');
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: url });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end();
    await schemas.dropAll();
  });

  it('keeps one gap-free chain when two stores (two pools, like two processes) append at once', async () => {
    const schema = schemas.next();
    const a = await openPostgresStore(url, { schema });
    const b = await openPostgresStore(url, { schema });
    try {
      await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          (i % 2 === 0 ? a : b).append(Array.from({ length: 25 }, (_, j) => env(i * 25 + j, `k${i % 3}`))),
        ),
      );
      const read = await collect(a.read());
      expect(read.map((e) => e.position)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
      for (const key of ['k0', 'k1', 'k2']) {
        const versions = read.filter((e) => e.envelope.key === key).map((e) => e.version);
        expect(versions).toEqual(versions.map((_, i) => i + 1));
      }
      expect(await verifyChain(b.read())).toMatchObject({ ok: true, checked: 400 });
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('migrates a new schema once when several stores open it at the same time', async () => {
    const schema = schemas.next();
    const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(url, { schema })));
    await Promise.all(stores.map((s) => s.close()));
    const { rows } = await admin.query(
      `SELECT version, name FROM "${schema}".schema_migrations ORDER BY version`,
    );
    expect(rows).toEqual(knownMigrations().map((m) => ({ version: m.version, name: m.name })));
  });

  it('refuses a schema migrated by a newer Warden with WARDEN_STORE_SCHEMA_NEWER, changing nothing', async () => {
    const schema = schemas.next();
    await (await openPostgresStore(url, { schema })).close();
    const newer = knownMigrations().length + 1;
    await admin.query(
      `INSERT INTO "${schema}".schema_migrations (version, name) VALUES ($1, 'from_the_future')`,
      [newer],
    );
    await expect(openPostgresStore(url, { schema })).rejects.toMatchObject({
      code: 'WARDEN_STORE_SCHEMA_NEWER',
      details: { schema, version: newer },
    });
  });

  it('reports an unreachable server as WARDEN_STORE_UNAVAILABLE with the URL, password masked, and the cause', async () => {
    const error = await openPostgresStore('postgres://warden:s3cret@127.0.0.1:1/nowhere').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'WARDEN_STORE_UNAVAILABLE',
      details: { url: 'postgres://warden:***@127.0.0.1:1/nowhere' },
    });
    const message = (error as Error).message;
    expect(message).toContain('postgres://warden:***@127.0.0.1:1/nowhere');
    expect(message).toContain('ECONNREFUSED');
    expect(message).not.toContain('s3cret');
    expect(message).not.toContain('\n    at ');
  });

  it('reads across pages in order, with filters, afterPosition and a limit that cross page boundaries', async () => {
    const schema = schemas.next();
    const store = await openPostgresStore(url, { schema });
    try {
      const all = Array.from({ length: 2_600 }, (_, i) => env(i + 1, i % 2 === 0 ? 'even' : 'odd'));
      await store.append(all.slice(0, 1_300));
      await store.append(all.slice(1_300));
      const positions = (events: StoredEvent[]) => events.map((e) => e.position);
      expect(positions(await collect(store.read()))).toEqual(all.map((_, i) => i + 1));
      expect(positions(await collect(store.read({ afterPosition: 999, limit: 1_502 })))).toEqual(
        Array.from({ length: 1_502 }, (_, i) => i + 1_000),
      );
      const odd = await collect(store.read({ key: 'odd', afterPosition: 10 }));
      expect(positions(odd)).toEqual(Array.from({ length: 1_295 }, (_, i) => 12 + 2 * i));
      expect(odd.map((e) => e.version)).toEqual(Array.from({ length: 1_295 }, (_, i) => i + 6));
    } finally {
      await store.close();
    }
  });

  it('refuses to be used after close with WARDEN_STORE_UNAVAILABLE', async () => {
    const store = await openPostgresStore(url, { schema: schemas.next() });
    await store.close();
    await expect(store.append([env(1, 'k')])).rejects.toMatchObject({ code: 'WARDEN_STORE_UNAVAILABLE' });
    await expect(store.head()).rejects.toMatchObject({ code: 'WARDEN_STORE_UNAVAILABLE' });
  });
});
