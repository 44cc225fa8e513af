import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { createUlidGenerator } from '../../src/adapters/ids/ulid.ts';
import { openEventStore } from '../../src/adapters/stores/open-store.ts';
import { parseConfig } from '../../src/app/config/load.ts';
import type { WardenConfig } from '../../src/app/config/schema.ts';
import { DurableEngine } from '../../src/app/persistence/durable.ts';
import { CollectingSink } from '../../src/engine/event-sink.ts';
import type { EventStore } from '../../src/ports/store.ts';

const T0 = Date.parse('2026-04-06T10:00:00.000Z');
const MIN = 60_000;

// Over 3 partitions acc-1 and acc-2 hash to partition 1, acc-3 to partition 2.
const CONFIG = `
engine: { seed: 3, candleIntervals: [], staleFeedSeconds: 0, partitions: 3 }
accounts:
  - { id: acc-1, balance: 100000 }
  - { id: acc-2, balance: 100000 }
  - { id: acc-3, balance: 100000 }
instruments:
  - { symbol: BTC-USD, tickSize: 0.01, lotSize: 0.001 }
  - { symbol: ETH-USD, tickSize: 0.01, lotSize: 0.01 }
positions:
  - { id: p1, account: acc-1, symbol: BTC-USD, side: long, quantity: 1, entryPrice: 60000, stopPrice: 59000 }
  - { id: p2, account: acc-2, symbol: ETH-USD, side: short, quantity: 10, entryPrice: 3000, stopPrice: 3600 }
  - { id: p3, account: acc-3, symbol: BTC-USD, side: long, quantity: 2, entryPrice: 60000, stopPrice: 55000 }
  - { id: p4, account: acc-3, symbol: ETH-USD, side: long, quantity: 5, entryPrice: 3000, stopPrice: 2900 }
`;

let dir: string;
let path: string;
let config: WardenConfig;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-partitions-'));
  path = join(dir, 'warden.db');
  config = parseConfig(CONFIG, { source: 'test', env: {} });
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function session(store: EventStore, clock: SimulatedClock, seed: number, cfg = config) {
  const sink = new CollectingSink();
  const durable = new DurableEngine({
    config: cfg,
    store,
    clock,
    ids: createUlidGenerator({ clock, seed }),
    sink,
  });
  const report = await durable.start();
  const rt = durable.rt;
  return {
    durable,
    rt,
    sink,
    report,
    async tick(symbol: string, price: number) {
      clock.advanceTo(clock.now() + MIN);
      rt.onTick({ ts: clock.now(), symbol, price });
      await rt.decisionsSettled();
      await rt.idle();
    },
    of: (type: string) => sink.events.filter((e) => e.type === type),
    open: () =>
      rt
        .openPositions()
        .map((p) => `${p.accountId}/${p.id}/${p.quantity}/${p.stopPrice}`)
        .sort(),
  };
}

describe('recovery of several partitions', () => {
  it('snapshots each partition under its own name and recovers each from its snapshot and its events after it', async () => {
    const clock = new SimulatedClock(T0);
    let store = await openEventStore(path);
    const first = await session(store, clock, 1);
    expect(first.rt.partitions.map((p) => [p.index, p.accounts])).toEqual([
      [1, ['acc-1', 'acc-2']],
      [2, ['acc-3']],
    ]);
    await first.tick('BTC-USD', 60100);
    await first.durable.snapshot();
    // After the snapshots: acc-1's stop is hit (partition 1), acc-3's ETH stop too (partition 2).
    await first.tick('BTC-USD', 58900);
    await first.tick('ETH-USD', 2890);
    expect(first.of('Trading.Position.Closed.v1').map((e) => [e.data.positionId, e.data.reason])).toEqual([
      ['p1', 'STOP_LOSS'],
      ['p4', 'STOP_LOSS'],
    ]);
    const before = first.open();
    expect(before).toEqual(['acc-2/p2/10/3600', 'acc-3/p3/2/55000']);
    await first.durable.commit();
    first.rt.stop();
    await store.close();

    store = await openEventStore(path);
    expect((await store.latestSnapshot('engine.p1of3'))?.data).toMatchObject({
      positions: [{ id: 'p1' }, { id: 'p2' }],
    });
    expect((await store.latestSnapshot('engine.p2of3'))?.data).toMatchObject({
      positions: [{ id: 'p3' }, { id: 'p4' }],
    });
    expect(await store.latestSnapshot('engine')).toBeUndefined();
    const second = await session(store, clock, 2);
    expect(second.report).toMatchObject({ recovered: true, positions: 2, discrepancies: [] });
    expect(second.open()).toEqual(before);
    // Nothing closed twice, nothing reopened, and the recovered positions are still guarded.
    expect(second.of('Trading.Position.Opened.v1')).toEqual([]);
    await second.tick('BTC-USD', 54900);
    expect(second.of('Trading.Position.Closed.v1').map((e) => [e.data.positionId, e.data.reason])).toEqual([
      ['p3', 'STOP_LOSS'],
    ]);
    second.rt.stop();
    await store.close();
  });

  it('recovers a store written over 3 partitions in a process that holds them as 1', async () => {
    const clock = new SimulatedClock(T0);
    let store = await openEventStore(path);
    const first = await session(store, clock, 1);
    await first.tick('BTC-USD', 60100);
    await first.durable.snapshot();
    await first.tick('BTC-USD', 58900);
    const before = first.open();
    await first.durable.commit();
    first.rt.stop();
    await store.close();

    store = await openEventStore(path);
    const one = parseConfig(CONFIG.replace('partitions: 3', 'partitions: 1'), { source: 'test', env: {} });
    const second = await session(store, clock, 2, one);
    expect(second.rt.partitions).toHaveLength(1);
    expect(second.report).toMatchObject({ recovered: true, discrepancies: [] });
    expect(second.open()).toEqual(before);
    second.rt.stop();
    await store.close();
  });
});
