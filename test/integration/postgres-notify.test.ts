import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/adapters/stores/postgres/postgres-store.ts';
import type { EventStore } from '../../src/ports/store.ts';
import { requireService, testSchemas } from '../support/services.ts';

const { available, url } = await requireService('postgres');

/** How long a notification or a reconnect may take before the test fails. */
const DEADLINE_MS = 10_000;

/** Position ids as the listener receives them, awaited one by one with a deadline. */
class Inbox {
  private readonly received: string[] = [];
  private waiter: (() => void) | undefined;

  readonly listener = (id: string): void => {
    this.received.push(id);
    this.waiter?.();
  };

  /** The next id received, or a rejection after DEADLINE_MS. */
  async next(): Promise<string> {
    if (this.received.length === 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.waiter = undefined;
          reject(new Error(`no position notification within ${DEADLINE_MS} ms`));
        }, DEADLINE_MS);
        this.waiter = () => {
          clearTimeout(timer);
          this.waiter = undefined;
          resolve();
        };
      });
    }
    return this.received.shift()!;
  }
}

/** Polls pg_stat_activity (an external event) until `accept` holds of the listener's backends. */
async function waitForListener(
  other: pg.Client,
  schema: string,
  accept: (pids: number[]) => boolean,
): Promise<number[]> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const { rows } = await other.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'LISTEN%'`,
      [`warden-listen:${schema}`],
    );
    const pids = rows.map((r) => r.pid);
    if (accept(pids)) return pids;
    if (Date.now() > deadline) throw new Error(`listener backends still ${JSON.stringify(pids)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!available)('PostgreSQL position notifications', () => {
  const schemas = testSchemas(url, 'warden_notify');
  const mine = schemas.next();
  const theirs = schemas.next();
  let store: EventStore;
  let neighbour: EventStore;
  /** Another program: a plain client that knows nothing of Warden. */
  let other: pg.Client;

  const insertRow = (schema: string, id: string) =>
    other.query(
      `INSERT INTO "${schema}".positions (id, account_id, symbol, side, quantity, entry_price)
       VALUES ($1, 'acc-ext', 'ESZ5', 'long', 1, 4500)`,
      [id],
    );

  beforeAll(async () => {
    store = await openPostgresStore(url, { schema: mine });
    neighbour = await openPostgresStore(url, { schema: theirs });
    other = new pg.Client({ connectionString: url });
    await other.connect();
  });

  afterAll(async () => {
    await other?.end();
    await store?.close();
    await neighbour?.close();
    await schemas.dropAll();
  });

  it("delivers rows another program inserts into this schema's positions table, and only those", async () => {
    const inbox = new Inbox();
    const unsubscribe = await store.onPositionInserted!(inbox.listener);
    try {
      // Notifications arrive in commit order, so the neighbour's row, inserted first, would
      // arrive before ours if it were let through.
      await insertRow(theirs, 'theirs-1');
      await insertRow(mine, 'ext-1');
      expect(await inbox.next()).toBe('ext-1');
      await insertRow(theirs, 'theirs-2');
      await insertRow(mine, 'ext-2');
      expect(await inbox.next()).toBe('ext-2');
    } finally {
      await unsubscribe();
    }
  });

  it('delivers rows the store itself inserts, but not updates of existing rows', async () => {
    const inbox = new Inbox();
    const unsubscribe = await store.onPositionInserted!(inbox.listener);
    const row = {
      id: 'own-1',
      accountId: 'acc-1',
      symbol: 'ESZ5',
      side: 'long',
      quantity: 1,
      entryPrice: 4500,
      openedAt: 0,
      status: 'open',
    } as const;
    try {
      await store.commit({ positions: [row] });
      expect(await inbox.next()).toBe('own-1');
      await store.commit({ positions: [{ ...row, status: 'closed', closedAt: 1 }] });
      await insertRow(mine, 'ext-3');
      expect(await inbox.next()).toBe('ext-3');
    } finally {
      await unsubscribe();
    }
  });

  it('listens on its own connection again after that connection is killed', async () => {
    const inbox = new Inbox();
    const unsubscribe = await store.onPositionInserted!(inbox.listener);
    try {
      const [before] = await waitForListener(other, mine, (pids) => pids.length === 1);
      await other.query('SELECT pg_terminate_backend($1)', [before]);
      await waitForListener(other, mine, (pids) => pids.length === 1 && pids[0] !== before);
      await insertRow(mine, 'ext-4');
      expect(await inbox.next()).toBe('ext-4');
    } finally {
      await unsubscribe();
    }
  });

  it('closes its connection when unsubscribed', async () => {
    const unsubscribe = await store.onPositionInserted!(() => undefined);
    await waitForListener(other, mine, (pids) => pids.length === 1);
    await unsubscribe();
    expect(await waitForListener(other, mine, (pids) => pids.length === 0)).toEqual([]);
  });
});
