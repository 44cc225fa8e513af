import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Instrument } from '../../src/domain/instrument.ts';
import { dec } from '../../src/domain/money.ts';
import type { Fill, OrderRequest } from '../../src/domain/order.ts';
import type { ExecutionReport, Venue } from '../../src/ports/venue.ts';
import { rejection } from '../support/venue-errors.ts';

/**
 * What a venue adapter gives the shared contract suite. The venue must fill market orders at the
 * price set by `setPrice` (no slippage, no fees), and the account must start flat with no orders.
 */
export interface VenueHarness {
  readonly venue: Venue;
  readonly accountId: string;
  readonly symbol: string;
  /** The instrument of `symbol`, for valid quantities and prices. */
  readonly instrument: Instrument;
  /** A valid price of `symbol`; the suite moves around it in whole ticks. */
  readonly basePrice: number;
  /** Free balance of the account at start, in account currency. */
  readonly balance: number;
  /** Moves the market of `symbol` to `price` (a last trade, no quotes) and waits until the venue saw it. */
  setPrice(price: number): Promise<void>;
  /** Stops what the harness started (fake servers); the suite closes the venue itself. */
  dispose?(): Promise<void>;
}

/**
 * Polls `check` until it stops throwing, yielding to the event loop between tries. The bound only
 * keeps a broken adapter from hanging the suite: a busy machine must not fail a correct one.
 */
async function eventually(check: () => void | Promise<void>, boundMs = 20_000): Promise<void> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/**
 * The behaviour every venue adapter owes the engine. Run it from `test/contract/<venue>.contract.test.ts`
 * with a factory that builds a fresh harness per test; tests skip by the venue's capabilities.
 */
export function describeVenueContract(name: string, factory: () => Promise<VenueHarness>): void {
  describe(`venue contract: ${name}`, async () => {
    const probe = await factory();
    const caps = probe.venue.capabilities;
    await probe.venue.close();
    await probe.dispose?.();

    let h: VenueHarness;
    let reports: ExecutionReport[];
    let venue: Venue;
    let lot: number;
    /** `basePrice` moved by `ticks` whole ticks. */
    let px: (ticks: number) => number;
    let n = 0;
    const order = (fields: Partial<OrderRequest> & Pick<OrderRequest, 'side' | 'type'>): OrderRequest => ({
      accountId: h.accountId,
      symbol: h.symbol,
      quantity: lot,
      clientOrderId: `contract-${++n}`,
      ...fields,
    });
    const fills = (): Fill[] => reports.flatMap((r) => (r.kind === 'fill' ? [r.fill] : []));
    const filledQuantity = () =>
      fills()
        .reduce((sum, f) => sum.plus(f.quantity), dec(0))
        .toNumber();

    beforeEach(async () => {
      h = await factory();
      venue = h.venue;
      lot = h.instrument.lotSize;
      px = (ticks) => dec(h.basePrice).plus(dec(h.instrument.tickSize).times(ticks)).toNumber();
      reports = [];
      venue.onExecution((r) => reports.push(r));
      await h.setPrice(h.basePrice);
    });

    afterEach(async () => {
      await venue.close();
      await h.dispose?.();
    });

    it('declares every capability as a boolean', () => {
      for (const key of [
        'marketOrders',
        'limitOrders',
        'stopOrders',
        'stopLimitOrders',
        'reduceOnly',
        'replaceOrder',
        'partialFills',
        'positionQuery',
      ] as const) {
        expect(typeof caps[key]).toBe('boolean');
      }
    });

    describe('market orders', () => {
      it.skipIf(!caps.marketOrders)('fills a market buy in full at the current price', async () => {
        const placed = await venue.placeOrder(order({ side: 'buy', type: 'market', quantity: 2 * lot }));
        await eventually(() => expect(filledQuantity()).toBe(2 * lot));
        expect(fills().map((f) => [f.side, f.price, f.clientOrderId])).toEqual([
          ['buy', h.basePrice, placed.clientOrderId],
        ]);
        expect(fills()[0]?.venueOrderId).toBe(placed.venueOrderId);
        const last = reports.at(-1);
        expect(last?.kind === 'fill' && last.order.status).toBe('filled');
      });

      it.skipIf(!caps.marketOrders || !caps.positionQuery)(
        'opens a position at the fill price and closes it with the opposite order',
        async () => {
          await venue.placeOrder(order({ side: 'buy', type: 'market', quantity: 2 * lot }));
          await eventually(async () =>
            expect(await venue.positions(h.accountId)).toEqual([
              expect.objectContaining({
                symbol: h.symbol,
                side: 'long',
                quantity: 2 * lot,
                entryPrice: h.basePrice,
              }),
            ]),
          );
          await h.setPrice(px(4));
          await venue.placeOrder(order({ side: 'sell', type: 'market', quantity: 2 * lot }));
          await eventually(async () => expect(await venue.positions(h.accountId)).toEqual([]));
          expect(fills().map((f) => f.price)).toEqual([h.basePrice, px(4)]);
        },
      );
    });

    describe('limit orders', () => {
      it.skipIf(!caps.limitOrders)('fills a marketable limit at once, no worse than its limit', async () => {
        await venue.placeOrder(order({ side: 'buy', type: 'limit', limitPrice: px(3) }));
        await eventually(() => expect(filledQuantity()).toBe(lot));
        expect(fills()[0]?.price).toBeGreaterThanOrEqual(h.basePrice);
        expect(fills()[0]?.price).toBeLessThanOrEqual(px(3));
      });

      it.skipIf(!caps.limitOrders)('rests a limit buy below the market and lists it as open', async () => {
        const placed = await venue.placeOrder(order({ side: 'buy', type: 'limit', limitPrice: px(-2) }));
        expect(placed.status).toBe('open');
        const open = await venue.openOrders(h.accountId);
        expect(open.map((o) => [o.clientOrderId, o.status, o.limitPrice, o.filledQuantity])).toEqual([
          [placed.clientOrderId, 'open', px(-2), 0],
        ]);
        expect(reports).toEqual([]);
      });

      it.skipIf(!caps.limitOrders)(
        'fills a resting limit at its limit price when the market crosses it',
        async () => {
          const placed = await venue.placeOrder(order({ side: 'sell', type: 'limit', limitPrice: px(2) }));
          await h.setPrice(px(3));
          await eventually(() => expect(filledQuantity()).toBe(lot));
          expect(fills().map((f) => [f.side, f.price, f.clientOrderId])).toEqual([
            ['sell', px(2), placed.clientOrderId],
          ]);
          expect(await venue.openOrders(h.accountId)).toEqual([]);
        },
      );

      it.skipIf(!caps.limitOrders)(
        'leaves a resting limit alone while the market does not reach it',
        async () => {
          await venue.placeOrder(order({ side: 'buy', type: 'limit', limitPrice: px(-3) }));
          await h.setPrice(px(-2));
          await h.setPrice(px(5));
          expect(reports).toEqual([]);
          expect((await venue.openOrders(h.accountId)).map((o) => o.status)).toEqual(['open']);
        },
      );
    });

    describe('stop orders', () => {
      it.skipIf(!caps.stopOrders)(
        'triggers a buy stop when the price reaches the stop (inclusive)',
        async () => {
          await venue.placeOrder(order({ side: 'buy', type: 'stop', stopPrice: px(5) }));
          await h.setPrice(px(4));
          expect(reports).toEqual([]);
          await h.setPrice(px(5));
          await eventually(() => expect(filledQuantity()).toBe(lot));
          expect(fills().map((f) => [f.side, f.price])).toEqual([['buy', px(5)]]);
        },
      );

      it.skipIf(!caps.stopOrders)(
        'fills a sell stop at the gap price when the market gaps through',
        async () => {
          await venue.placeOrder(order({ side: 'sell', type: 'stop', stopPrice: px(-5) }));
          await h.setPrice(px(-10));
          await eventually(() => expect(filledQuantity()).toBe(lot));
          expect(fills().map((f) => [f.side, f.price])).toEqual([['sell', px(-10)]]);
        },
      );

      it.skipIf(!caps.stopLimitOrders)(
        'turns a triggered stop-limit into a limit that fills only at its limit',
        async () => {
          await venue.placeOrder(
            order({ side: 'sell', type: 'stop_limit', stopPrice: px(-5), limitPrice: px(-6) }),
          );
          await h.setPrice(px(-7));
          expect(reports).toEqual([]);
          expect((await venue.openOrders(h.accountId)).map((o) => o.type)).toEqual(['stop_limit']);
          await h.setPrice(px(-6));
          await eventually(() => expect(filledQuantity()).toBe(lot));
          expect(fills().map((f) => [f.side, f.price])).toEqual([['sell', px(-6)]]);
        },
      );
    });

    it.skipIf(!caps.partialFills || !caps.limitOrders)(
      'fills a large resting limit in parts, each with its own fill id',
      async () => {
        await venue.placeOrder(order({ side: 'buy', type: 'limit', quantity: 3 * lot, limitPrice: px(-1) }));
        for (let i = 0; i < 10 && filledQuantity() < 3 * lot; i++) await h.setPrice(px(-1));
        await eventually(() => expect(filledQuantity()).toBe(3 * lot));
        const all = fills();
        expect(all.length).toBeGreaterThan(1);
        expect(new Set(all.map((f) => f.fillId)).size).toBe(all.length);
        expect(all.every((f) => f.price === px(-1))).toBe(true);
        const statuses = reports.flatMap((r) => (r.kind === 'fill' ? [r.order.status] : []));
        expect(statuses.at(-1)).toBe('filled');
        expect(statuses.slice(0, -1).every((s) => s === 'partially_filled')).toBe(true);
      },
    );

    describe.skipIf(!caps.reduceOnly || !caps.marketOrders)('reduce-only', () => {
      it('refuses a reduce-only order when flat', async () => {
        const e = await rejection(
          venue.placeOrder(order({ side: 'sell', type: 'market', reduceOnly: true })),
        );
        expect([e.retry, e.reason]).toEqual(['rejected', 'REDUCE_ONLY']);
      });

      it('refuses one that would increase or flip the position, allows one that reduces it', async () => {
        await venue.placeOrder(order({ side: 'buy', type: 'market', quantity: 2 * lot }));
        await eventually(() => expect(filledQuantity()).toBe(2 * lot));
        const increase = await rejection(
          venue.placeOrder(order({ side: 'buy', type: 'market', reduceOnly: true })),
        );
        expect(increase.reason).toBe('REDUCE_ONLY');
        const flip = await rejection(
          venue.placeOrder(order({ side: 'sell', type: 'market', quantity: 3 * lot, reduceOnly: true })),
        );
        expect(flip.reason).toBe('REDUCE_ONLY');
        await venue.placeOrder(order({ side: 'sell', type: 'market', reduceOnly: true }));
        await eventually(() => expect(fills().map((f) => f.side)).toEqual(['buy', 'sell']));
        if (caps.positionQuery) {
          expect((await venue.positions(h.accountId)).map((p) => [p.side, p.quantity])).toEqual([
            ['long', lot],
          ]);
        }
      });
    });

    describe('rejections', () => {
      const expectRejected = async (request: OrderRequest, reason: string) => {
        const e = await rejection(venue.placeOrder(request));
        expect([e.retry, e.reason]).toEqual(['rejected', reason]);
        expect(reports).toEqual([]);
      };

      it('refuses an unknown symbol', async () => {
        await expectRejected(
          order({ side: 'buy', type: 'market', symbol: 'NO-SUCH-SYMBOL' }),
          'UNKNOWN_SYMBOL',
        );
      });

      it('refuses an unknown account', async () => {
        await expectRejected(
          order({ side: 'buy', type: 'market', accountId: 'no-such-account' }),
          'UNKNOWN_ACCOUNT',
        );
      });

      it('refuses a quantity that is not a multiple of the lot size', async () => {
        await expectRejected(order({ side: 'buy', type: 'market', quantity: lot * 1.5 }), 'LOT_SIZE');
      });

      it('refuses a malformed order', async () => {
        await expectRejected(order({ side: 'buy', type: 'limit' }), 'INVALID_ORDER');
      });

      it('refuses an order beyond the balance', async () => {
        const notionalOfLot = dec(h.basePrice).times(h.instrument.multiplier).times(lot);
        const lots = dec(h.balance).times(1000).div(notionalOfLot).ceil();
        await expectRejected(
          order({
            side: 'buy',
            type: caps.marketOrders ? 'market' : 'limit',
            quantity: lots.times(lot).toNumber(),
            limitPrice: h.basePrice,
          }),
          'INSUFFICIENT_BALANCE',
        );
      });
    });

    describe.skipIf(!caps.limitOrders)('cancel and replace', () => {
      it('cancels a resting order, reports it, and never fills it', async () => {
        const placed = await venue.placeOrder(order({ side: 'buy', type: 'limit', limitPrice: px(-2) }));
        const cancelled = await venue.cancelOrder(h.accountId, placed.clientOrderId);
        expect([cancelled.clientOrderId, cancelled.status]).toEqual([placed.clientOrderId, 'cancelled']);
        await eventually(() =>
          expect(reports.map((r) => [r.kind, r.order.clientOrderId])).toEqual([
            ['cancelled', placed.clientOrderId],
          ]),
        );
        expect(await venue.openOrders(h.accountId)).toEqual([]);
        await h.setPrice(px(-4));
        expect(fills()).toEqual([]);
      });

      it('refuses to cancel an unknown client order id', async () => {
        const e = await rejection(venue.cancelOrder(h.accountId, 'never-placed'));
        expect([e.retry, e.reason]).toEqual(['rejected', 'UNKNOWN_ORDER']);
      });

      it.skipIf(!caps.marketOrders)(
        'resolves with a filled order unchanged when asked to cancel it',
        async () => {
          const placed = await venue.placeOrder(order({ side: 'buy', type: 'market' }));
          await eventually(() => expect(filledQuantity()).toBe(lot));
          const again = await venue.cancelOrder(h.accountId, placed.clientOrderId);
          expect([again.status, again.filledQuantity]).toEqual(['filled', lot]);
          expect(reports.map((r) => r.kind)).toEqual(['fill']);
        },
      );

      it.skipIf(!caps.replaceOrder)(
        'replaces a resting limit: the old is cancelled as REPLACED, the new rests',
        async () => {
          const old = await venue.placeOrder(order({ side: 'buy', type: 'limit', limitPrice: px(-4) }));
          const replacement = await venue.replaceOrder(h.accountId, old.clientOrderId, {
            clientOrderId: 'contract-replacement',
            limitPrice: px(-2),
          });
          expect([replacement.clientOrderId, replacement.limitPrice, replacement.quantity]).toEqual([
            'contract-replacement',
            px(-2),
            lot,
          ]);
          await eventually(() =>
            expect(
              reports.map((r) => [r.kind, r.order.clientOrderId, r.kind === 'cancelled' && r.reason]),
            ).toEqual([['cancelled', old.clientOrderId, 'REPLACED']]),
          );
          expect((await venue.openOrders(h.accountId)).map((o) => o.clientOrderId)).toEqual([
            'contract-replacement',
          ]);
          await h.setPrice(px(-3));
          await eventually(() => expect(filledQuantity()).toBe(lot));
          expect(fills().map((f) => [f.clientOrderId, f.price])).toEqual([['contract-replacement', px(-2)]]);
        },
      );
    });

    it.skipIf(!caps.marketOrders)(
      'returns the existing order for a repeated client order id and fills once',
      async () => {
        const request = order({ side: 'buy', type: 'market' });
        const first = await venue.placeOrder(request);
        await eventually(() => expect(filledQuantity()).toBe(lot));
        const second = await venue.placeOrder(request);
        expect(second.venueOrderId).toBe(first.venueOrderId);
        await h.setPrice(px(1));
        expect(fills()).toHaveLength(1);
        if (caps.positionQuery) {
          expect((await venue.positions(h.accountId)).map((p) => p.quantity)).toEqual([lot]);
        }
      },
    );
  });
}
