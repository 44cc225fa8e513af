import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { createUlidGenerator } from '../../src/adapters/ids/ulid.ts';
import { createPaperVenue } from '../../src/adapters/venues/paper/paper-venue.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import type { Position } from '../../src/domain/position.ts';
import type { Tick } from '../../src/domain/tick.ts';
import { Engine } from '../../src/engine/engine.ts';
import { EventFactory } from '../../src/engine/event-factory.ts';
import { CollectingSink } from '../../src/engine/event-sink.ts';
import { ExecutionService } from '../../src/engine/execution/execution-service.ts';
import { BTC, ES, T0 } from '../support/engine-harness.ts';
import { FlakyVenue } from '../support/flaky-venue.ts';

/** Lets every promise chain started by a timer or a call run to its end (no wall-clock sleep). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

function setup(options: { maxQuantityPerTick?: number } = {}) {
  const clock = new SimulatedClock(T0);
  const ids = createUlidGenerator({ clock, seed: 7 });
  const sink = new CollectingSink();
  const instruments = [ES, BTC];
  const accounts = [{ id: 'acc-1', balance: '1000000' }];
  const paper = createPaperVenue({
    clock,
    ids,
    instruments,
    accounts,
    leverage: 20,
    ...(options.maxQuantityPerTick !== undefined
      ? { partialFills: { maxQuantityPerTick: options.maxQuantityPerTick } }
      : {}),
  });
  const venue = new FlakyVenue(paper);
  const engine = new Engine({ clock, ids, venue, instruments, accounts, sink });
  const service = new ExecutionService({
    clock,
    engine,
    events: new EventFactory(clock, ids),
    emit: (e) => sink.emit(e),
  });
  engine.start();

  return {
    clock,
    venue,
    engine,
    sink,
    service,
    /**
     * Feeds a quote at `at` (ms after T0) to the venue and the engine, or to one of them: a
     * venue-only tick is a market that moved before the engine's feed saw it.
     */
    tick(at: number, bid: number, ask: number, to: 'both' | 'venue' | 'engine' = 'both', symbol = 'ES') {
      const t: Tick = { ts: T0 + at, symbol, price: (bid + ask) / 2, bid, ask };
      clock.advanceTo(T0 + at);
      if (to !== 'engine') paper.onTick(t);
      if (to !== 'venue') engine.onTick(t);
    },
    /** Opens a position with a market entry at the current quote. */
    async open(side: 'buy' | 'sell', quantity: number, symbol = 'ES'): Promise<Position> {
      const id = `entry-${side}-${quantity}-${clock.now()}`;
      await engine.placeOrder(
        { accountId: 'acc-1', symbol, side, type: 'market', quantity, clientOrderId: id },
        { intent: 'entry' },
      );
      return engine.account('acc-1')!.positions.get(symbol)!;
    },
    position(symbol = 'ES'): Position | undefined {
      return engine.account('acc-1')!.positions.get(symbol);
    },
    /** Runs every timer up to `at` (ms after T0), letting the work each one starts finish. */
    async runTo(at: number) {
      await settle();
      for (
        let next = clock.nextTimerAt();
        next !== undefined && next <= T0 + at;
        next = clock.nextTimerAt()
      ) {
        clock.advanceTo(next);
        await settle();
      }
      clock.advanceTo(T0 + at);
      await settle();
    },
    of(type: string): Envelope[] {
      return sink.ofType(type);
    },
    data(type: string): Record<string, unknown>[] {
      return sink.ofType(type).map((e) => e.data as Record<string, unknown>);
    },
  };
}

const PLACED = 'Trading.Order.Placed.v1';
const CANCELLED = 'Trading.Order.Cancelled.v1';
const FILLED = 'Trading.Order.Filled.v1';
const CLOSED = 'Trading.Position.Closed.v1';
const ALERT = 'Risk.Alert.Triggered.v1';

const exitsOf = (h: ReturnType<typeof setup>) => h.data(PLACED).filter((d) => d.intent === 'exit');
const atMs = (e: Envelope) => Date.parse(e.ts) - T0;

/** A trailing-stop exit whose aggressive limits do not fill: the venue's market is below the engine's quote. */
async function walkThenMarket() {
  const h = setup();
  h.tick(0, 5000, 5000.25);
  const position = await h.open('buy', 2);
  h.tick(1000, 4990, 4990.5, 'venue');
  expect(h.service.exit({ position, condition: 'trailing_stop' })).toBe(true);
  await h.runTo(1000);
  h.tick(5000, 4999, 4999.5, 'engine');
  await h.runTo(11_000);
  h.tick(15_000, 4998, 4998.5, 'engine');
  await h.runTo(21_000);
  await h.runTo(31_000);
  return { h, position };
}

describe('execution service', () => {
  it('walks an aggressive limit twice from the current quote, then goes to market and fills', async () => {
    const { h, position } = await walkThenMarket();
    const exits = exitsOf(h);
    const id = (n: number) => `${position.id}-x1-${n}`;
    expect(exits.map((d) => [d.clientOrderId, d.type, d.limitPrice, d.quantity, d.reduceOnly])).toEqual([
      [id(1), 'limit', 4999.75, 2, true],
      [id(2), 'limit', 4998.5, 2, true], // bid 4999 − 2 ticks
      [id(3), 'limit', 4997.25, 2, true], // bid 4998 − 3 ticks
      [id(4), 'market', undefined, 2, true],
    ]);
    expect(
      h
        .of(PLACED)
        .filter((e) => e.data.intent === 'exit')
        .map(atMs),
    ).toEqual([1000, 11_000, 21_000, 31_000]);
    expect(h.of(CANCELLED).map((e) => [e.data.clientOrderId, atMs(e)])).toEqual([
      [id(1), 11_000],
      [id(2), 21_000],
      [id(3), 31_000],
    ]);
    expect(
      h
        .data(FILLED)
        .filter((d) => d.clientOrderId !== undefined && String(d.clientOrderId).startsWith(position.id)),
    ).toHaveLength(1);
    expect(h.data(CLOSED)).toMatchObject([
      { reason: 'TRAILING_STOP', quantity: 2, exitPrice: 4990, clientOrderId: id(4) },
    ]);
    expect(h.position()).toBeUndefined();
    expect(h.service.isExiting(position.id)).toBe(false);
    expect(h.of(ALERT)).toHaveLength(0);
  });

  it('gives up a walk_price exit after five walks, alerts, and leaves the position open to exit again', async () => {
    const h = setup();
    h.tick(0, 4990, 5010);
    const position = await h.open('buy', 2);
    expect(h.service.exit({ position, condition: 'profit_target' })).toBe(true);
    await h.runTo(179_000);
    const prices = exitsOf(h).map((d) => d.limitPrice);
    expect(prices).toEqual([5000, 4999.75, 4999.5, 4999.25, 4999, 4998.75]);
    expect(h.of(ALERT)).toHaveLength(0);
    expect(h.service.active()).toMatchObject([{ condition: 'profit_target', walks: 5, attempt: 6 }]);

    await h.runTo(181_000);
    expect(h.of(CANCELLED)).toHaveLength(6);
    const alerts = h.data(ALERT);
    expect(alerts).toMatchObject([
      {
        code: 'EXIT_FAILED',
        severity: 'warning',
        positionId: position.id,
        details: { condition: 'profit_target', walks: 5, orders: 6 },
      },
    ]);
    expect(h.position()).toMatchObject({ id: position.id, quantity: 2 });
    expect(h.service.isExiting(position.id)).toBe(false);
    expect(await h.venue.openOrders('acc-1')).toEqual([]);

    expect(h.service.exit({ position, condition: 'profit_target' })).toBe(true);
    await h.runTo(182_000);
    expect(exitsOf(h).at(-1)).toMatchObject({ clientOrderId: `${position.id}-x2-1`, limitPrice: 5000 });
  });

  it('retries a market exit through a venue outage with the same client order id, alerts at 5 s, fills once', async () => {
    const h = setup();
    h.tick(0, 5000, 5000.25);
    const position = await h.open('buy', 2);
    h.venue.down = true;
    const before = h.venue.placeCalls.length;
    expect(h.service.exit({ position, condition: 'stop_loss' })).toBe(true);
    await h.runTo(4_999);
    // Backoff 250, 500, 1000, 2000 ms: tries at 0, 250, 750, 1750 and 3750 ms.
    expect(h.venue.placeCalls.length - before).toBe(5);
    expect(h.of(ALERT)).toHaveLength(0);
    expect(h.service.exit({ position, condition: 'take_profit' })).toBe(false);

    await h.runTo(5_000);
    expect(h.data(ALERT)).toMatchObject([
      {
        code: 'EXIT_FAILED',
        severity: 'critical',
        details: { attempts: 5, orders: 1, lastError: 'NETWORK: connection reset' },
      },
    ]);
    expect(h.of(ALERT)[0]!.urgency).toBe('CRITICAL');
    expect(h.service.isExiting(position.id)).toBe(true);

    await h.runTo(5_500);
    h.venue.down = false;
    await h.runTo(20_000);
    const calls = h.venue.placeCalls.slice(before);
    expect(calls).toHaveLength(6); // …and 5750 ms, when the venue is back
    expect(new Set(calls)).toEqual(new Set([`${position.id}-x1-1`]));
    // Six venue calls, one order: the retries are the same order, placed once.
    expect(exitsOf(h).map((d) => d.clientOrderId)).toEqual([`${position.id}-x1-1`]);
    expect(h.data(FILLED).filter((d) => d.clientOrderId === `${position.id}-x1-1`)).toHaveLength(1);
    expect(h.data(CLOSED)).toMatchObject([{ reason: 'STOP_LOSS', quantity: 2 }]);
    expect(h.of(ALERT)).toHaveLength(1);
    expect(h.service.isExiting(position.id)).toBe(false);
  });

  it('ignores a second request while an exit works, and places nothing for it', async () => {
    const h = setup();
    h.tick(0, 4990, 5010);
    const position = await h.open('buy', 2);
    expect(h.service.exit({ position, condition: 'profit_target' })).toBe(true);
    expect(h.service.exit({ position, condition: 'trailing_stop' })).toBe(false);
    await h.runTo(1_000);
    expect(h.service.exit({ position, condition: 'profit_target' })).toBe(false);
    expect(h.service.exit({ position, condition: 'agent' })).toBe(false);
    await h.runTo(2_000);
    expect(exitsOf(h)).toHaveLength(1);
    expect(h.service.isExiting(position.id)).toBe(true);
  });

  it('upgrades a working limit exit to market when a CRITICAL condition fires', async () => {
    const h = setup();
    h.tick(0, 4990, 5010);
    const position = await h.open('buy', 2);
    h.service.exit({ position, condition: 'profit_target' });
    await h.runTo(10_000);
    expect(h.service.exit({ position, condition: 'stop_loss' })).toBe(true);
    expect(h.service.active()).toMatchObject([
      { condition: 'stop_loss', phase: 'market', priority: 'CRITICAL' },
    ]);
    await h.runTo(10_001);
    expect(exitsOf(h).map((d) => [d.clientOrderId, d.type, d.reason])).toEqual([
      [`${position.id}-x1-1`, 'limit', 'EXIT_CONDITION'],
      [`${position.id}-x1-2`, 'market', 'STOP_LOSS'],
    ]);
    expect(h.data(CANCELLED)).toMatchObject([{ clientOrderId: `${position.id}-x1-1`, reason: 'REQUESTED' }]);
    expect(h.data(CLOSED)).toMatchObject([
      { reason: 'STOP_LOSS', exitPrice: 4990, conflictingTriggers: ['profit_target'] },
    ]);
    // A market exit is never upgraded or doubled.
    expect(h.service.exit({ position, condition: 'circuit_breaker' })).toBe(false);
  });

  it('rounds a partial exit down to the lot and does nothing when that is zero', async () => {
    const h = setup();
    h.tick(0, 5000, 5000.25);
    const position = await h.open('buy', 3);
    expect(h.service.exit({ position, condition: 'stop_loss', quantity: 0.5 })).toBe(false);
    expect(h.service.exit({ position, condition: 'stop_loss', quantity: 1.7 })).toBe(true);
    await h.runTo(100);
    expect(exitsOf(h).map((d) => [d.clientOrderId, d.quantity])).toEqual([[`${position.id}-x1-1`, 1]]);
    expect(h.data('Trading.Position.Reduced.v1')).toMatchObject([{ reducedQuantity: 1, quantity: 2 }]);
    expect(h.service.isExiting(position.id)).toBe(false);
    // The next stage is the position's second exit.
    expect(h.service.exit({ position, condition: 'stop_loss', quantity: 5 })).toBe(true);
    await h.runTo(200);
    expect(exitsOf(h).at(-1)).toMatchObject({ clientOrderId: `${position.id}-x2-1`, quantity: 2 });
    expect(h.position()).toBeUndefined();

    h.tick(300, 100, 100.02, 'both', 'BTC-USD');
    const btc = await h.open('buy', 0.005, 'BTC-USD');
    expect(h.service.exit({ position: btc, condition: 'take_profit', quantity: 0.0027 })).toBe(true);
    await h.runTo(400);
    expect(exitsOf(h).at(-1)).toMatchObject({ symbol: 'BTC-USD', quantity: 0.002 });
    expect(h.position('BTC-USD')?.quantity).toBe(0.003);
  });

  it('replaces only the remaining quantity after a partial fill of a limit exit', async () => {
    const h = setup({ maxQuantityPerTick: 1 });
    h.tick(0, 4990, 5010);
    const position = await h.open('buy', 3);
    h.service.exit({ position, condition: 'profit_target' });
    await h.runTo(1_000);
    h.tick(2_000, 5001, 5002); // crosses the 5000 sell limit: one lot fills
    h.tick(3_000, 4990, 5010);
    await h.runTo(31_000);
    expect(exitsOf(h).map((d) => [d.quantity, d.limitPrice])).toEqual([
      [3, 5000],
      [2, 4999.75],
    ]);
    expect(h.service.active()).toMatchObject([{ quantity: 3, filledQuantity: 1, attempt: 2 }]);
  });

  it('alerts EXIT_REJECTED and releases the position when the venue rejects the exit', async () => {
    const h = setup();
    h.tick(0, 5000, 5000.25);
    const position = await h.open('buy', 2);
    h.venue.rejectNext = true;
    h.service.exit({ position, condition: 'take_profit' });
    await h.runTo(1_000);
    expect(h.data(ALERT)).toMatchObject([{ code: 'EXIT_REJECTED', severity: 'critical' }]);
    expect(h.service.isExiting(position.id)).toBe(false);
    expect(h.position()?.quantity).toBe(2);
  });

  it('cancels a working exit on request', async () => {
    const h = setup();
    h.tick(0, 4990, 5010);
    const position = await h.open('buy', 2);
    h.service.exit({ position, condition: 'early_exit' });
    await h.runTo(1_000);
    expect(h.service.active()).toMatchObject([
      { positionId: position.id, limitPrice: 5010, clientOrderId: `${position.id}-x1-1`, phase: 'limit' },
    ]);
    expect(h.service.cancel(position.id)).toBe(true);
    expect(h.service.cancel(position.id)).toBe(false);
    await h.runTo(200_000);
    expect(h.data(CANCELLED)).toMatchObject([{ clientOrderId: `${position.id}-x1-1` }]);
    expect(exitsOf(h)).toHaveLength(1);
    expect(h.service.active()).toEqual([]);
  });

  it('exits a short with buy orders mirrored from the ask', async () => {
    const h = setup();
    h.tick(0, 5000, 5000.25);
    const position = await h.open('sell', 1);
    h.tick(500, 5010, 5010.5, 'venue');
    h.service.exit({ position, condition: 'liquidity_dried_up' });
    await h.runTo(16_000);
    expect(exitsOf(h).map((d) => [d.side, d.limitPrice])).toEqual([
      ['buy', 5000.5],
      ['buy', 5000.75],
    ]);
  });

  it('puts the conflicting triggers on Trading.Position.Closed.v1', async () => {
    const h = setup();
    h.tick(0, 5000, 5000.25);
    const position = await h.open('buy', 1);
    h.service.exit({ position, condition: 'stop_loss', conflicting: ['take_profit', 'trailing_stop'] });
    await h.runTo(100);
    expect(h.data(CLOSED)).toMatchObject([
      { reason: 'STOP_LOSS', conflictingTriggers: ['take_profit', 'trailing_stop'] },
    ]);
  });

  it('is deterministic: two identical runs produce the same events and client order ids', async () => {
    const a = await walkThenMarket();
    const b = await walkThenMarket();
    expect(JSON.stringify(b.h.sink.events)).toBe(JSON.stringify(a.h.sink.events));
    expect(exitsOf(a.h).map((d) => d.clientOrderId)).toEqual(
      [1, 2, 3, 4].map((n) => `${a.position.id}-x1-${n}`),
    );
  });
});
