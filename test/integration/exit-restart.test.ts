import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { createUlidGenerator } from '../../src/adapters/ids/ulid.ts';
import { openEventStore } from '../../src/adapters/stores/open-store.ts';
import { parseConfig } from '../../src/app/config/load.ts';
import { DurableEngine } from '../../src/app/persistence/durable.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import { CollectingSink } from '../../src/engine/event-sink.ts';
import type { EventStore } from '../../src/ports/store.ts';

const T0 = Date.parse('2026-04-06T10:00:00.000Z');
const SEC = 1_000;

const CONFIG = `
engine: { seed: 5, candleIntervals: [], staleFeedSeconds: 0 }
accounts:
  - { id: acc, balance: 100000 }
instruments:
  - { symbol: BTC-USD, tickSize: 0.01, lotSize: 0.001 }
positions:
  - { id: btc, account: acc, symbol: BTC-USD, side: long, quantity: 1, entryPrice: 100, stopPrice: 90 }
profiles:
  default: { policy: hold, milestones: [], exits: { profitTarget: { enabled: true, pct: 10 } } }
venues:
  - { name: paper, type: paper }
`;

let dir: string;
let path: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-exit-restart-'));
  path = join(dir, 'warden.db');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** One run of the daemon's durable engine; `seed` keeps the ids of two runs apart. */
async function session(store: EventStore, clock: SimulatedClock, seed: number) {
  const config = parseConfig(CONFIG, { source: 'test', env: {} });
  const sink = new CollectingSink();
  const durable = new DurableEngine({
    config,
    store,
    clock,
    ids: createUlidGenerator({ clock, seed }),
    sink,
  });
  const report = await durable.start();
  const rt = durable.rt;
  return {
    durable,
    report,
    events: sink.events,
    async quote(bid: number, ask: number, after = SEC) {
      clock.advanceTo(clock.now() + after);
      rt.onTick({ ts: clock.now(), symbol: 'BTC-USD', price: (bid + ask) / 2, bid, ask });
      await rt.decisionsSettled();
    },
    of: (type: string) => sink.events.filter((e) => e.type === type),
    /** Stops as a killed process would: whatever was committed is all the next run gets. */
    crash() {
      rt.stop();
    },
  };
}

const placedIds = (events: readonly Envelope[]) =>
  events.filter((e) => e.type === 'Trading.Order.Placed.v1').map((e) => String(e.data.clientOrderId));

describe('an exit across a restart', () => {
  for (const snapshot of [false, true]) {
    it(`books a fill that comes after the restart as the exit it was placed for (${snapshot ? 'memory from the snapshot' : 'memory from the log after it'})`, async () => {
      const clock = new SimulatedClock(T0);
      let store = await openEventStore(path);
      const first = await session(store, clock, 1);
      // +10.4%: the profile's profit target exits at a fair price, a sell limit at the mid (110.4)
      // that rests at the venue while the bid is below it.
      await first.quote(110.2, 110.6);
      const [placed] = first.of('Trading.Order.Placed.v1');
      expect(placed?.data).toMatchObject({
        intent: 'exit',
        type: 'limit',
        side: 'sell',
        quantity: 1,
        limitPrice: 110.4,
      });
      expect(first.of('Trading.Order.Filled.v1')).toEqual([]);
      if (snapshot) await first.durable.snapshot();
      else await first.durable.commit();
      first.crash();
      await store.close();

      store = await openEventStore(path);
      const second = await session(store, clock, 2);
      expect(second.report).toMatchObject({ recovered: true, positions: 1, discrepancies: [] });
      // The bid rises through the resting limit: the venue fills it, and Warden books the fill as
      // the exit it placed before the restart, not as a fill of an order it knows nothing about
      // (which would close the position MANUAL).
      await second.quote(110.6, 111);
      const closed = second.of('Trading.Position.Closed.v1');
      expect(closed.map((e) => e.data)).toMatchObject([
        { positionId: 'btc', reason: placed?.data.reason, clientOrderId: placed?.data.clientOrderId },
      ]);
      expect(closed[0]?.causationId).toBeDefined();
      expect(second.of('Trading.Order.Placed.v1')).toEqual([]);
      second.crash();
      await store.close();
    });
  }

  it('never uses an exit client order id twice, across a restart', async () => {
    const clock = new SimulatedClock(T0);
    let store = await openEventStore(path);
    const first = await session(store, clock, 1);
    await first.quote(110.2, 110.6);
    const before = placedIds(first.events);
    expect(before).toHaveLength(1);
    await first.durable.commit();
    first.crash();
    await store.close();

    store = await openEventStore(path);
    const second = await session(store, clock, 2);
    // The price collapses through the stop while the take-profit limit still rests: the stop-loss
    // exit takes over with an order of its own, whose id must not be the resting one's (the venue
    // would answer it with that order instead of placing a new one).
    await second.quote(80, 80.4);
    await second.quote(79.8, 80.2);
    const after = placedIds(second.events);
    expect(after.length).toBeGreaterThan(0);
    const all = [...before, ...after];
    expect(new Set(all).size).toBe(all.length);
    expect(second.of('Trading.Position.Closed.v1').map((e) => e.data.reason)).toEqual(['STOP_LOSS']);
    second.crash();
    await store.close();
  });
});
