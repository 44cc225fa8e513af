import { describe, expect, it } from 'vitest';
import { EventRegistry } from '../../src/domain/events/registry.ts';
import type { OrderRequest } from '../../src/domain/order.ts';
import { engineHarness, T0 } from '../support/engine-harness.ts';

const market = (
  side: 'buy' | 'sell',
  quantity: number,
  id: string,
  extra: Partial<OrderRequest> = {},
): OrderRequest => ({
  accountId: 'acc-1',
  symbol: 'ES',
  side,
  type: 'market',
  quantity,
  clientOrderId: id,
  ...extra,
});

describe('engine: order and position lifecycle', () => {
  it('turns an entry fill into Placed → Filled → Opened, chained by causation and correlation', async () => {
    const h = engineHarness();
    h.engine.start();
    h.tick('ES', 5000, T0);
    await h.engine.placeOrder(market('buy', 2, 'e1'), {
      intent: 'entry',
      open: { stopPrice: 4980, targetPrice: 5050 },
    });
    const [placed, filled, opened] = h.sink.events;
    expect(h.sink.events.map((e) => e.type)).toEqual([
      'Trading.Order.Placed.v1',
      'Trading.Order.Filled.v1',
      'Trading.Position.Opened.v1',
    ]);
    expect(filled!.causationId).toBe(placed!.id);
    expect(opened!.causationId).toBe(filled!.id);
    expect(opened!.correlationId).toBe(placed!.id);
    expect(opened!.data).toMatchObject({
      accountId: 'acc-1',
      symbol: 'ES',
      side: 'long',
      quantity: 2,
      entryPrice: 5000,
      stopPrice: 4980,
      targetPrice: 5050,
      source: 'fill',
      clientOrderId: 'e1',
    });
    const position = h.engine.account('acc-1')!.positions.get('ES')!;
    expect(position.stopPrice).toBe(4980);
  });

  it('scales in at the average price, scales out with exact realized PnL, and closes with the exit reason', async () => {
    const h = engineHarness();
    h.engine.start();
    h.tick('ES', 5000, T0);
    await h.engine.placeOrder(market('buy', 1, 'e1'), { intent: 'entry' });
    h.tick('ES', 5001.25, T0 + 1000);
    await h.engine.placeOrder(market('buy', 1, 'e2'), { intent: 'entry' });
    const increased = h.sink.ofType('Trading.Position.Increased.v1');
    expect(increased).toHaveLength(1);
    expect(increased[0]!.data).toMatchObject({ quantity: 2, entryPrice: 5000.625, addedQuantity: 1 });

    h.tick('ES', 5010, T0 + 2000);
    await h.engine.placeOrder(market('sell', 1, 'x1', { reduceOnly: true }), {
      intent: 'exit',
      reason: 'TAKE_PROFIT',
    });
    // (5010 − 5000.625) × 1 × 50 = 468.75
    expect(h.sink.ofType('Trading.Position.Reduced.v1')[0]!.data).toMatchObject({
      reducedQuantity: 1,
      quantity: 1,
      exitPrice: 5010,
      realizedPnl: '468.75',
    });

    h.tick('ES', 4990.5, T0 + 3000);
    await h.engine.placeOrder(market('sell', 1, 'x2', { reduceOnly: true }), {
      intent: 'exit',
      reason: 'STOP_LOSS',
    });
    const closed = h.sink.ofType('Trading.Position.Closed.v1');
    expect(closed).toHaveLength(1);
    // Second part: (4990.5 − 5000.625) × 50 = −506.25; the position's total is 468.75 − 506.25.
    expect(closed[0]!.data).toMatchObject({
      reason: 'STOP_LOSS',
      exitPrice: 4990.5,
      realizedPnl: '-37.5',
      quantity: 1,
    });
    expect(h.engine.account('acc-1')!.positions.size).toBe(0);
    expect(h.engine.account('acc-1')!.realizedPnl.toFixed()).toBe('-37.5');
  });

  it('closes and reopens on a fill through flat, with a new position id', async () => {
    const h = engineHarness();
    h.engine.start();
    h.tick('ES', 5000, T0);
    await h.engine.placeOrder(market('buy', 1, 'e1'), { intent: 'entry' });
    await h.engine.placeOrder(market('sell', 3, 'e2'), { intent: 'entry' });
    const opened = h.sink.ofType('Trading.Position.Opened.v1');
    const closed = h.sink.ofType('Trading.Position.Closed.v1');
    expect(opened).toHaveLength(2);
    expect(closed).toHaveLength(1);
    expect(opened[1]!.data).toMatchObject({ side: 'short', quantity: 2 });
    expect(opened[1]!.data.positionId).not.toBe(opened[0]!.data.positionId);
    expect(closed[0]!.data.positionId).toBe(opened[0]!.data.positionId);
  });

  it('records a venue rejection as Trading.Order.Rejected.v1 with the reason code and changes nothing', async () => {
    const h = engineHarness({ leverage: 1 });
    h.engine.start();
    h.tick('ES', 5000, T0);
    const order = await h.engine.placeOrder(market('buy', 1, 'big'), { intent: 'entry' });
    expect(order).toBeUndefined();
    const rejected = h.sink.ofType('Trading.Order.Rejected.v1');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.data).toMatchObject({ clientOrderId: 'big', reason: 'INSUFFICIENT_BALANCE' });
    expect(h.engine.account('acc-1')!.positions.size).toBe(0);
  });

  it('fills a resting limit order when a later tick crosses it, stamped with that tick’s time', async () => {
    const h = engineHarness();
    h.engine.start();
    h.tick('ES', 5000, T0);
    await h.engine.placeOrder(
      { ...market('buy', 1, 'lim'), type: 'limit', limitPrice: 4995 },
      { intent: 'entry', open: { stopPrice: 4980 } },
    );
    h.tick('ES', 4996, T0 + 1000);
    expect(h.sink.ofType('Trading.Order.Filled.v1')).toHaveLength(0);
    h.tick('ES', 4994.75, T0 + 2000);
    const filled = h.sink.ofType('Trading.Order.Filled.v1');
    expect(filled).toHaveLength(1);
    expect(filled[0]!.ts).toBe('2026-01-05T14:00:02.000Z');
    expect(filled[0]!.data).toMatchObject({ price: 4995, remainingQuantity: 0 });
    expect(h.sink.ofType('Trading.Position.Opened.v1')[0]!.data).toMatchObject({ stopPrice: 4980 });
  });

  it('opens initial positions as source config and lets the venue close them reduce-only', async () => {
    const h = engineHarness();
    h.venue.loadPosition({ accountId: 'acc-1', symbol: 'ES', side: 'short', quantity: 2, entryPrice: 5000 });
    h.engine.start([
      {
        id: 'pos-1',
        accountId: 'acc-1',
        symbol: 'ES',
        side: 'short',
        quantity: 2,
        entryPrice: 5000,
        openedAt: T0 - 60_000,
        attrs: { stopPrice: 5020 },
      },
    ]);
    expect(h.sink.events[0]!.data).toMatchObject({
      positionId: 'pos-1',
      source: 'config',
      openedAt: '2026-01-05T13:59:00.000Z',
    });
    h.tick('ES', 4990, T0);
    await h.engine.placeOrder(market('buy', 2, 'x', { reduceOnly: true }), {
      intent: 'exit',
      reason: 'MANUAL',
      positionId: 'pos-1',
    });
    // Short 2 from 5000 bought back at 4990: +10 × 2 × 50.
    expect(h.sink.ofType('Trading.Position.Closed.v1')[0]!.data).toMatchObject({
      positionId: 'pos-1',
      realizedPnl: '1000',
    });
  });
});

describe('engine: candles and determinism', () => {
  it('closes a 1m candle at the boundary on the clock even when no tick follows', () => {
    const h = engineHarness({ candleIntervals: ['1m', '5m'] });
    h.engine.start();
    h.tick('ES', 5000, T0 + 10_000);
    h.tick('ES', 5003, T0 + 20_000);
    h.tick('ES', 4998, T0 + 30_000);
    h.clock.advanceTo(T0 + 59_999);
    expect(h.sink.ofType('Market.Candle.Closed.v1')).toHaveLength(0);
    h.clock.advanceTo(T0 + 60_000);
    const candles = h.sink.ofType('Market.Candle.Closed.v1');
    expect(candles).toHaveLength(1);
    expect(candles[0]!.ts).toBe('2026-01-05T14:01:00.000Z');
    expect(candles[0]!.data).toMatchObject({
      interval: '1m',
      open: 5000,
      high: 5003,
      low: 4998,
      close: 4998,
      ticks: 3,
    });
    h.clock.advanceTo(T0 + 300_000);
    expect(h.sink.ofType('Market.Candle.Closed.v1').map((c) => c.data.interval)).toEqual(['1m', '5m']);
  });

  it('emits only events that pass the catalog, and the same events twice for the same seed', async () => {
    const run = async () => {
      const h = engineHarness({ candleIntervals: ['1m'], seed: 7 });
      h.engine.start();
      let price = 5000;
      for (let i = 0; i < 300; i++) {
        price += i % 7 === 0 ? -1.25 : 0.75;
        h.tick('ES', price, T0 + i * 1000);
        if (i % 50 === 10) await h.engine.placeOrder(market('buy', 1, `e${i}`), { intent: 'entry' });
        if (i % 50 === 30)
          await h.engine.placeOrder(market('sell', 1, `x${i}`, { reduceOnly: true }), {
            intent: 'exit',
            reason: 'MANUAL',
          });
      }
      return h.sink.events;
    };
    const a = await run();
    const b = await run();
    expect(a.length).toBeGreaterThan(20);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const registry = new EventRegistry();
    for (const e of a) expect(() => registry.parse(e)).not.toThrow();
    // ULIDs sort in emission order.
    const ids = a.map((e) => e.id);
    expect([...ids].sort()).toEqual(ids);
  });
});
