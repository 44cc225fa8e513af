import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { createUlidGenerator } from '../../src/adapters/ids/ulid.ts';
import { createPaperVenue } from '../../src/adapters/venues/paper/paper-venue.ts';
import type { Tick } from '../../src/domain/tick.ts';
import { Engine } from '../../src/engine/engine.ts';
import type { Edge } from '../../src/engine/entry/entry-flow.ts';
import { type EntryMemory, foldEntryMemory } from '../../src/engine/entry/entry-memory.ts';
import { EventFactory } from '../../src/engine/event-factory.ts';
import { CollectingSink } from '../../src/engine/event-sink.ts';
import { ExecutionService } from '../../src/engine/execution/execution-service.ts';
import { emptyOrderMemory, foldOrderMemory, type OrderMemory } from '../../src/engine/orders/order-memory.ts';
import type { InitialPosition } from '../../src/engine/trading.ts';
import type { ExecutionReport, Venue } from '../../src/ports/venue.ts';
import { ES, engineHarness, T0 } from '../support/engine-harness.ts';
import { BASE, type MonitoredHarness, monitoredHarness } from '../support/monitor-harness.ts';

/** Lets the promise chains started by calls and timers run to their end (no wall-clock sleep). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

const accounts = [{ id: 'acc-1', balance: '1000000' }];
const HELD: InitialPosition = {
  id: 'P1',
  accountId: 'acc-1',
  symbol: 'ES',
  side: 'long',
  quantity: 2,
  entryPrice: 5000,
  openedAt: T0,
};

/** One incarnation of Warden over a venue that outlives it: an engine and its execution service. */
function warden(clock: SimulatedClock, venue: Venue, seed: number) {
  const ids = createUlidGenerator({ clock, seed });
  const sink = new CollectingSink();
  const engine = new Engine({ clock, ids, venue, instruments: [ES], accounts, sink });
  const execution = new ExecutionService({
    clock,
    engine,
    events: new EventFactory(clock, ids),
    emit: (e) => sink.emit(e),
  });
  return { engine, execution, sink };
}

/**
 * A venue whose execution reports can be held back, as a real venue's are when the connection
 * drops: what filled meanwhile is delivered later, to whoever listens then.
 */
function holdingReports(venue: Venue) {
  const listeners = new Set<(report: ExecutionReport) => void>();
  const held: ExecutionReport[] = [];
  let holding = false;
  const deliver = (report: ExecutionReport) => {
    for (const l of [...listeners]) l(report);
  };
  venue.onExecution((report) => (holding ? held.push(report) : deliver(report)));
  const onExecution: Venue['onExecution'] = (listener) => {
    listeners.add(listener);
    return () => listeners.delete(listener);
  };
  const view = new Proxy(venue, {
    get(target, property) {
      if (property === 'onExecution') return onExecution;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return {
    venue: view,
    hold: () => {
      holding = true;
    },
    release: () => {
      holding = false;
      for (const report of held.splice(0)) deliver(report);
    },
  };
}

/**
 * A stop-loss exit of P1 (2 ES) is placed and fills at the venue, but its report is held back;
 * Warden stops there and a new one starts from the positions and, when `remember`, the order
 * and exit memory of the old one (through JSON, as a snapshot stores it); then the venue
 * delivers the fill.
 */
async function restartBetweenPlacementAndFill(remember: boolean) {
  const clock = new SimulatedClock(T0);
  const paper = createPaperVenue({
    clock,
    ids: createUlidGenerator({ clock, seed: 99 }),
    instruments: [ES],
    accounts,
    leverage: 20,
  });
  paper.loadPosition({ accountId: 'acc-1', symbol: 'ES', side: 'long', quantity: 2, entryPrice: 5000 });
  const link = holdingReports(paper);
  const tick = (at: number, price: number, engine: Engine) => {
    const t: Tick = { ts: T0 + at, symbol: 'ES', price };
    clock.advanceTo(t.ts);
    paper.onTick(t);
    engine.onTick(t);
  };
  const before = warden(clock, link.venue, 1);
  before.engine.start([HELD]);
  tick(1000, 4990, before.engine);
  link.hold();
  const position = before.engine.positionById('P1')!;
  expect(before.execution.exit({ position, condition: 'stop_loss' })).toBe(true);
  await settle();
  expect(before.engine.positionById('P1')?.quantity).toBe(2); // The fill has not reached Warden.
  const snapshot = JSON.parse(
    JSON.stringify({ orders: before.engine.orderMemory(), exits: before.execution.memory() }),
  );
  before.execution.stop();
  before.engine.stop();

  const after = warden(clock, link.venue, 2);
  after.engine.restore([HELD]);
  if (remember) {
    after.engine.restoreOrderMemory(snapshot.orders);
    after.execution.restore(snapshot.exits);
  }
  link.release();
  await settle();
  return { before, after };
}

describe('order memory across a restart', () => {
  it('books the late fill of an exit placed before the restart as that exit: STOP_LOSS, not MANUAL', async () => {
    const { before, after } = await restartBetweenPlacementAndFill(true);
    const placed = before.sink.ofType('Trading.Order.Placed.v1');
    expect(placed.map((e) => e.data.clientOrderId)).toEqual(['P1-x1-1']);
    expect(after.sink.ofType('Trading.Order.Placed.v1')).toEqual([]); // Nothing placed twice.
    const [closed] = after.sink.ofType('Trading.Position.Closed.v1');
    expect(closed?.data).toMatchObject({
      positionId: 'P1',
      reason: 'STOP_LOSS',
      quantity: 2,
      exitPrice: 4990,
      clientOrderId: 'P1-x1-1',
    });
    // Still in the chain of the exit's Placed event from before the restart.
    const [filled] = after.sink.ofType('Trading.Order.Filled.v1');
    expect(filled?.causationId).toBe(placed[0]!.id);
    expect(closed?.correlationId).toBe(placed[0]!.correlationId ?? placed[0]!.id);
    // The exit ended with the fill, and the filled order is no longer remembered.
    expect(after.execution.isExiting('P1')).toBe(false);
    expect(after.engine.orderMemory().orders).toEqual([]);
  });

  it('without the memory, the same fill is a stranger’s order closing MANUAL (what the memory prevents)', async () => {
    const { after } = await restartBetweenPlacementAndFill(false);
    const [closed] = after.sink.ofType('Trading.Position.Closed.v1');
    expect(closed?.data).toMatchObject({ positionId: 'P1', reason: 'MANUAL' });
  });

  it('folds the log into the same memory the gateway keeps, for the events after a snapshot', async () => {
    const h = engineHarness();
    h.tick('ES', 5000, T0);
    await h.engine.placeOrder(
      {
        accountId: 'acc-1',
        symbol: 'ES',
        side: 'buy',
        type: 'limit',
        quantity: 3,
        limitPrice: 4990,
        clientOrderId: 'e-1',
      },
      { intent: 'entry', cause: { correlationId: 'c-1' } },
    );
    await h.engine.placeOrder(
      { accountId: 'acc-1', symbol: 'ES', side: 'buy', type: 'market', quantity: 1, clientOrderId: 'e-2' },
      { intent: 'entry' },
    );
    const live = h.engine.orderMemory();
    const folded = h.sink.events.reduce<OrderMemory>((m, e) => foldOrderMemory(m, e), emptyOrderMemory());
    expect(live.orders.map((o) => o.request.clientOrderId)).toEqual(['e-1']);
    // The log carries all a snapshot keeps of these orders (requests with their defaults spelled out).
    expect(folded.orders).toEqual(
      live.orders.map((o) => ({ ...o, request: { ...o.request, reduceOnly: false, intent: 'entry' } })),
    );
    expect(folded.recentFills).toEqual(live.recentFills);
    expect(folded.recentFills).toHaveLength(1);
    // A cancel finishes the working one, in the log as in the gateway.
    await h.engine.cancelOrder('acc-1', 'e-1');
    const after = h.sink.events.reduce<OrderMemory>((m, e) => foldOrderMemory(m, e), emptyOrderMemory());
    expect(h.engine.orderMemory().orders).toEqual([]);
    expect(after).toEqual(h.engine.orderMemory());
  });
});

describe('fill dedupe', () => {
  it('books a fill reported twice with the same fill id once', async () => {
    const h = engineHarness();
    const reports: ExecutionReport[] = [];
    h.venue.onExecution((r) => reports.push(r));
    h.tick('ES', 5000, T0);
    await h.engine.placeOrder(
      { accountId: 'acc-1', symbol: 'ES', side: 'buy', type: 'market', quantity: 2, clientOrderId: 'e-1' },
      { intent: 'entry' },
    );
    const count = h.sink.events.length;
    const applied: ExecutionReport[] = [];
    h.engine.onExecutionApplied((r) => applied.push(r));
    // The venue redelivers the fill (a reconnect): the gateway has dropped the finished order,
    // and still knows its fill id.
    h.engine.onExecution(reports[0]!);
    expect(h.sink.events.length).toBe(count);
    expect(applied).toEqual([]);
    expect(h.engine.account('acc-1')!.positions.get('ES')?.quantity).toBe(2);
  });

  it('books a partial fill redelivered while its order works once, and the next fill normally', async () => {
    const clock = new SimulatedClock(T0);
    const ids = createUlidGenerator({ clock, seed: 5 });
    const venue = createPaperVenue({
      clock,
      ids,
      instruments: [ES],
      accounts,
      leverage: 20,
      partialFills: { maxQuantityPerTick: 1 },
    });
    const sink = new CollectingSink();
    const engine = new Engine({ clock, ids, venue, instruments: [ES], accounts, sink });
    const reports: ExecutionReport[] = [];
    venue.onExecution((r) => reports.push(r));
    const tick = (at: number, price: number) => {
      const t: Tick = { ts: T0 + at, symbol: 'ES', price };
      clock.advanceTo(t.ts);
      venue.onTick(t);
      engine.onTick(t);
    };
    tick(0, 5000);
    await engine.placeOrder(
      {
        accountId: 'acc-1',
        symbol: 'ES',
        side: 'buy',
        type: 'limit',
        quantity: 2,
        limitPrice: 4999,
        clientOrderId: 'e-1',
      },
      { intent: 'entry' },
    );
    tick(1000, 4998);
    const first = reports[0]!;
    if (first.kind !== 'fill') throw new Error('expected a fill first');
    engine.onExecution(first);
    expect(engine.orderMemory().orders).toMatchObject([{ fillIds: [first.fill.fillId] }]);
    expect(engine.account('acc-1')!.positions.get('ES')?.quantity).toBe(1);
    tick(2000, 4998);
    const fills = sink.ofType('Trading.Order.Filled.v1');
    expect(fills.map((e) => e.data.quantity)).toEqual([1, 1]);
    expect(engine.account('acc-1')!.positions.get('ES')?.quantity).toBe(2);
    expect(engine.orderMemory().orders).toEqual([]);
  });
});

describe('order memory bounds', () => {
  it('forgets finished orders: after a day of round trips it remembers only a bounded tail of fills', async () => {
    const h = engineHarness();
    for (let i = 0; i < 1100; i++) {
      h.tick('ES', 5000, T0 + 1000 * (i + 1));
      const side = i % 2 === 0 ? 'buy' : 'sell';
      await h.engine.placeOrder(
        { accountId: 'acc-1', symbol: 'ES', side, type: 'market', quantity: 1, clientOrderId: `o-${i}` },
        { intent: i % 2 === 0 ? 'entry' : 'exit', reason: 'TAKE_PROFIT' },
      );
    }
    const memory: OrderMemory = h.engine.orderMemory();
    expect(memory.orders).toEqual([]);
    expect(h.engine.gateway.trackedCount).toBe(0);
    expect(h.sink.ofType('Trading.Order.Filled.v1')).toHaveLength(1100);
    expect(memory.recentFills.length).toBe(1000);
    expect(h.sink.ofType('Trading.Position.Closed.v1')).toHaveLength(550);
  });
});

describe('entry memory', () => {
  const yaml = `${BASE}\nprofiles: { default: { policy: hold } }`;
  const edge: Edge = {
    accountId: 'acc',
    symbol: 'ES',
    side: 'long',
    source: 'test',
    probability: 0.6,
    limitPrice: 4990,
    stopPrice: 4980,
    targetPrice: 5020,
  };
  const placed = (h: MonitoredHarness) =>
    h.sink.ofType('Trading.Order.Placed.v1').map((e) => e.data.clientOrderId);

  it('numbers the entries after a restart on from the remembered ones, or from the log', async () => {
    const first = monitoredHarness(yaml);
    await first.tick('ES', 5000, T0 + 1000);
    await first.c.entry.submit(edge);
    await first.c.entry.submit({ ...edge, limitPrice: 4989 });
    expect(placed(first)).toEqual(['entry-1-0', 'entry-2-0']);
    const memory = JSON.parse(JSON.stringify(first.c.entry.memory()));
    const folded = first.sink.events.reduce<EntryMemory>((m, e) => foldEntryMemory(m, e), {
      version: 1,
      entries: 0,
    });
    expect(folded).toEqual(memory);

    const second = monitoredHarness(yaml);
    second.c.entry.restore(memory);
    await second.tick('ES', 5000, T0 + 1000);
    await second.c.entry.submit(edge);
    expect(placed(second)).toEqual(['entry-3-0']);
  });
});
