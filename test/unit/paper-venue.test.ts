import { describe, expect, it } from 'vitest';
import { isMarketDataConsumer } from '../../src/adapters/venues/capabilities.ts';
import {
  createPaperVenue,
  PAPER_CLIENT_ORDER_IDS,
  type PaperVenueConfig,
  type PaperVenueState,
} from '../../src/adapters/venues/paper/paper-venue.ts';
import { isWardenError, VenueNotSupportedError } from '../../src/domain/errors.ts';
import { defineInstrument } from '../../src/domain/instrument.ts';
import type { Fill, OrderRequest } from '../../src/domain/order.ts';
import type { Tick } from '../../src/domain/tick.ts';
import type { ConnectionEvent, ExecutionReport } from '../../src/ports/venue.ts';
import { rejection } from '../support/venue-errors.ts';
import { FakeClock, FakeIds } from '../support/venue-fakes.ts';

const XYZ = defineInstrument({ symbol: 'XYZ', tickSize: 0.25, lotSize: 1, multiplier: 1 });
const ES = defineInstrument({ symbol: 'ESZ5', tickSize: 0.25, lotSize: 1, multiplier: 50 });
const BTC = defineInstrument({ symbol: 'BTC/USD', tickSize: 0.5, lotSize: 0.5, multiplier: 1 });

function setup(extra: Partial<PaperVenueConfig> = {}) {
  const clock = new FakeClock(1_000);
  const ids = new FakeIds();
  const venue = createPaperVenue({
    clock,
    ids,
    instruments: [XYZ, ES, BTC],
    accounts: [
      { id: 'acc-1', balance: '1000000' },
      { id: 'small', balance: 1000 },
    ],
    ...extra,
  });
  const reports: ExecutionReport[] = [];
  venue.onExecution((r) => reports.push(r));
  let n = 0;
  const req = (fields: Partial<OrderRequest> & Pick<OrderRequest, 'side' | 'type'>): OrderRequest => ({
    accountId: 'acc-1',
    symbol: 'XYZ',
    quantity: 1,
    clientOrderId: `c-${++n}`,
    ...fields,
  });
  const tick = (price: number, more: Partial<Tick> = {}) => {
    clock.time += 1_000;
    venue.onTick({ ts: clock.now(), symbol: 'XYZ', price, ...more });
  };
  const fills = (): Fill[] => reports.flatMap((r) => (r.kind === 'fill' ? [r.fill] : []));
  const fillsAs = () => fills().map((f) => [f.clientOrderId, f.side, f.quantity, f.price]);
  return { clock, ids, venue, reports, req, tick, fills, fillsAs };
}

describe('paper venue: market orders', () => {
  it('fills at the last price when the tick has no quotes, with ids and time from the ports', async () => {
    const { venue, req, tick, fills, clock } = setup();
    tick(100);
    const order = await venue.placeOrder(req({ side: 'buy', type: 'market', quantity: 3 }));
    expect(order).toMatchObject({
      status: 'filled',
      filledQuantity: 3,
      averageFillPrice: 100,
      venueOrderId: 'id-1',
    });
    expect(fills()).toEqual([
      {
        fillId: 'id-2',
        accountId: 'acc-1',
        symbol: 'XYZ',
        side: 'buy',
        quantity: 3,
        price: 100,
        fee: '0',
        clientOrderId: 'c-1',
        venueOrderId: 'id-1',
        ts: clock.now(),
      },
    ]);
  });

  it('buys at the ask and sells at the bid when the tick has quotes', async () => {
    const { venue, req, tick, fillsAs } = setup();
    tick(100, { bid: 99.5, ask: 100.5 });
    await venue.placeOrder(req({ side: 'buy', type: 'market' }));
    await venue.placeOrder(req({ side: 'sell', type: 'market' }));
    expect(fillsAs()).toEqual([
      ['c-1', 'buy', 1, 100.5],
      ['c-2', 'sell', 1, 99.5],
    ]);
  });

  it('moves the price against the trader by the slippage and rounds to the tick away from them', async () => {
    const { venue, req, tick, fills } = setup({ slippageBps: 10 });
    tick(100);
    await venue.placeOrder(req({ side: 'buy', type: 'market' })); // 100.1 → 100.25
    await venue.placeOrder(req({ side: 'sell', type: 'market' })); // 99.9 → 99.75
    tick(250);
    await venue.placeOrder(req({ side: 'buy', type: 'market' })); // 250.25 exactly
    expect(fills().map((f) => f.price)).toEqual([100.25, 99.75, 250.25]);
  });

  it('charges notional × feeBps / 10 000 per fill and books fees and realized PnL in the balance', async () => {
    const { venue, req, fills, clock } = setup({ feeBps: 2.5 });
    venue.onTick({ ts: clock.now(), symbol: 'ESZ5', price: 4500 });
    await venue.placeOrder(req({ symbol: 'ESZ5', side: 'buy', type: 'market', quantity: 2 }));
    expect(venue.balance('acc-1')).toBe('999887.5');
    venue.onTick({ ts: clock.now(), symbol: 'ESZ5', price: 4510 });
    await venue.placeOrder(req({ symbol: 'ESZ5', side: 'sell', type: 'market', quantity: 2 }));
    expect(fills().map((f) => f.fee)).toEqual(['112.5', '112.75']);
    // 1 000 000 − 112.5 + (4510 − 4500) × 2 × 50 − 112.75
    expect(venue.balance('acc-1')).toBe('1000774.75');
    expect(await venue.positions('acc-1')).toEqual([]);
  });

  it('refuses a market order before the symbol has a price, whatever other symbols have', async () => {
    const { venue, req, clock, reports } = setup();
    venue.onTick({ ts: clock.now(), symbol: 'ESZ5', price: 4500 });
    const e = await rejection(venue.placeOrder(req({ side: 'buy', type: 'market' })));
    expect([e.retry, e.reason, e.code]).toEqual(['rejected', 'NO_MARKET_PRICE', 'WARDEN_VENUE_REJECTED']);
    expect(reports).toEqual([]);
  });
});

describe('paper venue: limit orders', () => {
  it('fills a marketable limit at once, at its limit price', async () => {
    const { venue, req, tick, fillsAs } = setup();
    tick(99.75, { bid: 99.5, ask: 100 });
    const buy = await venue.placeOrder(req({ side: 'buy', type: 'limit', limitPrice: 100.5 }));
    await venue.placeOrder(req({ side: 'sell', type: 'limit', limitPrice: 99 }));
    expect(buy.status).toBe('filled');
    expect(fillsAs()).toEqual([
      ['c-1', 'buy', 1, 100.5],
      ['c-2', 'sell', 1, 99],
    ]);
  });

  it('judges a buy limit against the ask, not the last price', async () => {
    const { venue, req, tick, fillsAs } = setup();
    tick(99.75, { bid: 99.5, ask: 100.25 });
    const order = await venue.placeOrder(req({ side: 'buy', type: 'limit', limitPrice: 100 }));
    expect(order.status).toBe('open');
    tick(99.5, { bid: 99.25, ask: 100.25 });
    expect(fillsAs()).toEqual([]);
    tick(99.75, { bid: 99.75, ask: 100 });
    expect(fillsAs()).toEqual([['c-1', 'buy', 1, 100]]);
  });

  it('rests until a later tick crosses, then fills at the limit price (inclusive)', async () => {
    const { venue, req, tick, fillsAs } = setup();
    tick(100);
    await venue.placeOrder(req({ side: 'buy', type: 'limit', limitPrice: 99 }));
    await venue.placeOrder(req({ side: 'sell', type: 'limit', limitPrice: 101 }));
    tick(99.25);
    tick(100.75);
    expect(fillsAs()).toEqual([]);
    tick(98.5);
    tick(101);
    expect(fillsAs()).toEqual([
      ['c-1', 'buy', 1, 99],
      ['c-2', 'sell', 1, 101],
    ]);
    expect(await venue.openOrders('acc-1')).toEqual([]);
  });

  it('accepts limit orders before the first tick and fills them on it', async () => {
    const { venue, req, tick, fillsAs } = setup();
    expect((await venue.placeOrder(req({ side: 'buy', type: 'limit', limitPrice: 99 }))).status).toBe('open');
    tick(98);
    expect(fillsAs()).toEqual([['c-1', 'buy', 1, 99]]);
  });

  it('matches resting buys by price then time', async () => {
    const { venue, req, tick, fills } = setup();
    tick(100);
    for (const [id, limitPrice] of [
      ['a', 99],
      ['b', 99.5],
      ['c', 99.5],
      ['d', 98],
    ] as const) {
      await venue.placeOrder(req({ side: 'buy', type: 'limit', limitPrice, clientOrderId: id }));
    }
    tick(98.75);
    expect(fills().map((f) => [f.clientOrderId, f.price])).toEqual([
      ['b', 99.5],
      ['c', 99.5],
      ['a', 99],
    ]);
    expect((await venue.openOrders('acc-1')).map((o) => o.clientOrderId)).toEqual(['d']);
  });

  it('matches resting sells by price then time', async () => {
    const { venue, req, tick, fills } = setup();
    tick(100);
    for (const [id, limitPrice] of [
      ['e', 101],
      ['f', 100.5],
      ['g', 100.5],
    ] as const) {
      await venue.placeOrder(req({ side: 'sell', type: 'limit', limitPrice, clientOrderId: id }));
    }
    tick(101.5);
    expect(fills().map((f) => f.clientOrderId)).toEqual(['f', 'g', 'e']);
  });
});

describe('paper venue: stop and stop-limit orders', () => {
  it('triggers at the stop price inclusive on both sides', async () => {
    const { venue, req, tick, fillsAs } = setup();
    tick(100);
    await venue.placeOrder(req({ side: 'buy', type: 'stop', stopPrice: 105 }));
    await venue.placeOrder(req({ side: 'sell', type: 'stop', stopPrice: 95 }));
    tick(104.75);
    tick(95.25);
    expect(fillsAs()).toEqual([]);
    tick(105);
    tick(95);
    expect(fillsAs()).toEqual([
      ['c-1', 'buy', 1, 105],
      ['c-2', 'sell', 1, 95],
    ]);
  });

  it('fills at the gap price when the market gaps through the stop', async () => {
    const { venue, req, tick, fillsAs } = setup();
    tick(100);
    await venue.placeOrder(req({ side: 'sell', type: 'stop', stopPrice: 95 }));
    await venue.placeOrder(req({ side: 'buy', type: 'stop', stopPrice: 105 }));
    tick(92);
    tick(108);
    expect(fillsAs()).toEqual([
      ['c-1', 'sell', 1, 92],
      ['c-2', 'buy', 1, 108],
    ]);
  });

  it('fills a triggered stop like a market order: at the quote, with slippage', async () => {
    const { venue, req, tick, fills } = setup({ slippageBps: 10 });
    tick(100);
    await venue.placeOrder(req({ side: 'sell', type: 'stop', stopPrice: 95 }));
    tick(94, { bid: 93.5, ask: 94.5 }); // 93.5 × 0.999 = 93.4065 → 93.25
    expect(fills().map((f) => f.price)).toEqual([93.25]);
  });

  it('fills a stop at once when the market is already beyond it', async () => {
    const { venue, req, tick, fillsAs } = setup();
    tick(100);
    const order = await venue.placeOrder(req({ side: 'buy', type: 'stop', stopPrice: 99 }));
    expect(order.status).toBe('filled');
    expect(fillsAs()).toEqual([['c-1', 'buy', 1, 100]]);
  });

  it('turns a stop-limit into a limit at its limit price, filling on the triggering tick when it crosses', async () => {
    const { venue, req, tick, fillsAs } = setup();
    tick(100);
    await venue.placeOrder(req({ side: 'sell', type: 'stop_limit', stopPrice: 95, limitPrice: 94.5 }));
    tick(95.25);
    expect(fillsAs()).toEqual([]);
    tick(95);
    expect(fillsAs()).toEqual([['c-1', 'sell', 1, 94.5]]);
  });

  it('leaves a triggered stop-limit resting until the price comes back to its limit', async () => {
    const { venue, req, tick, fillsAs } = setup();
    tick(100);
    await venue.placeOrder(req({ side: 'buy', type: 'stop_limit', stopPrice: 105, limitPrice: 105.5 }));
    tick(107);
    tick(105.75);
    expect(fillsAs()).toEqual([]);
    expect((await venue.openOrders('acc-1')).map((o) => o.status)).toEqual(['open']);
    tick(105.5);
    expect(fillsAs()).toEqual([['c-1', 'buy', 1, 105.5]]);
  });
});

describe('paper venue: partial fills', () => {
  it('fills a resting limit at most maxQuantityPerTick per tick, each part its own fill', async () => {
    const { venue, req, tick, fills, reports } = setup({ partialFills: { maxQuantityPerTick: 2 } });
    expect(venue.capabilities.partialFills).toBe(true);
    tick(100);
    await venue.placeOrder(req({ side: 'buy', type: 'limit', quantity: 5, limitPrice: 99 }));
    tick(98.75);
    expect(await venue.openOrders('acc-1')).toEqual([
      expect.objectContaining({ status: 'partially_filled', filledQuantity: 2, averageFillPrice: 99 }),
    ]);
    tick(98.75);
    tick(98.75);
    tick(98.75);
    expect(fills().map((f) => [f.fillId, f.quantity, f.price])).toEqual([
      ['id-2', 2, 99],
      ['id-4', 2, 99],
      ['id-5', 1, 99],
    ]);
    expect(reports.map((r) => r.order.status)).toEqual(['partially_filled', 'partially_filled', 'filled']);
    expect(await venue.positions('acc-1')).toEqual([
      { accountId: 'acc-1', symbol: 'XYZ', side: 'long', quantity: 5, entryPrice: 99 },
    ]);
  });

  it('fills market orders and marketable limits in full', async () => {
    const { venue, req, tick, fillsAs } = setup({ partialFills: { maxQuantityPerTick: 1 } });
    tick(100);
    await venue.placeOrder(req({ side: 'buy', type: 'market', quantity: 4 }));
    await venue.placeOrder(req({ side: 'buy', type: 'limit', quantity: 3, limitPrice: 100 }));
    expect(fillsAs()).toEqual([
      ['c-1', 'buy', 4, 100],
      ['c-2', 'buy', 3, 100],
    ]);
  });

  it('declares partial fills only when configured', () => {
    expect(setup().venue.capabilities.partialFills).toBe(false);
  });
});

describe('paper venue: reduce-only', () => {
  it('refuses a reduce-only order when flat, on the same side, or larger than the position', async () => {
    const { venue, req, tick, reports } = setup();
    tick(100);
    const flat = await rejection(venue.placeOrder(req({ side: 'sell', type: 'market', reduceOnly: true })));
    await venue.placeOrder(req({ side: 'buy', type: 'market', quantity: 3 }));
    const same = await rejection(
      venue.placeOrder(req({ side: 'buy', type: 'limit', limitPrice: 90, reduceOnly: true })),
    );
    const flip = await rejection(
      venue.placeOrder(req({ side: 'sell', type: 'market', quantity: 4, reduceOnly: true })),
    );
    expect([flat, same, flip].map((e) => [e.retry, e.reason])).toEqual([
      ['rejected', 'REDUCE_ONLY'],
      ['rejected', 'REDUCE_ONLY'],
      ['rejected', 'REDUCE_ONLY'],
    ]);
    expect(reports).toHaveLength(1);
  });

  it('allows reduce-only orders that reduce or close the position', async () => {
    const { venue, req, tick, fillsAs } = setup();
    tick(100);
    await venue.placeOrder(req({ side: 'buy', type: 'market', quantity: 3 }));
    await venue.placeOrder(req({ side: 'sell', type: 'market', quantity: 2, reduceOnly: true }));
    expect((await venue.positions('acc-1')).map((p) => [p.side, p.quantity])).toEqual([['long', 1]]);
    await venue.placeOrder(req({ side: 'sell', type: 'market', quantity: 1, reduceOnly: true }));
    expect(await venue.positions('acc-1')).toEqual([]);
    expect(fillsAs().map((f) => f[2])).toEqual([3, 2, 1]);
  });

  it('fills a resting reduce-only stop up to the position left and cancels the rest', async () => {
    const { venue, req, tick, reports } = setup();
    tick(100);
    await venue.placeOrder(req({ side: 'buy', type: 'market', quantity: 3 }));
    await venue.placeOrder(req({ side: 'sell', type: 'stop', quantity: 3, stopPrice: 95, reduceOnly: true }));
    await venue.placeOrder(req({ side: 'sell', type: 'market', quantity: 2 }));
    tick(94);
    expect(
      reports.slice(2).map((r) => [r.kind, r.order.status, r.kind === 'fill' ? r.fill.quantity : r.reason]),
    ).toEqual([
      ['fill', 'partially_filled', 1],
      ['cancelled', 'cancelled', 'REDUCE_ONLY'],
    ]);
    expect(await venue.positions('acc-1')).toEqual([]);
  });

  it('cancels a resting reduce-only order whose position is gone, without filling it', async () => {
    const { venue, req, tick, reports } = setup();
    tick(100);
    await venue.placeOrder(req({ side: 'buy', type: 'market', quantity: 1 }));
    await venue.placeOrder(req({ side: 'sell', type: 'limit', limitPrice: 110, reduceOnly: true }));
    await venue.placeOrder(req({ side: 'sell', type: 'market', quantity: 1 }));
    tick(111);
    expect(reports.map((r) => [r.kind, r.order.clientOrderId])).toEqual([
      ['fill', 'c-1'],
      ['fill', 'c-3'],
      ['cancelled', 'c-2'],
    ]);
    expect(await venue.positions('acc-1')).toEqual([]);
  });
});

describe('paper venue: validation', () => {
  it('refuses a quantity that is not a whole number of lots', async () => {
    const { venue, req, clock, fillsAs } = setup();
    venue.onTick({ ts: clock.now(), symbol: 'BTC/USD', price: 100 });
    const e = await rejection(
      venue.placeOrder(req({ symbol: 'BTC/USD', side: 'buy', type: 'market', quantity: 0.75 })),
    );
    expect([e.reason, e.message]).toEqual([
      'LOT_SIZE',
      'quantity 0.75 is not a multiple of the lot size 0.5',
    ]);
    await venue.placeOrder(req({ symbol: 'BTC/USD', side: 'buy', type: 'market', quantity: 1.5 }));
    expect(fillsAs()).toEqual([['c-2', 'buy', 1.5, 100]]);
  });

  it('refuses unknown symbols and accounts', async () => {
    const { venue, req, tick } = setup();
    tick(100);
    const symbol = await rejection(venue.placeOrder(req({ symbol: 'NOPE', side: 'buy', type: 'market' })));
    const account = await rejection(
      venue.placeOrder(req({ accountId: 'nobody', side: 'buy', type: 'market' })),
    );
    expect([symbol.reason, symbol.retry, account.reason, account.retry]).toEqual([
      'UNKNOWN_SYMBOL',
      'rejected',
      'UNKNOWN_ACCOUNT',
      'rejected',
    ]);
  });

  it('refuses malformed orders, naming the problem', async () => {
    const { venue, req, tick } = setup();
    tick(100);
    const problems = [
      req({ side: 'buy', type: 'limit' }),
      req({ side: 'buy', type: 'stop_limit', limitPrice: 100 }),
      req({ side: 'buy', type: 'market', quantity: 0 }),
      req({ side: 'buy', type: 'limit', limitPrice: -1 }),
      req({ side: 'buy', type: 'iceberg' as 'limit' }),
    ];
    const errors = await Promise.all(problems.map((p) => rejection(venue.placeOrder(p))));
    expect(errors.map((e) => [e.reason, e.message])).toEqual([
      ['INVALID_ORDER', 'invalid order: LIMIT_PRICE_REQUIRED'],
      ['INVALID_ORDER', 'invalid order: STOP_PRICE_REQUIRED'],
      ['INVALID_ORDER', 'invalid order: QUANTITY_NOT_POSITIVE'],
      ['INVALID_ORDER', 'invalid order: PRICE_NOT_POSITIVE'],
      ['INVALID_ORDER', 'invalid order: UNKNOWN_ORDER_TYPE'],
    ]);
  });

  it('does not consume the client order id of a rejected order, and reports nothing for it', async () => {
    const { venue, req, tick, reports, fillsAs } = setup();
    tick(100);
    await rejection(
      venue.placeOrder(req({ side: 'buy', type: 'market', quantity: 1.5, clientOrderId: 'x' })),
    );
    expect(reports).toEqual([]);
    const order = await venue.placeOrder(
      req({ side: 'buy', type: 'market', quantity: 2, clientOrderId: 'x' }),
    );
    expect([order.status, order.quantity]).toEqual(['filled', 2]);
    expect(fillsAs()).toEqual([['x', 'buy', 2, 100]]);
  });

  it('refuses an invalid configuration', () => {
    const base = { clock: new FakeClock(), ids: new FakeIds(), instruments: [XYZ], accounts: [] };
    for (const bad of [{ leverage: 0 }, { feeBps: -1 }, { partialFills: { maxQuantityPerTick: 0 } }]) {
      expect(() => createPaperVenue({ ...base, ...bad })).toThrow(
        expect.objectContaining({ code: 'WARDEN_CONFIG_INVALID' }),
      );
    }
    expect(() => createPaperVenue({ ...base, instruments: [XYZ, XYZ] })).toThrow(/duplicate instrument XYZ/);
  });
});

describe('paper venue: insufficient balance', () => {
  // Account `small` holds 1000; XYZ has multiplier 1, so one lot at 100 needs 100 of margin.
  const small = { accountId: 'small' };

  it('allows margin up to the free balance exactly and refuses one lot more', async () => {
    const { venue, req, tick, reports } = setup();
    tick(100);
    const e = await rejection(venue.placeOrder(req({ ...small, side: 'buy', type: 'market', quantity: 11 })));
    expect([e.retry, e.reason, e.message]).toEqual([
      'rejected',
      'INSUFFICIENT_BALANCE',
      'order needs margin 1100, free balance is 1000',
    ]);
    expect(reports).toEqual([]);
    expect(
      (await venue.placeOrder(req({ ...small, side: 'buy', type: 'market', quantity: 10 }))).status,
    ).toBe('filled');
  });

  it('counts open positions at entry and resting orders that add exposure, not ones that reduce it', async () => {
    const { venue, req, tick } = setup();
    tick(100);
    await venue.placeOrder(req({ ...small, side: 'buy', type: 'market', quantity: 4 })); // 400 → free 600
    await venue.placeOrder(req({ ...small, side: 'buy', type: 'limit', quantity: 3, limitPrice: 99 })); // 297 → 303
    await venue.placeOrder(req({ ...small, side: 'sell', type: 'limit', quantity: 2, limitPrice: 120 })); // reduces
    const e = await rejection(
      venue.placeOrder(req({ ...small, side: 'buy', type: 'limit', quantity: 4, limitPrice: 76 })),
    );
    expect(e.message).toBe('order needs margin 304, free balance is 303');
    const ok = await venue.placeOrder(
      req({ ...small, side: 'buy', type: 'stop', quantity: 3, stopPrice: 101 }),
    );
    expect(ok.status).toBe('open');
    // A sell that only reduces the long position needs no margin even with nothing free.
    expect(
      (await venue.placeOrder(req({ ...small, side: 'sell', type: 'market', quantity: 1 }))).status,
    ).toBe('filled');
  });

  it('lends leverage', async () => {
    const { venue, req, tick } = setup({ leverage: 4 });
    tick(100);
    const e = await rejection(venue.placeOrder(req({ ...small, side: 'buy', type: 'market', quantity: 41 })));
    expect(e.reason).toBe('INSUFFICIENT_BALANCE');
    expect(
      (await venue.placeOrder(req({ ...small, side: 'buy', type: 'market', quantity: 40 }))).status,
    ).toBe('filled');
  });

  it('adds realized PnL and takes fees from the free balance', async () => {
    const { venue, req, tick } = setup({ feeBps: 10 });
    tick(100);
    await venue.placeOrder(req({ ...small, side: 'buy', type: 'market', quantity: 5 })); // fee 0.5
    tick(120);
    await venue.placeOrder(req({ ...small, side: 'sell', type: 'market', quantity: 5 })); // +100, fee 0.6
    expect(venue.balance('small')).toBe('1098.9');
    tick(100);
    await venue.placeOrder(req({ ...small, side: 'buy', type: 'market', quantity: 10 }));
    const e = await rejection(venue.placeOrder(req({ ...small, side: 'buy', type: 'market', quantity: 1 })));
    expect(e.message).toBe('order needs margin 100, free balance is 97.9');
  });
});

describe('paper venue: cancel and replace', () => {
  it('cancels a resting order, reports it once, and never fills it', async () => {
    const { venue, req, tick, reports } = setup();
    tick(100);
    await venue.placeOrder(req({ side: 'buy', type: 'limit', limitPrice: 99 }));
    const cancelled = await venue.cancelOrder('acc-1', 'c-1');
    expect(cancelled.status).toBe('cancelled');
    expect(await venue.cancelOrder('acc-1', 'c-1')).toEqual(cancelled);
    tick(98);
    expect(reports.map((r) => [r.kind, r.order.clientOrderId, r.kind === 'cancelled' && r.reason])).toEqual([
      ['cancelled', 'c-1', 'REQUESTED'],
    ]);
    expect(await venue.openOrders('acc-1')).toEqual([]);
  });

  it('refuses to cancel an unknown order or on an unknown account', async () => {
    const { venue } = setup();
    expect((await rejection(venue.cancelOrder('acc-1', 'nope'))).reason).toBe('UNKNOWN_ORDER');
    expect((await rejection(venue.cancelOrder('nobody', 'nope'))).reason).toBe('UNKNOWN_ACCOUNT');
  });

  it('replaces a resting order: cancels it as REPLACED and places the new one', async () => {
    const { venue, req, tick, reports, fillsAs } = setup();
    tick(100);
    await venue.placeOrder(req({ side: 'buy', type: 'limit', quantity: 5, limitPrice: 98 }));
    const replacement = await venue.replaceOrder('acc-1', 'c-1', {
      clientOrderId: 'c-1b',
      limitPrice: 99,
      quantity: 3,
    });
    expect(replacement).toMatchObject({ clientOrderId: 'c-1b', limitPrice: 99, quantity: 3, status: 'open' });
    expect(
      reports.map((r) => [r.kind, r.order.clientOrderId, r.order.status, r.kind === 'cancelled' && r.reason]),
    ).toEqual([['cancelled', 'c-1', 'cancelled', 'REPLACED']]);
    expect((await venue.openOrders('acc-1')).map((o) => o.clientOrderId)).toEqual(['c-1b']);
    tick(98.5);
    expect(fillsAs()).toEqual([['c-1b', 'buy', 3, 99]]);
  });

  it('replaces the remaining quantity by default and fills a marketable replacement at once', async () => {
    const { venue, req, tick, fillsAs } = setup({ partialFills: { maxQuantityPerTick: 2 } });
    tick(100);
    await venue.placeOrder(req({ side: 'buy', type: 'limit', quantity: 5, limitPrice: 99 }));
    tick(99);
    const replacement = await venue.replaceOrder('acc-1', 'c-1', { clientOrderId: 'c-1b', limitPrice: 99.5 });
    expect([replacement.quantity, replacement.status]).toEqual([3, 'filled']);
    expect(fillsAs()).toEqual([
      ['c-1', 'buy', 2, 99],
      ['c-1b', 'buy', 3, 99.5],
    ]);
  });

  it('leaves the original working when the replacement is refused', async () => {
    const { venue, req, tick, reports } = setup();
    tick(100);
    await venue.placeOrder(req({ side: 'buy', type: 'limit', quantity: 5, limitPrice: 98 }));
    const e = await rejection(venue.replaceOrder('acc-1', 'c-1', { clientOrderId: 'c-1b', quantity: 1.5 }));
    expect(e.reason).toBe('LOT_SIZE');
    expect(reports).toEqual([]);
    expect((await venue.openOrders('acc-1')).map((o) => [o.clientOrderId, o.status])).toEqual([
      ['c-1', 'open'],
    ]);
  });

  it('refuses to replace a finished order and returns the replacement on a retried replace', async () => {
    const { venue, req, tick, reports } = setup();
    tick(100);
    await venue.placeOrder(req({ side: 'buy', type: 'market' }));
    expect(
      (await rejection(venue.replaceOrder('acc-1', 'c-1', { clientOrderId: 'x', limitPrice: 99 }))).reason,
    ).toBe('ORDER_NOT_OPEN');
    await venue.placeOrder(req({ side: 'buy', type: 'limit', limitPrice: 98 }));
    const first = await venue.replaceOrder('acc-1', 'c-2', { clientOrderId: 'c-2b', limitPrice: 97 });
    const retry = await venue.replaceOrder('acc-1', 'c-2', { clientOrderId: 'c-2b', limitPrice: 97 });
    expect(retry).toEqual(first);
    expect(reports.map((r) => r.kind)).toEqual(['fill', 'cancelled']);
  });
});

describe('paper venue: idempotency and reporting', () => {
  it('returns the existing order for a repeated client order id without placing or filling again', async () => {
    const { venue, req, tick, fills, ids } = setup();
    tick(100);
    const request = req({ side: 'buy', type: 'market', quantity: 2 });
    const first = await venue.placeOrder(request);
    const again = await venue.placeOrder({ ...request, quantity: 7 });
    expect(again).toEqual(first);
    expect(fills()).toHaveLength(1);
    expect(ids.next()).toBe('id-4'); // order, fill, position: nothing more was minted
    expect((await venue.positions('acc-1')).map((p) => p.quantity)).toEqual([2]);
    const other = await venue.placeOrder({ ...request, accountId: 'small' });
    expect([other.accountId, other.status]).toEqual(['small', 'filled']);
  });

  it('reports fills through onExecution before placeOrder resolves', async () => {
    const { venue, req, tick } = setup();
    tick(100);
    const log: string[] = [];
    venue.onExecution((r) => log.push(`${r.kind}:${r.order.status}`));
    const pending = venue
      .placeOrder(req({ side: 'buy', type: 'market' }))
      .then((o) => log.push(`resolved:${o.status}`));
    expect(log).toEqual(['fill:filled']);
    await pending;
    expect(log).toEqual(['fill:filled', 'resolved:filled']);
  });

  it('stops reporting to a listener once it unsubscribes', async () => {
    const { venue, req, tick } = setup();
    tick(100);
    const seen: ExecutionReport[] = [];
    const off = venue.onExecution((r) => seen.push(r));
    await venue.placeOrder(req({ side: 'buy', type: 'market' }));
    off();
    await venue.placeOrder(req({ side: 'buy', type: 'market' }));
    expect(seen.map((r) => r.order.clientOrderId)).toEqual(['c-1']);
  });

  it('keeps its state and other listeners when a listener throws, and surfaces the error', async () => {
    const { venue, req, tick, reports } = setup();
    tick(100);
    venue.onExecution(() => {
      throw new Error('listener bug');
    });
    await expect(venue.placeOrder(req({ side: 'buy', type: 'market' }))).rejects.toThrow('listener bug');
    expect(reports).toHaveLength(1);
    expect((await venue.positions('acc-1')).map((p) => p.quantity)).toEqual([1]);
    expect((await venue.placeOrder(req({ side: 'buy', type: 'market', clientOrderId: 'c-1' }))).status).toBe(
      'filled',
    );
  });

  it('stamps fills and order updates with the clock, keeping the creation time', async () => {
    const { venue, req, tick, clock, fills } = setup();
    tick(100);
    const placedAt = clock.now();
    await venue.placeOrder(req({ side: 'buy', type: 'limit', limitPrice: 99 }));
    tick(98);
    expect(clock.now()).toBe(placedAt + 1_000);
    expect(fills()[0]?.ts).toBe(clock.now());
    expect(await venue.cancelOrder('acc-1', 'c-1')).toMatchObject({
      createdAt: placedAt,
      updatedAt: clock.now(),
    });
  });
});

describe('paper venue: queries and lifecycle', () => {
  it('lists open orders per account in placement order and positions at their average entry', async () => {
    const { venue, req, tick } = setup();
    tick(100);
    await venue.placeOrder(req({ side: 'sell', type: 'limit', limitPrice: 110 }));
    await venue.placeOrder(req({ side: 'buy', type: 'market' }));
    await venue.placeOrder(req({ side: 'buy', type: 'stop', stopPrice: 105 }));
    await venue.placeOrder(req({ side: 'buy', type: 'limit', limitPrice: 90 }));
    tick(101);
    await venue.placeOrder(req({ side: 'buy', type: 'market' }));
    expect((await venue.openOrders('acc-1')).map((o) => o.clientOrderId)).toEqual(['c-1', 'c-3', 'c-4']);
    expect(await venue.positions('acc-1')).toEqual([
      { accountId: 'acc-1', symbol: 'XYZ', side: 'long', quantity: 2, entryPrice: 100.5 },
    ]);
    expect(await venue.openOrders('small')).toEqual([]);
    expect(await venue.positions('small')).toEqual([]);
  });

  it('loads a position held before start without a report, fee or cash movement', async () => {
    const { venue, req, tick, reports, fillsAs } = setup();
    venue.loadPosition({ accountId: 'acc-1', symbol: 'XYZ', side: 'short', quantity: 4, entryPrice: 110 });
    expect(await venue.positions('acc-1')).toEqual([
      { accountId: 'acc-1', symbol: 'XYZ', side: 'short', quantity: 4, entryPrice: 110 },
    ]);
    expect([reports, venue.balance('acc-1')]).toEqual([[], '1000000']);
    tick(100);
    await venue.placeOrder(req({ side: 'buy', type: 'market', quantity: 4, reduceOnly: true }));
    expect(fillsAs()).toEqual([['c-1', 'buy', 4, 100]]);
    expect(venue.balance('acc-1')).toBe('1000040'); // (110 − 100) × 4
    expect(() =>
      venue.loadPosition({ accountId: 'acc-1', symbol: 'XYZ', side: 'long', quantity: 0, entryPrice: 1 }),
    ).toThrow(expect.objectContaining({ reason: 'INVALID_POSITION' }));
  });

  it('ignores ticks of unknown symbols', async () => {
    const { venue, req, clock } = setup();
    venue.onTick({ ts: clock.now(), symbol: 'NOPE', price: 1 });
    expect(
      (await rejection(venue.placeOrder(req({ symbol: 'NOPE', side: 'buy', type: 'market' })))).reason,
    ).toBe('UNKNOWN_SYMBOL');
  });

  it('refuses every call after close and ignores later ticks', async () => {
    const { venue, req, tick } = setup();
    await venue.close();
    tick(100);
    const e = await rejection(venue.placeOrder(req({ side: 'buy', type: 'market' })));
    expect([e.retry, e.reason]).toEqual(['fatal', 'VENUE_CLOSED']);
    expect(isWardenError(await rejection(venue.openOrders('acc-1')), 'WARDEN_VENUE_FATAL')).toBe(true);
  });
});

describe('paper venue: connection and scripted outages', () => {
  const T = 1_000;
  const outage = { from: T + 10_000, to: T + 70_000 };

  it('reports the loss and the return with the clock time, refusing calls as transient meanwhile', async () => {
    const { venue, req, clock } = setup({ outages: [outage] });
    const events: ConnectionEvent[] = [];
    venue.onConnection((e) => events.push(e));
    await venue.connect();
    clock.time = outage.from;
    expect(events).toEqual([
      { connected: false, message: 'paper venue outage for 60 s (scripted)', at: outage.from },
    ]);
    const e = await rejection(venue.placeOrder(req({ side: 'buy', type: 'limit', limitPrice: 90 })));
    expect([e.retry, e.reason]).toEqual(['transient', 'VENUE_UNAVAILABLE']);
    expect((await rejection(venue.order('acc-1', 'c-1'))).reason).toBe('VENUE_UNAVAILABLE');
    clock.time = outage.to;
    expect(events.map((x) => [x.connected, x.at])).toEqual([
      [false, outage.from],
      [true, outage.to],
    ]);
    expect((await venue.placeOrder(req({ side: 'buy', type: 'limit', limitPrice: 90 }))).status).toBe('open');
  });

  it('keeps matching while down and delivers the held reports before saying it is back', async () => {
    const { venue, req, tick, clock, reports } = setup();
    tick(100);
    await venue.placeOrder(req({ side: 'sell', type: 'limit', limitPrice: 102 }));
    venue.scheduleOutage({ from: clock.now() + 1, to: clock.now() + 30_000 });
    const seen: string[] = [];
    venue.onConnection((e) => seen.push(`${e.connected}:${reports.length}`));
    tick(103);
    expect(seen).toEqual(['false:0']);
    expect((await rejection(venue.openOrders('acc-1'))).retry).toBe('transient');
    clock.time += 30_000;
    expect(seen).toEqual(['false:0', 'true:1']);
    expect(reports.map((r) => [r.kind, r.order.status])).toEqual([['fill', 'filled']]);
  });

  it('makes overlapping outages one loss and one return, at the later end', () => {
    const { venue, clock } = setup({
      outages: [
        { from: T + 10_000, to: T + 40_000 },
        { from: T + 20_000, to: T + 60_000 },
      ],
    });
    const events: ConnectionEvent[] = [];
    venue.onConnection((e) => events.push(e));
    for (let t = T + 5_000; t <= T + 70_000; t += 5_000) clock.time = t;
    expect(events.map((e) => [e.connected, e.at])).toEqual([
      [false, T + 10_000],
      [true, T + 60_000],
    ]);
  });

  it('refuses a scripted outage that does not end after it starts', () => {
    const { venue } = setup();
    expect(() => venue.scheduleOutage({ from: 10, to: 10 })).toThrow(/must end after it starts/);
  });

  it('cancels its outage timers on close', async () => {
    const { venue, clock } = setup({ outages: [outage] });
    const events: ConnectionEvent[] = [];
    venue.onConnection((e) => events.push(e));
    await venue.close();
    clock.time = outage.to;
    expect(events).toEqual([]);
  });

  it('delivers again the last fills before the drop, with their ids, before the held ones', async () => {
    const { venue, req, tick, clock, reports } = setup({ redeliverFillsOnReconnect: 2 });
    tick(100);
    for (let i = 0; i < 3; i++) await venue.placeOrder(req({ side: 'buy', type: 'market' }));
    await venue.placeOrder(req({ side: 'sell', type: 'limit', limitPrice: 105 }));
    venue.scheduleOutage({ from: clock.now() + 1, to: clock.now() + 10_000 });
    tick(106);
    const before = reports.map((r) => (r.kind === 'fill' ? r.fill.fillId : r.kind));
    clock.time += 10_000;
    const fillIds = reports.map((r) => (r.kind === 'fill' ? r.fill.fillId : r.kind));
    // c-2 and c-3 again (same reports), then the held fill of c-4.
    expect(fillIds).toEqual([...before, before[1], before[2], expect.any(String)]);
    expect(reports[3]).toBe(reports[1]);
    expect(reports.at(-1)?.order.clientOrderId).toBe('c-4');
    expect(new Set(fillIds).size).toBe(4);
  });

  it('delivers nothing again by default', async () => {
    const { venue, req, tick, clock, reports } = setup();
    tick(100);
    await venue.placeOrder(req({ side: 'buy', type: 'market' }));
    venue.scheduleOutage({ from: clock.now() + 1, to: clock.now() + 10_000 });
    clock.time += 10_000;
    expect(reports).toHaveLength(1);
  });

  it('never calls a connection listener when configured without connection events', async () => {
    const { venue, req, clock } = setup({ outages: [outage], capabilities: { connectionEvents: false } });
    const events: ConnectionEvent[] = [];
    venue.onConnection((e) => events.push(e));
    clock.time = outage.from;
    expect(
      (await rejection(venue.placeOrder(req({ side: 'buy', type: 'limit', limitPrice: 9 })))).retry,
    ).toBe('transient');
    clock.time = outage.to;
    expect(events).toEqual([]);
  });
});

describe('paper venue: order lookup and fill history', () => {
  it('looks an order up by client order id through its life, on its own account only', async () => {
    const { venue, req, tick } = setup({ partialFills: { maxQuantityPerTick: 1 } });
    tick(100);
    expect(await venue.order('acc-1', 'c-1')).toBeUndefined();
    const placed = await venue.placeOrder(req({ side: 'buy', type: 'limit', limitPrice: 99, quantity: 2 }));
    expect(await venue.order('acc-1', 'c-1')).toEqual(placed);
    tick(99);
    expect((await venue.order('acc-1', 'c-1'))?.status).toBe('partially_filled');
    tick(99);
    expect(await venue.order('acc-1', 'c-1')).toMatchObject({ status: 'filled', filledQuantity: 2 });
    expect(await venue.order('small', 'c-1')).toBeUndefined();
    expect((await rejection(venue.order('nobody', 'c-1'))).reason).toBe('UNKNOWN_ACCOUNT');
  });

  it('lists fills oldest first, from a time on (inclusive), per account', async () => {
    const { venue, req, tick, fills } = setup();
    tick(100);
    await venue.placeOrder(req({ side: 'buy', type: 'market' }));
    tick(101);
    await venue.placeOrder(req({ side: 'buy', type: 'market' }));
    await venue.placeOrder(req({ side: 'buy', type: 'market', accountId: 'small' }));
    const [first, second, other] = fills();
    expect(await venue.fills('acc-1')).toEqual([first, second]);
    expect(await venue.fills('acc-1', second!.ts)).toEqual([second]);
    expect(await venue.fills('acc-1', second!.ts + 1)).toEqual([]);
    expect(await venue.fills('small')).toEqual([other]);
  });

  it('keeps the latest fillHistory fills per account, in memory and in its state', async () => {
    const { venue, req, tick, fills } = setup({ fillHistory: 3 });
    tick(100);
    for (let i = 0; i < 200; i++)
      await venue.placeOrder(req({ side: i % 2 === 0 ? 'buy' : 'sell', type: 'market' }));
    expect(await venue.fills('acc-1')).toEqual(fills().slice(-3));
    expect(venue.state().accounts[0]?.fills).toEqual(fills().slice(-3));
  });

  it('gives the same fill ids to the same run (ids from the injected generator)', async () => {
    const run = async () => {
      const { venue, req, tick, fills } = setup();
      tick(100);
      await venue.placeOrder(req({ side: 'buy', type: 'market' }));
      await venue.placeOrder(req({ side: 'sell', type: 'limit', limitPrice: 101 }));
      tick(101);
      return fills().map((f) => f.fillId);
    };
    const ids = await run();
    expect(ids).toEqual(await run());
    expect(new Set(ids).size).toBe(2);
  });
});

describe('paper venue: client order id rules', () => {
  it('takes the ids Warden makes and refuses empty, over-long or spaced ones, consuming none', async () => {
    const { venue, req, tick, reports } = setup();
    tick(100);
    for (const id of ['01JBQ4Y7W8K9ZP3M2N6T5R4S1X-x1-0', 'entry-1-0', 'btc.long-x2-1-m3', 'p/1:a']) {
      expect(
        (await venue.placeOrder(req({ side: 'buy', type: 'limit', limitPrice: 90, clientOrderId: id })))
          .status,
      ).toBe('open');
    }
    for (const id of ['', 'a b', 'x'.repeat(65), 'caf\u00e9']) {
      const e = await rejection(
        venue.placeOrder(req({ side: 'buy', type: 'limit', limitPrice: 90, clientOrderId: id })),
      );
      expect([e.retry, e.reason, e.code]).toEqual([
        'rejected',
        'INVALID_CLIENT_ORDER_ID',
        'WARDEN_VENUE_REJECTED',
      ]);
      expect(await venue.order('acc-1', id)).toBeUndefined();
    }
    expect(reports).toEqual([]);
    expect(venue.clientOrderIds).toBe(PAPER_CLIENT_ORDER_IDS);
  });

  it('plays a stricter venue when configured (36 of [A-Za-z0-9_-]), on placement and replacement', async () => {
    const clientOrderIds = { maxLength: 36, pattern: /^[A-Za-z0-9_-]+$/ };
    const { venue, req, tick } = setup({ clientOrderIds });
    tick(100);
    const ok = await venue.placeOrder(
      req({ side: 'buy', type: 'limit', limitPrice: 90, clientOrderId: 'a'.repeat(36) }),
    );
    expect(ok.status).toBe('open');
    const e = await rejection(
      venue.placeOrder(req({ side: 'buy', type: 'limit', limitPrice: 90, clientOrderId: 'btc.long-x1-0' })),
    );
    expect(e.message).toMatch(/does not match/);
    const r = await rejection(
      venue.replaceOrder('acc-1', ok.clientOrderId, { clientOrderId: 'a'.repeat(37), limitPrice: 91 }),
    );
    expect([r.reason, r.message]).toEqual([
      'INVALID_CLIENT_ORDER_ID',
      expect.stringMatching(/37 characters; the venue takes at most 36/),
    ]);
    expect((await venue.openOrders('acc-1')).map((o) => o.clientOrderId)).toEqual([ok.clientOrderId]);
    expect(venue.clientOrderIds).toBe(clientOrderIds);
  });

  it('refuses rules it cannot apply', () => {
    const base = { clock: new FakeClock(), ids: new FakeIds(), instruments: [XYZ], accounts: [] };
    expect(() => createPaperVenue({ ...base, clientOrderIds: { maxLength: 0, pattern: /^a+$/ } })).toThrow(
      /maxLength/,
    );
    expect(() => createPaperVenue({ ...base, clientOrderIds: { maxLength: 9, pattern: /^a+$/g } })).toThrow(
      /g or y flag/,
    );
  });
});

describe('paper venue: capabilities and calls it does not support', () => {
  it('supports everything by default, partial fills only when configured', () => {
    const { venue } = setup();
    expect(venue.capabilities).toEqual({
      marketOrders: true,
      limitOrders: true,
      stopOrders: true,
      stopLimitOrders: true,
      reduceOnly: true,
      replaceOrder: true,
      partialFills: false,
      positionQuery: true,
      orderLookup: true,
      fillIds: true,
      fillQuery: true,
      balances: true,
      instruments: true,
      connectionEvents: true,
    });
  });

  it('throws VenueNotSupportedError, naming venue and operation, for what is turned off', async () => {
    const { venue, req, tick, reports } = setup({
      capabilities: {
        stopOrders: false,
        reduceOnly: false,
        replaceOrder: false,
        balances: false,
        orderLookup: undefined,
      },
    });
    tick(100);
    expect([venue.capabilities.stopOrders, venue.capabilities.orderLookup]).toEqual([false, true]);
    const stop = await rejection(venue.placeOrder(req({ side: 'sell', type: 'stop', stopPrice: 95 })));
    expect(stop).toBeInstanceOf(VenueNotSupportedError);
    expect(stop).toMatchObject({
      code: 'WARDEN_VENUE_NOT_SUPPORTED',
      retry: 'rejected',
      reason: 'NOT_SUPPORTED',
      venue: 'paper',
      operation: 'stop orders',
      message: 'venue paper does not support stop orders',
    });
    expect(
      (
        await rejection(
          venue.placeOrder(req({ side: 'sell', type: 'limit', limitPrice: 101, reduceOnly: true })),
        )
      ).message,
    ).toMatch(/reduce-only/);
    expect(await rejection(venue.replaceOrder('acc-1', 'c-1', { clientOrderId: 'c-9' }))).toMatchObject({
      operation: 'replaceOrder',
    });
    expect(await rejection(venue.balances('acc-1'))).toMatchObject({ operation: 'balances' });
    // Nothing was consumed or reported: the id of the refused stop is free for a supported order.
    expect(reports).toEqual([]);
    expect((await venue.placeOrder(req({ side: 'buy', type: 'market', clientOrderId: 'c-1' }))).status).toBe(
      'filled',
    );
  });
});

describe('paper venue: instruments and balances', () => {
  it('lists the configured instruments with their minimum quantity', async () => {
    const EXP = defineInstrument({
      symbol: 'KX-26',
      tickSize: 0.01,
      lotSize: 0.5,
      currency: 'USD',
      expiry: 1_800_000_000_000,
    });
    const { venue } = setup({ instruments: [XYZ, EXP] });
    expect(await venue.instruments()).toEqual([
      { ...XYZ, minQuantity: 1 },
      { ...EXP, minQuantity: 0.5 },
    ]);
  });

  it('gives total cash and what is available after positions and resting orders, as decimal strings', async () => {
    const { venue, req, tick } = setup({ leverage: 4, feeBps: 10 });
    tick(100);
    expect(await venue.balances('small')).toEqual([{ currency: 'USD', total: '1000', available: '1000' }]);
    await venue.placeOrder(req({ accountId: 'small', side: 'buy', type: 'market', quantity: 10 })); // margin 250, fee 1
    await venue.placeOrder(
      req({ accountId: 'small', side: 'buy', type: 'limit', limitPrice: 80, quantity: 10 }),
    ); // 200
    await venue.placeOrder(
      req({ accountId: 'small', side: 'sell', type: 'limit', limitPrice: 120, quantity: 5 }),
    ); // reduces
    expect(await venue.balances('small')).toEqual([{ currency: 'USD', total: '999', available: '549' }]);
  });

  it('keeps cash in the instruments’ currency, USD when they differ, or the account’s own', async () => {
    const EUR = defineInstrument({ symbol: 'FDAX', currency: 'EUR' });
    const clock = new FakeClock();
    const of = (venue: ReturnType<typeof createPaperVenue>, id: string) =>
      venue.balances(id).then((b) => b.map((x) => x.currency));
    const eurOnly = createPaperVenue({
      clock,
      ids: new FakeIds(),
      instruments: [EUR],
      accounts: [
        { id: 'a', balance: 1 },
        { id: 'b', balance: 1, currency: 'CHF' },
      ],
    });
    expect([await of(eurOnly, 'a'), await of(eurOnly, 'b')]).toEqual([['EUR'], ['CHF']]);
    const mixed = createPaperVenue({
      clock,
      ids: new FakeIds(),
      instruments: [EUR, XYZ],
      accounts: [{ id: 'a', balance: 1 }],
    });
    expect(await of(mixed, 'a')).toEqual(['USD']);
  });
});

describe('paper venue: its own persistence (journal, state, restore)', () => {
  it('tells the journal once per call or tick that changed its state, with a reader of the state', async () => {
    const reads: (() => PaperVenueState)[] = [];
    const { venue, req, tick } = setup({ journal: { changed: (read) => reads.push(read) } });
    tick(100);
    expect(reads).toHaveLength(0); // a tick with nothing resting changes nothing
    await venue.placeOrder(req({ side: 'buy', type: 'market' })); // accepted and filled: one call
    expect(reads).toHaveLength(1);
    await venue.placeOrder(req({ side: 'sell', type: 'limit', limitPrice: 105 }));
    await venue.openOrders('acc-1');
    await venue.positions('acc-1');
    await venue.placeOrder(req({ side: 'sell', type: 'limit', limitPrice: 105, clientOrderId: 'c-2' })); // a retry
    expect(reads).toHaveLength(2);
    tick(101);
    expect(reads).toHaveLength(2);
    tick(105);
    expect(reads).toHaveLength(3);
    expect(reads[0]!()).toEqual(venue.state()); // read when committing: the state as it is then
    await rejection(venue.placeOrder(req({ side: 'buy', type: 'limit', limitPrice: 90, quantity: 1.5 })));
    venue.loadPosition({ accountId: 'small', symbol: 'XYZ', side: 'long', quantity: 1, entryPrice: 100 });
    expect(reads).toHaveLength(4);
  });

  it('restores cash, positions, orders, fills and consumed ids from the journal into a new venue', async () => {
    let saved: (() => PaperVenueState) | undefined;
    const first = setup({ journal: { changed: (read) => (saved = read) } });
    first.tick(100);
    await first.venue.placeOrder(first.req({ side: 'buy', type: 'market', quantity: 2 }));
    await first.venue.placeOrder(first.req({ side: 'sell', type: 'limit', limitPrice: 110 }));
    const state = JSON.parse(JSON.stringify(saved!())) as PaperVenueState;
    const second = setup({ restore: state });
    second.tick(100);
    expect(await second.venue.positions('acc-1')).toEqual(await first.venue.positions('acc-1'));
    expect(await second.venue.balances('acc-1')).toEqual(await first.venue.balances('acc-1'));
    expect(await second.venue.openOrders('acc-1')).toEqual(await first.venue.openOrders('acc-1'));
    expect(await second.venue.fills('acc-1')).toEqual(first.fills());
    // The lost reply of c-1, after the restart: found, and a retry neither places nor fills.
    expect((await second.venue.order('acc-1', 'c-1'))?.status).toBe('filled');
    await second.venue.placeOrder(
      first.req({ side: 'buy', type: 'market', quantity: 2, clientOrderId: 'c-1' }),
    );
    expect(second.reports).toEqual([]);
    second.tick(110);
    expect(second.fillsAs()).toEqual([['c-2', 'sell', 1, 110]]);
  });

  it('restores a state saved before fills were kept', async () => {
    const { venue, req, tick } = setup();
    tick(100);
    await venue.placeOrder(req({ side: 'buy', type: 'market' }));
    const { accounts } = venue.state();
    const old: PaperVenueState = { accounts: accounts.map(({ fills: _, ...a }) => a) };
    const restored = setup({ restore: old });
    expect(await restored.venue.fills('acc-1')).toEqual([]);
    expect((await restored.venue.positions('acc-1')).map((p) => p.quantity)).toEqual([1]);
  });

  it('triggers restored stops in placement order across accounts, as without the restart', async () => {
    const run = async (restart: boolean) => {
      const a = setup();
      a.tick(100);
      await a.venue.placeOrder(a.req({ accountId: 'small', side: 'buy', type: 'stop', stopPrice: 105 }));
      await a.venue.placeOrder(a.req({ side: 'buy', type: 'stop', stopPrice: 105 }));
      const b = restart ? setup({ restore: a.venue.state() }) : a;
      b.tick(106);
      return b.fills().map((f) => f.accountId);
    };
    expect(await run(false)).toEqual(['small', 'acc-1']);
    expect(await run(true)).toEqual(['small', 'acc-1']);
  });

  it('still calls onAccepted with every accepted order before it fills', async () => {
    const log: string[] = [];
    const { venue, req, tick } = setup({ onAccepted: (o) => log.push(`${o.clientOrderId}:${o.status}`) });
    venue.onExecution((r) => log.push(`${r.kind}:${r.order.clientOrderId}`));
    tick(100);
    await venue.placeOrder(req({ side: 'buy', type: 'market' }));
    expect(log).toEqual(['c-1:open', 'fill:c-1']);
  });
});

describe('paper venue: as a venue and a market data consumer', () => {
  it('connects at once, is fed ticks like any market data consumer, and refuses to connect once closed', async () => {
    const { venue } = setup();
    await venue.connect();
    await venue.connect();
    expect(isMarketDataConsumer(venue)).toBe(true);
    expect(isMarketDataConsumer({ name: 'real', onExecution: () => () => {} })).toBe(false);
    await venue.close();
    expect((await rejection(venue.connect())).reason).toBe('VENUE_CLOSED');
  });
});
