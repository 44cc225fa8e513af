import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { createUlidGenerator } from '../../src/adapters/ids/ulid.ts';
import { openPostgresStore } from '../../src/adapters/stores/postgres/postgres-store.ts';
import { parseConfig } from '../../src/app/config/load.ts';
import { DurableEngine } from '../../src/app/persistence/durable.ts';
import { CollectingSink } from '../../src/engine/event-sink.ts';
import type { EventStore } from '../../src/ports/store.ts';
import { requireService, testSchemas } from '../support/services.ts';

const { available, url } = await requireService('postgres');

const T0 = Date.parse('2026-04-06T10:00:00.000Z');
const CONFIG = `
engine: { seed: 3, candleIntervals: [], staleFeedSeconds: 0 }
accounts:
  - { id: acc, balance: 100000 }
instruments:
  - { symbol: BTC-USD, tickSize: 0.01, lotSize: 0.001 }
  - { symbol: SOL-USD, tickSize: 0.01, lotSize: 0.1 }
  - { symbol: ETH-USD, tickSize: 0.01, lotSize: 0.01 }
positions:
  - { id: btc-long, account: acc, symbol: BTC-USD, side: long, quantity: 1, entryPrice: 60000, stopPrice: 50000 }
`;
/** A bound for the wait, not the target: the target (≤ 1 s) is measured by `npm run bench -- notify`. */
const DEADLINE_MS = 10_000;

/** Resolves when `condition` holds, polling on timers; rejects after DEADLINE_MS. */
function waitFor(condition: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      if (condition()) resolve();
      else if (Date.now() - started > DEADLINE_MS) reject(new Error(`${what}: not within ${DEADLINE_MS} ms`));
      else setTimeout(check, 5);
    };
    check();
  });
}

describe.skipIf(!available)('PostgreSQL: a positions row inserted by another program', () => {
  const schemas = testSchemas(url, 'warden_adopt');
  const schema = schemas.next();
  let store: EventStore;
  let other: pg.Client;

  beforeAll(async () => {
    store = await openPostgresStore(url, { schema });
    other = new pg.Client({ connectionString: url });
    await other.connect();
  });
  afterAll(async () => {
    await other?.end();
    await store?.close();
    await schemas.dropAll();
  });

  it('is adopted through LISTEN/NOTIFY, watched, and closed when its stop is hit', async () => {
    const config = parseConfig(CONFIG, { source: 'test', env: {} });
    const clock = new SimulatedClock(T0);
    const sink = new CollectingSink();
    const durable = new DurableEngine({
      config,
      store,
      clock,
      ids: createUlidGenerator({ clock, seed: 1 }),
      sink,
    });
    await durable.start();
    // Inserted before Warden listens (while it was down): no notification reaches it, the sweep
    // at the start of listening finds it.
    await other.query(
      `INSERT INTO "${schema}".positions (id, account_id, symbol, side, quantity, entry_price)
       VALUES ('ext-early', 'acc', 'ETH-USD', 'short', 2, 3000)`,
    );
    const lines: string[] = [];
    const unlisten = await durable.listenForPositions((line) => lines.push(line));
    expect(unlisten).toBeDefined();
    const c = durable.c;
    expect(c.monitor.isWatched('ext-early')).toBe(true);
    expect(lines).toEqual(['positions row ext-early: acc ETH-USD short 2 adopted and watched']);
    try {
      await other.query(
        `INSERT INTO "${schema}".positions (id, account_id, symbol, side, quantity, entry_price, stop_price, profile)
         VALUES ('ext-sol', 'acc', 'SOL-USD', 'long', 10, 150, 140, 'default')`,
      );
      // Rows of accounts or symbols Warden does not have are refused with an alert, not adopted.
      await other.query(
        `INSERT INTO "${schema}".positions (id, account_id, symbol, side, quantity, entry_price)
         VALUES ('ext-unknown', 'nobody', 'SOL-USD', 'long', 1, 150)`,
      );
      await waitFor(() => c.monitor.isWatched('ext-sol'), 'ext-sol watched');
      await waitFor(() => lines.some((l) => l.includes('ext-unknown')), 'ext-unknown refused');
      expect(lines).toContain('positions row ext-sol: acc SOL-USD long 10 adopted and watched');
      expect(lines).toContain('positions row ext-unknown was not adopted: unknown account nobody');
      expect(c.monitor.isWatched('ext-unknown')).toBe(false);
      const opened = sink.events.filter(
        (e) => e.type === 'Trading.Position.Opened.v1' && e.data.positionId === 'ext-sol',
      );
      expect(opened.map((e) => e.data)).toEqual([
        expect.objectContaining({
          accountId: 'acc',
          symbol: 'SOL-USD',
          quantity: 10,
          entryPrice: 150,
          stopPrice: 140,
        }),
      ]);

      // Monitored: its stop at 140 closes it.
      clock.advanceTo(T0 + 60_000);
      durable.rt.onTick({ ts: clock.now(), symbol: 'SOL-USD', price: 139.5 });
      await c.monitor.settled();
      await c.execution.idle();
      const closed = sink.events.filter((e) => e.type === 'Trading.Position.Closed.v1');
      expect(closed.map((e) => [e.data.positionId, e.data.reason])).toEqual([['ext-sol', 'STOP_LOSS']]);
      await durable.commit();
      expect((await store.positions({ id: 'ext-sol' })).map((r) => r.status)).toEqual(['closed']);
    } finally {
      await unlisten?.();
      c.risk.stop();
      c.execution.stop();
      c.engine.stop();
    }
  });
});

describe.skipIf(!available)(
  'PostgreSQL: a positions row adopted from another program is under the risk rules',
  () => {
    const schemas = testSchemas(url, 'warden_adopt_risk');
    const schema = schemas.next();
    let store: EventStore;
    let other: pg.Client;

    beforeAll(async () => {
      store = await openPostgresStore(url, { schema });
      other = new pg.Client({ connectionString: url });
      await other.connect();
    });
    afterAll(async () => {
      await other?.end();
      await store?.close();
      await schemas.dropAll();
    });

    it('closes it at its account’s unrealized loss limit', async () => {
      const config = parseConfig(`${CONFIG}risk: { rules: { unrealizedLoss: { limit: 100 } } }\n`, {
        source: 'test',
        env: {},
      });
      const clock = new SimulatedClock(T0);
      const sink = new CollectingSink();
      const durable = new DurableEngine({
        config,
        store,
        clock,
        ids: createUlidGenerator({ clock, seed: 1 }),
        sink,
      });
      await durable.start();
      await other.query(
        `INSERT INTO "${schema}".positions (id, account_id, symbol, side, quantity, entry_price)
       VALUES ('ext-bot', 'acc', 'SOL-USD', 'long', 10, 150)`,
      );
      const unlisten = await durable.listenForPositions(() => {});
      const c = durable.c;
      try {
        expect(c.monitor.isWatched('ext-bot')).toBe(true);
        const tick = async (price: number, at: number) => {
          clock.advanceTo(at);
          durable.rt.onTick({ ts: clock.now(), symbol: 'SOL-USD', price });
          await c.monitor.settled();
          await c.execution.idle();
        };
        const breaches = () => sink.events.filter((e) => e.type === 'Risk.Limit.Breached.v1');
        await tick(140.01, T0 + 60_000); // −99.90
        expect(breaches()).toHaveLength(0);
        await tick(140, T0 + 120_000); // −100.00
        expect(breaches().map((e) => [e.data.rule, e.data.positionId])).toEqual([
          ['UNREALIZED_LOSS', 'ext-bot'],
        ]);
        const closed = sink.events.filter((e) => e.type === 'Trading.Position.Closed.v1');
        expect(closed.map((e) => [e.data.positionId, e.data.reason])).toEqual([['ext-bot', 'RISK_RULE']]);
      } finally {
        await unlisten?.();
        c.risk.stop();
        c.execution.stop();
        c.engine.stop();
      }
    });
  },
);
