import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { createUlidGenerator } from '../../src/adapters/ids/ulid.ts';
import { openEventStore } from '../../src/adapters/stores/open-store.ts';
import { createPaperVenue, type PaperVenueState } from '../../src/adapters/venues/paper/paper-venue.ts';
import { instrumentsOf } from '../../src/app/compose.ts';
import { parseConfig } from '../../src/app/config/load.ts';
import { DurableEngine, PAPER_VENUE_RECORD } from '../../src/app/persistence/durable.ts';
import { CollectingSink } from '../../src/engine/event-sink.ts';

/*
 * "A bot opened it, Warden guards it": a position Warden finds at the venue when it reconciles
 * after a restart is under every rule of its account from the moment it is watched, as a
 * position from one of Warden's own fills is.
 */

const T0 = Date.parse('2026-04-06T14:00:00.000Z'); // Monday, 09:00 in Chicago
const MIN = 60_000;

const config = (rules: string) =>
  parseConfig(
    `
engine: { seed: 3, candleIntervals: [], staleFeedSeconds: 0 }
accounts:
  - { id: acc, balance: 100000 }
instruments:
  - { symbol: BTC-USD, tickSize: 0.01, lotSize: 0.001 }
  - { symbol: SOL-USD, tickSize: 0.01, lotSize: 0.1 }
positions:
  - { id: btc-long, account: acc, symbol: BTC-USD, side: long, quantity: 1, entryPrice: 60000, stopPrice: 50000 }
venue: { leverage: 10 }
risk: { rules: ${rules} }
`,
    { source: 'test', env: {} },
  );

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-adopted-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Runs Warden once, buys 20 SOL-USD at 150 by hand at the venue while it is down, and restarts
 * it: reconciliation adopts the SOL position (source `venue`). Returns the second run.
 */
async function adoptedAtRestart(rules: string) {
  const cfg = config(rules);
  const path = join(dir, 'warden.db');
  const clock = new SimulatedClock(T0);
  let store = await openEventStore(path);
  const first = new DurableEngine({
    config: cfg,
    store,
    clock,
    ids: createUlidGenerator({ clock, seed: 1 }),
  });
  await first.start();
  first.rt.onTick({ ts: clock.now(), symbol: 'BTC-USD', price: 60000 });
  await first.snapshot();
  first.c.risk.stop();
  first.c.engine.stop();
  await store.close();

  store = await openEventStore(path);
  const saved = (await store.record(PAPER_VENUE_RECORD.collection, PAPER_VENUE_RECORD.id)) as PaperVenueState;
  const byHand = new SimulatedClock(T0 + MIN);
  const venue = createPaperVenue({
    clock: byHand,
    ids: createUlidGenerator({ clock: byHand, seed: 99 }),
    instruments: instrumentsOf(cfg),
    accounts: [{ id: 'acc', balance: 100000 }],
    leverage: 10,
    restore: saved,
  });
  venue.onTick({ ts: byHand.now(), symbol: 'SOL-USD', price: 150 });
  await venue.placeOrder({
    accountId: 'acc',
    symbol: 'SOL-USD',
    side: 'buy',
    type: 'market',
    quantity: 20,
    reduceOnly: false,
    clientOrderId: 'bot-1',
  });
  await store.commit({ records: [{ ...PAPER_VENUE_RECORD, value: venue.state() }] });
  await store.close();

  clock.advanceTo(T0 + 2 * MIN);
  store = await openEventStore(path);
  const sink = new CollectingSink();
  const second = new DurableEngine({
    config: cfg,
    store,
    clock,
    ids: createUlidGenerator({ clock, seed: 2 }),
    sink,
  });
  const report = await second.start();
  const c = second.c;
  const solId = String(
    sink.events.find((e) => e.type === 'Trading.Position.Opened.v1' && e.data.symbol === 'SOL-USD')?.data
      .positionId,
  );
  return {
    c,
    report,
    solId,
    of: (type: string) => sink.events.filter((e) => e.type === type),
    /** Lets the clock run to `at`, firing each timer on the way and letting its exits finish. */
    async runTo(at: number) {
      while (clock.runNextTimer(at)) {
        await c.monitor.settled();
        await c.execution.idle();
      }
      clock.advanceTo(at);
    },
    async tick(symbol: string, price: number, at: number) {
      await this.runTo(at);
      second.rt.onTick({ ts: clock.now(), symbol, price });
      await c.monitor.settled();
      await c.execution.idle();
    },
    async stop() {
      c.risk.stop();
      c.execution.stop();
      c.engine.stop();
      await store.close();
    },
  };
}

describe('a position adopted from the venue at reconciliation', () => {
  it('is under the unrealized loss limit from the first tick', async () => {
    const run = await adoptedAtRestart('{ unrealizedLoss: { limit: 300 } }');
    try {
      expect(run.report.discrepancies.map((d) => d.kind)).toEqual(['POSITION_UNKNOWN_TO_WARDEN']);
      await run.tick('SOL-USD', 136, T0 + 3 * MIN); // −280: inside the limit
      expect(run.of('Risk.Limit.Breached.v1')).toHaveLength(0);
      await run.tick('SOL-USD', 135, T0 + 4 * MIN); // −300.00: exactly at the limit
      expect(run.of('Risk.Limit.Breached.v1').map((e) => [e.data.rule, e.data.positionId])).toEqual([
        ['UNREALIZED_LOSS', run.solId],
      ]);
      expect(run.of('Trading.Position.Closed.v1').map((e) => [e.data.positionId, e.data.reason])).toEqual([
        [run.solId, 'RISK_RULE'],
      ]);
    } finally {
      await run.stop();
    }
  });

  it('is closed at once when its symbol is blocked', async () => {
    const run = await adoptedAtRestart('{ symbolBlock: { symbols: [SOL-USD] } }');
    try {
      // Adopted before Warden has a SOL price: the rule acts at the first tick (an exit without a
      // price would only be rejected by the venue).
      await run.runTo(T0 + 3 * MIN);
      expect(run.of('Trading.Order.Placed.v1')).toHaveLength(0);
      await run.tick('SOL-USD', 150, T0 + 3 * MIN);
      expect(run.of('Risk.Limit.Breached.v1').map((e) => e.data.rule)).toEqual(['SYMBOL_BLOCK']);
      expect(run.of('Trading.Order.Rejected.v1')).toHaveLength(0);
      expect(run.of('Trading.Position.Closed.v1').map((e) => [e.data.positionId, e.data.reason])).toEqual([
        [run.solId, 'RISK_RULE'],
      ]);
    } finally {
      await run.stop();
    }
  });

  it('has its excess over the per-instrument contract limit closed', async () => {
    const run = await adoptedAtRestart('{ maxContractsPerInstrument: { symbols: { SOL-USD: 10 } } }');
    try {
      await run.tick('SOL-USD', 150, T0 + 3 * MIN);
      expect(run.of('Risk.Limit.Breached.v1').map((e) => [e.data.rule, e.data.value])).toEqual([
        ['MAX_CONTRACTS_PER_INSTRUMENT', '20'],
      ]);
      expect(run.c.engine.positionById(run.solId)?.quantity).toBe(10);
    } finally {
      await run.stop();
    }
  });

  it('gets the stop-loss grace: closed when no stop is set within it', async () => {
    const run = await adoptedAtRestart('{ noStopLossGrace: { seconds: 30 } }');
    try {
      await run.tick('SOL-USD', 151, T0 + 2 * MIN + 10_000);
      await run.runTo(T0 + 2 * MIN + 29_999);
      expect(run.of('Risk.Limit.Breached.v1')).toHaveLength(0);
      await run.runTo(T0 + 2 * MIN + 30_000);
      expect(run.of('Risk.Limit.Breached.v1').map((e) => [e.data.rule, e.data.positionId])).toEqual([
        ['NO_STOP_LOSS', run.solId],
      ]);
      expect(run.c.engine.positionById(run.solId)).toBeUndefined();
    } finally {
      await run.stop();
    }
  });

  it('counts towards the daily loss limit from the first tick', async () => {
    const run = await adoptedAtRestart('{ dailyLoss: { limit: 300 } }');
    try {
      await run.tick('SOL-USD', 136, T0 + 3 * MIN); // −280
      expect(run.of('Risk.Limit.Breached.v1')).toHaveLength(0);
      await run.tick('SOL-USD', 135, T0 + 4 * MIN); // −300.00
      expect(run.of('Risk.Limit.Breached.v1').map((e) => e.data.rule)).toEqual(['DAILY_LOSS']);
      expect(run.c.engine.positionById(run.solId)).toBeUndefined();
    } finally {
      await run.stop();
    }
  });
});
