import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { createUlidGenerator } from '../../src/adapters/ids/ulid.ts';
import { type Account, createAccount, withPosition } from '../../src/domain/account.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import { defineInstrument } from '../../src/domain/instrument.ts';
import type { Order, OrderRequest } from '../../src/domain/order.ts';
import { openPosition, type Position } from '../../src/domain/position.ts';
import type { Tick } from '../../src/domain/tick.ts';
import { EventFactory } from '../../src/engine/event-factory.ts';
import { ExecutionService } from '../../src/engine/execution/execution-service.ts';
import { emptyExitMemory, foldExitMemory } from '../../src/engine/execution/exit-memory.ts';
import { emptyOrderMemory } from '../../src/engine/orders/order-memory.ts';
import type { BookView, OrderGateway, OrderMeta } from '../../src/engine/trading.ts';
import type { ExecutionReport } from '../../src/ports/venue.ts';

const T0 = Date.parse('2026-01-05T14:00:00.000Z');
const ES = defineInstrument({ symbol: 'ES', tickSize: 0.25, lotSize: 1, multiplier: 50 });

/**
 * A hand-written account book and order gateway: one account holding one ES position, a quote,
 * and a venue (`orders`, which outlives a restart) that accepts every order and leaves it open.
 */
class FakeTrading implements BookView, OrderGateway {
  readonly placed: { request: OrderRequest; meta: OrderMeta }[] = [];
  readonly cancelled: string[] = [];
  private book: Account;
  private readonly listeners = new Set<(report: ExecutionReport) => void>();

  constructor(
    position: Position,
    readonly orders = new Map<string, OrderRequest>(),
  ) {
    this.book = withPosition(createAccount('acc-1', 100_000), position);
  }

  account(id: string) {
    return id === this.book.id ? this.book : undefined;
  }
  allAccounts() {
    return [this.book];
  }
  openPositions() {
    return [...this.book.positions.values()];
  }
  positionById(id: string) {
    return this.openPositions().find((p) => p.id === id);
  }
  instrument(symbol: string) {
    return symbol === ES.symbol ? ES : undefined;
  }
  symbols() {
    return [ES.symbol];
  }
  lastTick(symbol: string): Tick | undefined {
    return { ts: T0, symbol, price: 5000, bid: 4999.75, ask: 5000.25 };
  }
  async placeOrder(request: OrderRequest, meta: OrderMeta): Promise<Order> {
    this.placed.push({ request, meta });
    this.orders.set(request.clientOrderId, request);
    return {
      ...request,
      venueOrderId: `v-${request.clientOrderId}`,
      status: 'open',
      filledQuantity: 0,
      createdAt: T0,
      updatedAt: T0,
    };
  }
  async cancelOrder(accountId: string, clientOrderId: string): Promise<Order> {
    this.cancelled.push(clientOrderId);
    const order = this.orders.get(clientOrderId)!;
    const cancelled: Order = {
      ...order,
      accountId,
      venueOrderId: `v-${clientOrderId}`,
      status: 'cancelled',
      filledQuantity: 0,
      createdAt: T0,
      updatedAt: T0,
    };
    for (const l of this.listeners) l({ kind: 'cancelled', order: cancelled, reason: 'REQUESTED' });
    return cancelled;
  }
  async moveProtectiveStops() {
    return 0;
  }
  setOrderGate() {}
  onVenueOutcome() {
    return () => {};
  }
  onExecutionApplied(listener: (report: ExecutionReport) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  orderMemory() {
    return emptyOrderMemory();
  }
  restoreOrderMemory() {}
  /** The position closed at the venue (reported elsewhere): the book no longer holds it. */
  close(): void {
    this.book = { ...this.book, positions: new Map() };
  }
}

/** Lets the promise chains started by calls and timers run to their end (no wall-clock sleep). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

function service(clock: SimulatedClock, trading: FakeTrading, emitted: Envelope[] = []): ExecutionService {
  const ids = createUlidGenerator({ clock, seed: 3 });
  return new ExecutionService({
    clock,
    engine: trading,
    events: new EventFactory(clock, ids),
    emit: (e) => emitted.push(e),
  });
}

const position = openPosition('P1', {
  accountId: 'acc-1',
  symbol: 'ES',
  side: 'buy',
  quantity: 2,
  price: 5000,
  ts: T0,
});

describe('exit memory', () => {
  it('gives exit orders new client order ids after a restart, never one used before', async () => {
    const clock = new SimulatedClock(T0);
    const before = new FakeTrading(position);
    const first = service(clock, before);
    expect(first.exit({ position, condition: 'stop_loss' })).toBe(true);
    await settle();
    first.cancel(position.id);
    await settle();
    expect(first.exit({ position, condition: 'stop_loss' })).toBe(true);
    await settle();
    const memory = JSON.parse(JSON.stringify(first.memory()));
    first.stop();
    const used = before.placed.map((p) => p.request.clientOrderId);
    expect(used).toEqual(['P1-x1-1', 'P1-x2-1']);

    // A fresh service without the memory would reuse the first id: the problem memory solves.
    const forgetful = new FakeTrading(position);
    service(clock, forgetful).exit({ position, condition: 'stop_loss' });
    await settle();
    expect(used).toContain(forgetful.placed[0]!.request.clientOrderId);

    const after = new FakeTrading(position);
    const restored = service(clock, after);
    restored.restore(memory);
    // The exit that was working is picked up again, not doubled: a second request is refused.
    expect(restored.isExiting(position.id)).toBe(true);
    expect(restored.exit({ position, condition: 'stop_loss' })).toBe(false);
    restored.cancel(position.id);
    await settle();
    expect(restored.exit({ position, condition: 'stop_loss' })).toBe(true);
    await settle();
    const next = after.placed.map((p) => p.request.clientOrderId);
    expect(next).toEqual(['P1-x3-1']);
    for (const id of next) expect(used).not.toContain(id);
  });

  it('keeps a working limit exit across a restart: same deadline, then the next walk of the same exit', async () => {
    const clock = new SimulatedClock(T0);
    const before = new FakeTrading(position);
    const first = service(clock, before);
    first.exit({ position, condition: 'trailing_stop' });
    await settle();
    clock.advanceTo(T0 + 4_000);
    const memory = JSON.parse(JSON.stringify(first.memory()));
    first.stop();
    expect(memory.working).toMatchObject([
      { positionId: 'P1', exitNumber: 1, attempt: 1, timeoutAt: T0 + 10_000 },
    ]);

    const after = new FakeTrading(position, before.orders);
    const restored = service(clock, after);
    restored.restore(memory);
    await settle();
    expect(after.placed).toEqual([]); // The order placed before the restart is still working.
    clock.advanceTo(T0 + 9_999);
    await settle();
    expect(after.placed).toEqual([]);
    clock.advanceTo(T0 + 10_000);
    await settle();
    expect(after.cancelled).toEqual(['P1-x1-1']);
    expect(after.placed.map((p) => [p.request.clientOrderId, p.request.type, p.meta.reason])).toEqual([
      ['P1-x1-2', 'limit', 'TRAILING_STOP'],
    ]);
  });

  it('ends a remembered exit whose position closed while Warden was down, and drops its count', async () => {
    const clock = new SimulatedClock(T0);
    const before = new FakeTrading(position);
    const first = service(clock, before);
    first.exit({ position, condition: 'stop_loss' });
    await settle();
    const memory = first.memory();
    const after = new FakeTrading(position, before.orders);
    after.close();
    const released: string[] = [];
    const ids = createUlidGenerator({ clock, seed: 3 });
    const restored = new ExecutionService({
      clock,
      engine: after,
      events: new EventFactory(clock, ids),
      emit: () => {},
      onReleased: (id) => released.push(id),
    });
    restored.restore(memory);
    await settle();
    expect(restored.isExiting(position.id)).toBe(false);
    expect(released).toEqual(['P1']);
    expect(after.cancelled).toEqual(['P1-x1-1']); // Its order may still rest at the venue.
    expect(restored.memory()).toEqual(emptyExitMemory());
  });

  it('folds the log after a snapshot: exit orders raise the count, a close drops the position', () => {
    const placed = (clientOrderId: string): Envelope => ({
      id: `e-${clientOrderId}`,
      type: 'Trading.Order.Placed.v1',
      key: 'acc-1',
      ts: '2026-01-05T14:00:00.000Z',
      data: {
        accountId: 'acc-1',
        symbol: 'ES',
        clientOrderId,
        side: 'sell',
        type: 'market',
        quantity: 2,
        reduceOnly: true,
        intent: 'exit',
        positionId: 'P1',
        reason: 'STOP_LOSS',
      },
    });
    let memory = foldExitMemory(emptyExitMemory(), placed('P1-x1-1'));
    memory = foldExitMemory(memory, placed('P1-x4-2'));
    expect(memory.counts).toEqual([{ positionId: 'P1', exits: 4 }]);
    memory = foldExitMemory(memory, {
      id: 'e-closed',
      type: 'Trading.Position.Closed.v1',
      key: 'acc-1',
      ts: '2026-01-05T14:00:01.000Z',
      data: {
        positionId: 'P1',
        accountId: 'acc-1',
        symbol: 'ES',
        side: 'long',
        reason: 'STOP_LOSS',
        quantity: 2,
        entryPrice: 5000,
        exitPrice: 4990,
        realizedPnl: '-1000',
        openedAt: '2026-01-05T14:00:00.000Z',
      },
    });
    expect(memory).toEqual(emptyExitMemory());
  });
});
