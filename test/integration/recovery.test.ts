import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { createUlidGenerator } from '../../src/adapters/ids/ulid.ts';
import { verifyChain } from '../../src/adapters/stores/chain.ts';
import { openEventStore } from '../../src/adapters/stores/open-store.ts';
import { createPaperVenue, type PaperVenueState } from '../../src/adapters/venues/paper/paper-venue.ts';
import { type Composition, instrumentsOf } from '../../src/app/compose.ts';
import { parseConfig } from '../../src/app/config/load.ts';
import type { WardenConfig } from '../../src/app/config/schema.ts';
import { DurableEngine, PAPER_VENUE_RECORD } from '../../src/app/persistence/durable.ts';
import { CollectingSink } from '../../src/engine/event-sink.ts';
import type { EventStore } from '../../src/ports/store.ts';

const T0 = Date.parse('2026-04-06T10:00:00.000Z');
const MIN = 60_000;

const CONFIG = `
engine: { seed: 3, candleIntervals: [], staleFeedSeconds: 0 }
accounts:
  - { id: acc, balance: 100000 }
instruments:
  - { symbol: BTC-USD, tickSize: 0.01, lotSize: 0.001 }
  - { symbol: ETH-USD, tickSize: 0.01, lotSize: 0.01 }
  - { symbol: SOL-USD, tickSize: 0.01, lotSize: 0.1 }
positions:
  - { id: btc-long, account: acc, symbol: BTC-USD, side: long, quantity: 1, entryPrice: 60000, stopPrice: 50000 }
  - { id: eth-short, account: acc, symbol: ETH-USD, side: short, quantity: 10, entryPrice: 3000, stopPrice: 3600 }
venue: { leverage: 10 }
`;

let dir: string;
let path: string;
let config: WardenConfig;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'warden-recovery-'));
  path = join(dir, 'warden.db');
  config = parseConfig(CONFIG, { source: 'test', env: {} });
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** One run of the daemon's durable engine on a simulated clock; `seed` keeps ids apart across runs. */
async function session(store: EventStore, clock: SimulatedClock, seed: number) {
  const sink = new CollectingSink();
  const durable = new DurableEngine({
    config,
    store,
    clock,
    ids: createUlidGenerator({ clock, seed }),
    sink,
  });
  const report = await durable.start();
  const c: Composition = durable.c;
  return {
    durable,
    c,
    sink,
    report,
    async tick(symbol: string, price: number) {
      clock.advanceTo(clock.now() + MIN);
      durable.rt.onTick({ ts: clock.now(), symbol, price });
      await c.monitor.settled();
      await c.execution.idle();
    },
    ofType: (type: string) => sink.events.filter((e) => e.type === type),
    stop() {
      c.risk.stop();
      c.execution.stop();
      c.engine.stop();
    },
  };
}

describe('recovery', () => {
  it('reports a position closed and one opened at the venue while Warden was down, and watches the new one', async () => {
    const clock = new SimulatedClock(T0);
    let store = await openEventStore(path);
    const first = await session(store, clock, 1);
    expect(first.report.recovered).toBe(false);
    await first.tick('BTC-USD', 61000);
    await first.tick('ETH-USD', 2990);
    await first.durable.commit();
    await first.durable.snapshot();
    first.stop();
    await store.close();

    // Meanwhile, by hand at the venue: BTC closed, SOL bought.
    store = await openEventStore(path);
    const saved = (await store.record(
      PAPER_VENUE_RECORD.collection,
      PAPER_VENUE_RECORD.id,
    )) as PaperVenueState;
    const byHandClock = new SimulatedClock(T0 + 10 * MIN);
    const venue = createPaperVenue({
      clock: byHandClock,
      ids: createUlidGenerator({ clock: byHandClock, seed: 99 }),
      instruments: instrumentsOf(config),
      accounts: [{ id: 'acc', balance: 100000 }],
      leverage: 10,
      restore: saved,
    });
    venue.onTick({ ts: byHandClock.now(), symbol: 'BTC-USD', price: 62000 });
    venue.onTick({ ts: byHandClock.now(), symbol: 'SOL-USD', price: 150 });
    await venue.placeOrder({
      accountId: 'acc',
      symbol: 'BTC-USD',
      side: 'sell',
      type: 'market',
      quantity: 1,
      reduceOnly: true,
      clientOrderId: 'by-hand-1',
    });
    await venue.placeOrder({
      accountId: 'acc',
      symbol: 'SOL-USD',
      side: 'buy',
      type: 'market',
      quantity: 20,
      reduceOnly: false,
      clientOrderId: 'by-hand-2',
    });
    await store.commit({ records: [{ ...PAPER_VENUE_RECORD, value: venue.state() }] });
    await store.close();

    // Restart.
    clock.advanceTo(T0 + 20 * MIN);
    store = await openEventStore(path);
    const second = await session(store, clock, 2);
    expect(second.report.recovered).toBe(true);
    expect(second.report.discrepancies.map((d) => [d.kind, d.symbol])).toEqual([
      ['POSITION_MISSING_AT_VENUE', 'BTC-USD'],
      ['POSITION_UNKNOWN_TO_WARDEN', 'SOL-USD'],
    ]);
    const alerts = second.ofType('Risk.Alert.Triggered.v1');
    expect(alerts.map((a) => a.data.code)).toEqual([
      'POSITION_MISSING_AT_VENUE',
      'POSITION_UNKNOWN_TO_WARDEN',
    ]);
    // Both views are on each alert.
    expect(alerts[0]!.data.details).toEqual({
      warden: { positionId: 'btc-long', side: 'long', quantity: 1, entryPrice: 60000 },
      venue: null,
    });
    expect(alerts[1]!.data.details).toEqual({
      warden: null,
      venue: { side: 'long', quantity: 20, entryPrice: 150 },
    });
    // Corrected to the venue: BTC closed in Warden (MANUAL), SOL adopted and watched.
    const closed = second.ofType('Trading.Position.Closed.v1');
    expect(closed.map((e) => [e.data.positionId, e.data.reason])).toEqual([['btc-long', 'MANUAL']]);
    expect(closed[0]!.causationId).toBe(alerts[0]!.id);
    const opened = second.ofType('Trading.Position.Opened.v1');
    expect(opened.map((e) => [e.data.symbol, e.data.source, e.data.quantity])).toEqual([
      ['SOL-USD', 'venue', 20],
    ]);
    const solId = String(opened[0]!.data.positionId);
    expect(second.c.monitor.isWatched(solId)).toBe(true);
    expect(second.c.monitor.isWatched('eth-short')).toBe(true);
    expect(second.c.engine.positionById('btc-long')).toBeUndefined();

    // Monitored: a 6% rise reaches SOL's first profit milestone.
    await second.tick('SOL-USD', 159);
    expect(
      second
        .ofType('Position.Profit.MilestoneReached.v1')
        .map((e) => [e.data.positionId, e.data.milestonePct]),
    ).toEqual([[solId, 5]]);
    await second.durable.commit();
    // The positions table follows: BTC closed, SOL open.
    const rows = await store.positions();
    expect(rows.map((r) => [r.id, r.status])).toEqual(
      [
        ['btc-long', 'closed'],
        ['eth-short', 'open'],
        [solId, 'open'],
      ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );
    expect((await verifyChain(store.read())).ok).toBe(true);
    second.stop();
    await store.close();
  });

  it('keeps events pending through store failures, halts trading after more than 3 in a minute, and loses nothing', async () => {
    const clock = new SimulatedClock(T0);
    const real = await openEventStore(path);
    let failing = false;
    const store: EventStore = Object.create(real, {
      commit: {
        value: (unit: Parameters<EventStore['commit']>[0]) =>
          failing ? Promise.reject(new Error('database is locked')) : real.commit(unit),
      },
    });
    const run = await session(store, clock, 1);
    failing = true;
    await run.tick('ETH-USD', 2840);
    for (let i = 0; i < 4; i++) {
      clock.advanceTo(clock.now() + 1_000);
      await expect(run.durable.commit()).rejects.toThrow('database is locked');
    }
    expect(run.ofType('Risk.CircuitBreaker.Tripped.v1').map((e) => e.data.breaker)).toEqual(['STORE_ERRORS']);
    expect(run.c.risk.states.state('acc')).toBe('HALTED');
    // Hard stops are still enforced while the store is down.
    await run.tick('ETH-USD', 3700);
    expect(run.ofType('Trading.Position.Closed.v1').map((e) => [e.data.positionId, e.data.reason])).toEqual([
      ['eth-short', 'STOP_LOSS'],
    ]);
    failing = false;
    await run.durable.commit();
    const stored: string[] = [];
    for await (const e of real.read()) stored.push(e.envelope.id);
    expect(stored).toEqual(run.sink.events.map((e) => e.id));
    run.stop();
    await real.close();
  });

  it('a halted account stays halted across a restart, and resumes when the day changed meanwhile', async () => {
    config = parseConfig(
      `${CONFIG}\nrisk: { day: { resetTime: '00:00', timezone: UTC }, rules: { dailyLoss: { limit: 1000 } } }\n`,
      { source: 'test', env: {} },
    );
    const clock = new SimulatedClock(T0);
    let store = await openEventStore(path);
    const first = await session(store, clock, 1);
    // BTC long 1 from 60,000: at 58,500 the account is 1,500 down, over its 1,000 daily loss.
    await first.tick('BTC-USD', 58500);
    expect(first.ofType('Risk.Limit.Breached.v1').map((e) => e.data.rule)).toEqual(['DAILY_LOSS']);
    expect(first.c.risk.states.state('acc')).toBe('HALTED');
    // No snapshot asked for: the commit after the halt takes one by itself.
    await first.durable.commit();
    first.stop();
    await store.close();

    clock.advanceTo(T0 + 60 * MIN);
    store = await openEventStore(path);
    const second = await session(store, clock, 2);
    expect(second.c.risk.states.state('acc')).toBe('HALTED');
    expect(second.c.risk.states.holds('acc').map((h) => h.reason)).toEqual(['DAILY_LOSS']);
    expect(second.ofType('Risk.Trading.Halted.v1')).toEqual([]);
    const refused = await second.c.engine.placeOrder(
      {
        accountId: 'acc',
        symbol: 'ETH-USD',
        side: 'buy',
        type: 'market',
        quantity: 1,
        reduceOnly: false,
        clientOrderId: 'after-restart',
        intent: 'entry',
      },
      { intent: 'entry' },
    );
    expect(refused).toBeUndefined();
    expect(second.ofType('Risk.Order.Denied.v1').map((e) => e.data.reason)).toEqual(['TRADING_HALTED']);
    await second.durable.commit();
    second.stop();
    await store.close();

    // Down over midnight UTC: the next start closes the day and lifts the daily hold.
    clock.advanceTo(Date.parse('2026-04-07T01:00:00.000Z'));
    store = await openEventStore(path);
    const third = await session(store, clock, 3);
    expect(third.c.risk.states.state('acc')).toBe('ACTIVE');
    expect(third.ofType('Risk.Trading.Resumed.v1').map((e) => e.data.reason)).toEqual(['DAILY_RESET']);
    third.stop();
    await store.close();
  });

  it('a managed position is consulted once per candle, also when a candle close reaches it again after a restart', async () => {
    config = parseConfig(CONFIG.replace('stopPrice: 3600 }', 'stopPrice: 3600, manage: { interval: 5m } }'), {
      source: 'test',
      env: {},
    });
    const clock = new SimulatedClock(T0);
    let store = await openEventStore(path);
    const first = await session(store, clock, 1);
    const consulted = (s: typeof first) =>
      s.ofType('Agent.Decision.Made.v1').filter((e) => e.data.trigger === 'Market.Candle.Closed.v1');
    // Ticks every minute for 11 minutes: the 5m candles closing at 10:05 and 10:10.
    for (let i = 0; i < 11; i++) await first.tick('ETH-USD', 2990 - i);
    const ethCandles = first
      .ofType('Market.Candle.Closed.v1')
      .filter((e) => e.data.symbol === 'ETH-USD' && e.data.interval === '5m');
    expect(ethCandles.map((e) => e.data.closeTime)).toEqual([
      '2026-04-06T10:05:00.000Z',
      '2026-04-06T10:10:00.000Z',
    ]);
    expect(consulted(first).map((e) => e.causationId)).toEqual(ethCandles.map((e) => e.id));
    await first.durable.commit();
    first.stop();
    await store.close();

    store = await openEventStore(path);
    const second = await session(store, clock, 2);
    // The 10:10 candle reaches the monitor again (a re-delivered close): it was already consulted.
    second.c.observe(ethCandles[1]!);
    await second.c.monitor.settled();
    expect(consulted(second)).toEqual([]);
    // The next candle is new: consulted once.
    for (let i = 0; i < 5; i++) await second.tick('ETH-USD', 2980);
    expect(consulted(second).map((e) => e.data.positionId)).toEqual(['eth-short']);
    second.stop();
    await store.close();
  });

  it('keeps trigger memory across a restart: from the snapshot, and from the events after it', async () => {
    const clock = new SimulatedClock(T0);
    let store = await openEventStore(path);
    const first = await session(store, clock, 1);
    // ETH short from 3000: 2840 is +5.3%.
    await first.tick('ETH-USD', 2840);
    expect(first.ofType('Position.Profit.MilestoneReached.v1').map((e) => e.data.milestonePct)).toEqual([5]);
    await first.durable.snapshot();
    // After the snapshot: +10% (2690), committed but no snapshot, then the process dies.
    await first.tick('ETH-USD', 2690);
    expect(first.ofType('Position.Profit.MilestoneReached.v1').map((e) => e.data.milestonePct)).toEqual([
      5, 10,
    ]);
    await first.durable.commit();
    first.stop();
    await store.close();

    store = await openEventStore(path);
    const second = await session(store, clock, 2);
    expect(second.report).toMatchObject({ recovered: true, discrepancies: [] });
    expect(second.report.tailEvents).toBeGreaterThan(0);
    // Back above +10% and above +5%: neither fires again; +20% is new.
    await second.tick('ETH-USD', 2680);
    await second.tick('ETH-USD', 2390);
    expect(second.ofType('Position.Profit.MilestoneReached.v1').map((e) => e.data.milestonePct)).toEqual([
      20,
    ]);
    // Nothing was reopened or repeated in the log.
    expect(second.ofType('Trading.Position.Opened.v1')).toEqual([]);
    second.stop();
    await store.close();
  });
});
