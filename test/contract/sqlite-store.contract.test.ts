import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../src/adapters/stores/chain.ts';
import { openSqliteStore } from '../../src/adapters/stores/sqlite/sqlite-store.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import type { EventStore } from '../../src/ports/store.ts';
import { eventStoreContract } from './event-store.contract.ts';

const root = mkdtempSync(join(tmpdir(), 'warden-sqlite-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let files = 0;
let lastPath = '';
const paths = new Map<EventStore, string>();

async function openFresh(): Promise<EventStore> {
  lastPath = join(root, `store-${++files}`, 'warden.db');
  const store = await openSqliteStore(lastPath);
  paths.set(store, lastPath);
  return store;
}

eventStoreContract('sqlite', openFresh, {
  reopen: () => openSqliteStore(lastPath),
  spec: () => lastPath,
  async tamper(store, position) {
    const db = new Database(paths.get(store)!);
    try {
      db.prepare('UPDATE events SET data = ? WHERE position = ?').run('{"tampered":true}', position);
    } finally {
      db.close();
    }
  },
});

const env = (n: number, key = 'acc-1'): Envelope => ({
  id: `01HZX0000000000000${String(n).padStart(8, '0')}`,
  type: 'Trading.Order.Placed.v1',
  key,
  ts: new Date(Date.UTC(2026, 0, 1) + n).toISOString(),
  data: { n },
});

describe('sqlite store', () => {
  const opened: EventStore[] = [];
  const open = async (path: string, options?: Parameters<typeof openSqliteStore>[1]) => {
    const store = await openSqliteStore(path, options);
    opened.push(store);
    return store;
  };
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });

  it('creates missing parent directories, uses WAL and records its migrations', async () => {
    const path = join(root, 'deep', 'er', 'warden.db');
    await open(path);
    const db = new Database(path, { readonly: true });
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all();
      expect(rows[0]).toEqual({ version: 1, name: 'init' });
    } finally {
      db.close();
    }
  });

  it('applies each migration once across re-opens', async () => {
    const path = join(root, 'twice', 'warden.db');
    await (await openSqliteStore(path)).close();
    await (await openSqliteStore(path)).close();
    const db = new Database(path, { readonly: true });
    try {
      const versions = db.prepare('SELECT version FROM schema_migrations').pluck().all();
      expect(versions).toEqual([...new Set(versions)]);
    } finally {
      db.close();
    }
  });

  it('sets synchronous to NORMAL by default and FULL when asked', async () => {
    const normal = await open(join(root, 'sync-normal', 'warden.db'));
    const full = await open(join(root, 'sync-full', 'warden.db'), { synchronous: 'full' });
    // The pragma is per connection, so each store is asked through its own.
    const sync = (s: EventStore) =>
      (s as unknown as { db: Database.Database }).db.pragma('synchronous', { simple: true });
    expect(sync(normal)).toBe(1);
    expect(sync(full)).toBe(2);
  });

  it('refuses a store migrated by a newer Warden with WARDEN_STORE_SCHEMA_NEWER', async () => {
    const path = join(root, 'newer', 'warden.db');
    await (await openSqliteStore(path)).close();
    const db = new Database(path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      999,
      'from-the-future',
      new Date(0).toISOString(),
    );
    db.close();
    await expect(openSqliteStore(path)).rejects.toMatchObject({
      code: 'WARDEN_STORE_SCHEMA_NEWER',
      message: expect.stringContaining('999'),
    });
  });

  it('reports a path it cannot open as WARDEN_STORE_UNAVAILABLE, naming the path and the cause', async () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, 'not a directory');
    const path = join(blocker, 'warden.db');
    const error = await openSqliteStore(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'WARDEN_STORE_UNAVAILABLE', message: expect.stringContaining(path) });
    expect((error as Error).message).toMatch(/ENOTDIR|EEXIST|not a directory/i);
    expect((error as Error).message).not.toContain('\n    at ');
  });

  it('reports a file that is not a database as WARDEN_STORE_UNAVAILABLE', async () => {
    const path = join(root, 'garbage.db');
    writeFileSync(
      path,
      'this is not a SQLite database, just some text that is long enough to fail. '.repeat(20),
    );
    await expect(openSqliteStore(path)).rejects.toMatchObject({
      code: 'WARDEN_STORE_UNAVAILABLE',
      message: expect.stringMatching(/garbage\.db.*not a database/),
    });
  });

  it('keeps one gap-free chain when two connections append to the same file in turn', async () => {
    const path = join(root, 'shared', 'warden.db');
    const a = await open(path);
    const b = await open(path);
    let n = 0;
    for (let round = 0; round < 5; round++) {
      await a.append([env(++n), env(++n, 'acc-2')]);
      await b.append([env(++n), env(++n, 'acc-2')]);
      await a.commit({ events: [env(++n)], snapshot: { name: 'engine', data: round } });
    }
    await expect(b.append([env(1)])).rejects.toMatchObject({ code: 'WARDEN_EVENT_DUPLICATE' });
    await expect(b.append([env(99)], { expectedVersion: 10 })).rejects.toMatchObject({
      code: 'WARDEN_STORE_CONFLICT',
    });
    await b.append([env(99)], { expectedVersion: 15 });
    expect(await a.head()).toBe(26);
    expect(await a.version('acc-1')).toBe(16);
    expect(await a.latestSnapshot('engine')).toMatchObject({ position: 25, data: 4 });
    const audit = await verifyChain(a.read());
    expect(audit).toMatchObject({ ok: true, checked: 26 });
  });

  it('streams reads page by page, without skipping or repeating across pages', async () => {
    const path = join(root, 'pages', 'warden.db');
    const store = await open(path, { readPageSize: 7 });
    await store.append(Array.from({ length: 50 }, (_, i) => env(i + 1, i % 2 === 0 ? 'even' : 'odd')));
    const positions: number[] = [];
    for await (const e of store.read({ key: 'even', afterPosition: 3, limit: 20 }))
      positions.push(e.position);
    expect(positions).toEqual(Array.from({ length: 20 }, (_, i) => 5 + 2 * i));
  });
});
