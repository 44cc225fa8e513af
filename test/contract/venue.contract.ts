import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VenueError, VenueNotSupportedError } from '../../src/domain/errors.ts';
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
  /**
   * Cuts the venue's connection (a fake closes its sockets and refuses requests; the paper venue
   * starts an outage) and resolves once the venue has reported the loss. The market keeps moving
   * through `setPrice` meanwhile. Absent: the connection cases are skipped.
   */
  disconnect?(): Promise<void>;
  /** Ends what `disconnect` started and resolves once the venue has reported it is connected again. */
  reconnect?(): Promise<void>;
  /** True when the venue reports fills again after a reconnection (the suite then checks it did). */
  readonly redeliversFills?: boolean;
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
    const outages = probe.disconnect !== undefined && probe.reconnect !== undefined;
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
    /** Filled quantity counting each fill id once, as a consumer books them. */
    const bookedQuantity = () =>
      [...new Map(fills().map((f) => [f.fillId, f])).values()]
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
        'orderLookup',
        'fillIds',
        'fillQuery',
        'balances',
        'instruments',
        'connectionEvents',
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

    describe('connection', () => {
      it('connects, and a second connect resolves too', async () => {
        await venue.connect();
        await venue.connect();
      });

      it('has client order id rules: a positive whole length and an unflagged pattern', () => {
        const rules = venue.clientOrderIds;
        expect(Number.isInteger(rules.maxLength) && rules.maxLength > 0).toBe(true);
        expect(rules.pattern).toBeInstanceOf(RegExp);
        expect(rules.pattern.global || rules.pattern.sticky).toBe(false);
      });

      it.skipIf(!caps.connectionEvents || !outages)(
        'reports the loss and the return of the connection, in order, with a time and a message',
        async () => {
          const events: { connected: boolean; message: string; at: number }[] = [];
          venue.onConnection((e) => events.push(e));
          await h.disconnect!();
          await eventually(() => expect(events.map((e) => e.connected)).toEqual([false]));
          await h.reconnect!();
          await eventually(() => expect(events.map((e) => e.connected)).toEqual([false, true]));
          for (const e of events) {
            expect(e.message.length).toBeGreaterThan(0);
            expect(Number.isFinite(e.at)).toBe(true);
          }
          expect(events[1]!.at).toBeGreaterThanOrEqual(events[0]!.at);
        },
      );

      it.skipIf(!caps.limitOrders || !outages)(
        'fails calls while down as transient only, and reports a fill made meanwhile once back',
        async () => {
          const events: boolean[] = [];
          const placed = await venue.placeOrder(order({ side: 'sell', type: 'limit', limitPrice: px(2) }));
          await h.disconnect!();
          // A call while down either works or fails as transient: never as a refusal to act upon.
          const during = await venue.openOrders(h.accountId).then(
            () => undefined,
            (e: unknown) => e,
          );
          if (during !== undefined) {
            expect(during).toBeInstanceOf(VenueError);
            expect((during as VenueError).retry).toBe('transient');
          }
          await h.setPrice(px(3));
          venue.onConnection((e) => {
            // Reports held over the loss come before the venue says it is back.
            if (e.connected) events.push(bookedQuantity() === lot);
          });
          await h.reconnect!();
          await eventually(() => expect(bookedQuantity()).toBe(lot));
          expect(fills().every((f) => f.clientOrderId === placed.clientOrderId && f.price === px(2))).toBe(
            true,
          );
          if (caps.connectionEvents) await eventually(() => expect(events).toEqual([true]));
        },
      );

      it.skipIf(!caps.marketOrders || !caps.fillIds || !outages)(
        'reports a fill again after a reconnection only with the same fill id and content',
        async () => {
          const placed = await venue.placeOrder(order({ side: 'buy', type: 'market' }));
          await eventually(() => expect(filledQuantity()).toBe(lot));
          await h.disconnect!();
          await h.reconnect!();
          const byId = new Map<string, Fill[]>();
          for (const f of fills()) byId.set(f.fillId, [...(byId.get(f.fillId) ?? []), f]);
          if (h.redeliversFills) await eventually(() => expect(fills().length).toBeGreaterThan(byId.size));
          for (const again of byId.values()) for (const f of again) expect(f).toEqual(again[0]);
          // Booked once per fill id, the fills add up to the order.
          const booked = [...byId.values()].map((again) => again[0]!);
          expect(booked.map((f) => [f.clientOrderId, f.quantity])).toEqual([[placed.clientOrderId, lot]]);
          if (caps.positionQuery) {
            expect((await venue.positions(h.accountId)).map((p) => p.quantity)).toEqual([lot]);
          }
        },
      );
    });

    describe.skipIf(!caps.orderLookup)('order lookup after a lost reply', () => {
      it.skipIf(!caps.limitOrders)(
        'finds a resting order whose reply was lost; a retry returns it and places no second one',
        async () => {
          const request = order({ side: 'buy', type: 'limit', limitPrice: px(-2) });
          // The reply is lost: the caller never sees what placeOrder resolved with.
          await venue.placeOrder(request).then(() => undefined);
          const found = await venue.order(h.accountId, request.clientOrderId);
          expect(found).toMatchObject({
            clientOrderId: request.clientOrderId,
            status: 'open',
            side: 'buy',
            type: 'limit',
            limitPrice: px(-2),
            quantity: lot,
            filledQuantity: 0,
          });
          const retried = await venue.placeOrder(request);
          expect(retried.venueOrderId).toBe(found!.venueOrderId);
          expect((await venue.openOrders(h.accountId)).map((o) => o.clientOrderId)).toEqual([
            request.clientOrderId,
          ]);
        },
      );

      it.skipIf(!caps.marketOrders)(
        'finds a filled order whose reply was lost; a retry neither places nor fills again',
        async () => {
          const request = order({ side: 'buy', type: 'market' });
          await venue.placeOrder(request).then(() => undefined);
          await eventually(() => expect(filledQuantity()).toBe(lot));
          const found = await venue.order(h.accountId, request.clientOrderId);
          expect([found?.status, found?.filledQuantity, found?.averageFillPrice]).toEqual([
            'filled',
            lot,
            h.basePrice,
          ]);
          const retried = await venue.placeOrder(request);
          expect([retried.venueOrderId, retried.status]).toEqual([found!.venueOrderId, 'filled']);
          await h.setPrice(px(1));
          expect(fills()).toHaveLength(1);
        },
      );

      it('finds no order for a client order id never placed, or only refused', async () => {
        expect(await venue.order(h.accountId, 'contract-never-placed')).toBeUndefined();
        const refused = order({ side: 'buy', type: 'limit', limitPrice: px(-2), quantity: lot * 1.5 });
        await rejection(venue.placeOrder(refused));
        expect(await venue.order(h.accountId, refused.clientOrderId)).toBeUndefined();
      });

      it.skipIf(!caps.limitOrders)('finds a cancelled order as cancelled', async () => {
        const placed = await venue.placeOrder(order({ side: 'buy', type: 'limit', limitPrice: px(-2) }));
        await venue.cancelOrder(h.accountId, placed.clientOrderId);
        expect((await venue.order(h.accountId, placed.clientOrderId))?.status).toBe('cancelled');
      });
    });

    describe.skipIf(!caps.fillIds || !caps.marketOrders)('fill ids', () => {
      it('gives every fill its own fill id', async () => {
        await venue.placeOrder(order({ side: 'buy', type: 'market' }));
        await venue.placeOrder(order({ side: 'buy', type: 'market' }));
        await eventually(() => expect(filledQuantity()).toBe(2 * lot));
        const ids = fills().map((f) => f.fillId);
        expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
        expect(new Set(ids).size).toBe(2);
      });

      it.skipIf(!caps.fillQuery)(
        'lists the fills with the ids they were reported with, from a time on',
        async () => {
          await venue.placeOrder(order({ side: 'buy', type: 'market' }));
          await eventually(() => expect(filledQuantity()).toBe(lot));
          await h.setPrice(px(2));
          await venue.placeOrder(order({ side: 'sell', type: 'market' }));
          await eventually(() => expect(filledQuantity()).toBe(2 * lot));
          const reported = fills();
          expect((await venue.fills(h.accountId)).slice(-reported.length)).toEqual(reported);
          // Inclusive: a resync from the last fill's time gets that fill again, to skip by its id.
          const since = await venue.fills(h.accountId, reported[1]!.ts);
          expect(since.map((f) => f.fillId)).toContain(reported[1]!.fillId);
          if (reported[0]!.ts < reported[1]!.ts)
            expect(since.map((f) => f.fillId)).not.toContain(reported[0]!.fillId);
        },
      );
    });

    describe('client order id rules', () => {
      /** A character the venue's pattern takes, to build ids of any length. */
      const filler = () =>
        ['x', 'a', '0', 'A', '1'].find((c) => venue.clientOrderIds.pattern.test(c.repeat(3))) ?? 'x';
      /** An id of `length` characters the pattern takes. */
      const idOf = (length: number) => filler().repeat(length);

      it.skipIf(!caps.limitOrders)('accepts an id of the longest length', async () => {
        const id = idOf(venue.clientOrderIds.maxLength);
        const placed = await venue.placeOrder(
          order({ side: 'buy', type: 'limit', limitPrice: px(-2), clientOrderId: id }),
        );
        expect(placed.clientOrderId).toBe(id);
      });

      it('refuses a longer id, or one with a character the venue does not take, as not retryable', async () => {
        const tooLong = await rejection(
          venue.placeOrder(
            order({
              side: 'buy',
              type: 'limit',
              limitPrice: px(-2),
              clientOrderId: idOf(venue.clientOrderIds.maxLength + 1),
            }),
          ),
        );
        expect([tooLong.retry, tooLong.reason]).toEqual(['rejected', 'INVALID_CLIENT_ORDER_ID']);
        const bad = [' ', '\n', '#', '\u00e9', '|', '\u0000'].find(
          (c) => !venue.clientOrderIds.pattern.test(`${filler()}${c}${filler()}`),
        );
        if (bad !== undefined) {
          const refused = await rejection(
            venue.placeOrder(
              order({
                side: 'buy',
                type: 'limit',
                limitPrice: px(-2),
                clientOrderId: `${filler()}${bad}${filler()}`,
              }),
            ),
          );
          expect([refused.retry, refused.reason]).toEqual(['rejected', 'INVALID_CLIENT_ORDER_ID']);
        }
        const empty = await rejection(
          venue.placeOrder(order({ side: 'buy', type: 'limit', limitPrice: px(-2), clientOrderId: '' })),
        );
        expect(empty.reason).toBe('INVALID_CLIENT_ORDER_ID');
        expect(reports).toEqual([]);
        expect(await venue.openOrders(h.accountId)).toEqual([]);
      });

      it.skipIf(!caps.replaceOrder || !caps.limitOrders)(
        'refuses a replacement with an id that breaks the rules and leaves the original working',
        async () => {
          const placed = await venue.placeOrder(order({ side: 'buy', type: 'limit', limitPrice: px(-4) }));
          const e = await rejection(
            venue.replaceOrder(h.accountId, placed.clientOrderId, {
              clientOrderId: idOf(venue.clientOrderIds.maxLength + 1),
              limitPrice: px(-2),
            }),
          );
          expect([e.retry, e.reason]).toEqual(['rejected', 'INVALID_CLIENT_ORDER_ID']);
          expect((await venue.openOrders(h.accountId)).map((o) => o.clientOrderId)).toEqual([
            placed.clientOrderId,
          ]);
        },
      );
    });

    describe.skipIf(!caps.instruments)('instruments', () => {
      it('lists the instrument with its tick, lot, minimum quantity, multiplier and currency', async () => {
        const all = await venue.instruments();
        const mine = all.find((i) => i.symbol === h.symbol);
        expect(mine).toMatchObject({
          symbol: h.symbol,
          tickSize: h.instrument.tickSize,
          lotSize: h.instrument.lotSize,
          multiplier: h.instrument.multiplier,
          currency: h.instrument.currency,
        });
        expect(mine!.minQuantity).toBeGreaterThan(0);
        expect(dec(mine!.minQuantity).mod(mine!.lotSize).isZero()).toBe(true);
      });
    });

    describe.skipIf(!caps.balances)('balances', () => {
      const DECIMAL = /^-?\d+(\.\d+)?$/;

      it('gives cash as decimal strings, all of it available while nothing is open', async () => {
        const balances = await venue.balances(h.accountId);
        for (const b of balances) {
          expect(b.total).toMatch(DECIMAL);
          expect(b.available).toMatch(DECIMAL);
          expect(b.currency.length).toBeGreaterThan(0);
        }
        const mine = balances.find((b) => b.currency === h.instrument.currency);
        expect(mine !== undefined && dec(mine.available).eq(h.balance)).toBe(true);
        expect(dec(mine!.total).eq(h.balance)).toBe(true);
      });

      it.skipIf(!caps.marketOrders)(
        'takes the margin of a position from what is available, not from the total',
        async () => {
          await venue.placeOrder(order({ side: 'buy', type: 'market', quantity: 2 * lot }));
          await eventually(() => expect(filledQuantity()).toBe(2 * lot));
          const mine = (await venue.balances(h.accountId)).find((b) => b.currency === h.instrument.currency)!;
          expect(dec(mine.total).eq(h.balance)).toBe(true);
          expect(dec(mine.available).lt(h.balance)).toBe(true);
        },
      );

      it('refuses the balances of an unknown account', async () => {
        const e = await rejection(venue.balances('no-such-account'));
        expect([e.retry, e.reason]).toEqual(['rejected', 'UNKNOWN_ACCOUNT']);
      });
    });

    describe('calls the venue does not support', () => {
      const notSupported = async (promise: Promise<unknown>, operation: RegExp) => {
        const e = await rejection(promise);
        expect(e).toBeInstanceOf(VenueNotSupportedError);
        expect([e.code, e.retry, e.reason]).toEqual([
          'WARDEN_VENUE_NOT_SUPPORTED',
          'rejected',
          'NOT_SUPPORTED',
        ]);
        expect((e as VenueNotSupportedError).venue).toBe(venue.name);
        expect((e as VenueNotSupportedError).operation).toMatch(operation);
        expect(reports).toEqual([]);
      };

      it.skipIf(caps.orderLookup)('order', () => notSupported(venue.order(h.accountId, 'x'), /order/));
      it.skipIf(caps.fillQuery)('fills', () => notSupported(venue.fills(h.accountId), /fills/));
      it.skipIf(caps.balances)('balances', () => notSupported(venue.balances(h.accountId), /balances/));
      it.skipIf(caps.instruments)('instruments', () => notSupported(venue.instruments(), /instruments/));
      it.skipIf(caps.positionQuery)('positions', () =>
        notSupported(venue.positions(h.accountId), /positions/),
      );
      it.skipIf(caps.replaceOrder)('replaceOrder', () =>
        notSupported(
          venue.replaceOrder(h.accountId, 'x', { clientOrderId: 'y', limitPrice: px(-1) }),
          /replace/,
        ),
      );
      it.skipIf(caps.stopOrders)('stop orders', () =>
        notSupported(venue.placeOrder(order({ side: 'sell', type: 'stop', stopPrice: px(-5) })), /stop/),
      );
      it.skipIf(caps.stopLimitOrders)('stop-limit orders', () =>
        notSupported(
          venue.placeOrder(
            order({ side: 'sell', type: 'stop_limit', stopPrice: px(-5), limitPrice: px(-6) }),
          ),
          /stop_limit/,
        ),
      );
      it.skipIf(caps.reduceOnly || !caps.limitOrders)('reduce-only orders', () =>
        notSupported(
          venue.placeOrder(order({ side: 'sell', type: 'limit', limitPrice: px(5), reduceOnly: true })),
          /reduce-only/,
        ),
      );
      it.skipIf(caps.connectionEvents)('connection events: the listener is never called', async () => {
        const events: unknown[] = [];
        const off = venue.onConnection((e) => events.push(e));
        if (h.disconnect !== undefined && h.reconnect !== undefined) {
          await h.disconnect();
          await h.reconnect();
        }
        off();
        expect(events).toEqual([]);
      });
    });
  });
}
