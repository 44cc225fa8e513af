import { applyFillToAccount } from '../../../domain/account.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import { dec, moneyString, ZERO } from '../../../domain/money.ts';
import type { Fill, Order, OrderRequest } from '../../../domain/order.ts';
import type { Tick } from '../../../domain/tick.ts';
import type { Clock } from '../../../ports/clock.ts';
import type { IdGenerator } from '../../../ports/ids.ts';
import type { ExecutionReport, OrderChanges, VenuePosition } from '../../../ports/venue.ts';
import { type Book, loadedFill, recordFill } from './book.ts';
import {
  type CheckContext,
  checkOrder,
  instrumentOf,
  isLive,
  remainingOf,
  requestOf,
  type WorkingOrder,
} from './checks.ts';
import { paperError } from './errors.ts';
import {
  byPriceTime,
  closableQuantity,
  feeOf,
  limitCrosses,
  marketFillPrice,
  stopTriggered,
} from './matching.ts';

/** What the matching engine needs from the venue around it. */
export interface ExchangeOptions {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly ctx: CheckContext;
  readonly feeBps: number;
  /** Most a later tick fills of one resting limit order; undefined: all of it. */
  readonly maxPerTick: number | undefined;
  /** Fills kept per account for the `fills` query. */
  readonly fillHistory: number;
  readonly books: Map<string, Book>;
  /** Live orders of every account, in placement order (a Map keeps insertion order). */
  readonly resting: Map<number, WorkingOrder>;
  /** Sequence number of the next accepted order. */
  readonly nextSeq: number;
  /** Hands a report to the connection (delivered now, or held over an outage). */
  readonly emit: (report: ExecutionReport) => void;
  /** Called with every order accepted, before it can fill. */
  readonly onAccepted?: (order: Order) => void;
}

/**
 * The paper venue's matching engine: accepts, fills, cancels and replaces orders against the
 * latest tick of each symbol, applying fills to the accounts through the domain. Synchronous: a
 * fill is applied and emitted before the call that caused it returns. `changed` turns true on
 * anything the saved state holds (cash, positions, orders, fills); the venue resets it.
 */
export class PaperExchange {
  /** True once anything the saved state holds changed since the venue last reset it. */
  changed = false;
  private readonly ticks = new Map<string, Tick>();
  private seq: number;

  constructor(private readonly o: ExchangeOptions) {
    this.seq = o.nextSeq;
  }

  /** The account's book, or the `UNKNOWN_ACCOUNT` rejection. */
  bookOf(accountId: string): Book {
    const book = this.o.books.get(accountId);
    if (book === undefined)
      throw paperError('UNKNOWN_ACCOUNT', `unknown account ${accountId}`, { accountId });
    return book;
  }

  /** Places an order, or returns the order already placed with its client order id. */
  place(request: OrderRequest): Order {
    const book = this.bookOf(request.accountId);
    const existing = book.orders.get(request.clientOrderId);
    if (existing !== undefined) return existing.order;
    checkOrder(this.o.ctx, book.account, this.o.resting.values(), this.ticks.get(request.symbol), request);
    return this.accept(book, request);
  }

  /** Cancels a live order; a finished one is returned unchanged. */
  cancel(accountId: string, clientOrderId: string): Order {
    const w = this.bookOf(accountId).orders.get(clientOrderId);
    if (w === undefined) {
      throw paperError('UNKNOWN_ORDER', `no order ${clientOrderId} on ${accountId}`, {
        accountId,
        clientOrderId,
      });
    }
    if (isLive(w)) this.cancelWorking(w, 'REQUESTED');
    return w.order;
  }

  /** Cancels a live order as `REPLACED` and places its replacement; a retry finds the replacement. */
  replace(accountId: string, clientOrderId: string, changes: OrderChanges): Order {
    const book = this.bookOf(accountId);
    const done = book.orders.get(changes.clientOrderId);
    if (done !== undefined) return done.order;
    const w = book.orders.get(clientOrderId);
    const details = { accountId, clientOrderId };
    if (w === undefined) throw paperError('UNKNOWN_ORDER', `no order ${clientOrderId}`, details);
    if (!isLive(w))
      throw paperError('ORDER_NOT_OPEN', `order ${clientOrderId} is ${w.order.status}`, details);
    const request: OrderRequest = {
      ...requestOf(w.order),
      quantity: changes.quantity ?? remainingOf(w),
      clientOrderId: changes.clientOrderId,
      ...(changes.limitPrice !== undefined && { limitPrice: changes.limitPrice }),
      ...(changes.stopPrice !== undefined && { stopPrice: changes.stopPrice }),
    };
    // Validate before cancelling, so a refused replacement leaves the original working.
    checkOrder(
      this.o.ctx,
      book.account,
      this.o.resting.values(),
      this.ticks.get(request.symbol),
      request,
      w.seq,
    );
    this.cancelWorking(w, 'REPLACED');
    return this.accept(book, request);
  }

  /**
   * Takes a market price: remembers it as the symbol's latest tick, triggers stops (in placement
   * order), then fills the limit orders it crosses (buys, then sells, by price then time). Ticks of
   * unknown symbols are ignored.
   */
  tick(t: Tick): void {
    const instrument = this.o.ctx.instruments.get(t.symbol);
    if (instrument === undefined) return;
    this.ticks.set(t.symbol, t);
    const { resting, maxPerTick } = this.o;
    // Nothing rests: nothing to trigger or fill (and no closures or copies on every tick).
    if (resting.size === 0) return;
    const ofSymbol = () => [...resting.values()].filter((w) => w.order.symbol === t.symbol);
    for (const w of ofSymbol()) {
      const { side, type } = w.order;
      if ((type !== 'stop' && type !== 'stop_limit') || w.triggered || !isLive(w)) continue;
      if (!stopTriggered(side, w.order.stopPrice!, t)) continue;
      w.triggered = true;
      this.changed = true;
      if (type === 'stop') {
        this.execute(w, remainingOf(w), marketFillPrice(t, side, instrument, this.o.ctx.slippageBps));
      }
    }
    const crossing = ofSymbol()
      .filter((w) => w.order.type === 'limit' || (w.order.type === 'stop_limit' && w.triggered))
      .filter((w) => limitCrosses(w.order.side, w.order.limitPrice!, t))
      .sort((a, b) =>
        byPriceTime(
          { side: a.order.side, limitPrice: a.order.limitPrice!, seq: a.seq },
          { side: b.order.side, limitPrice: b.order.limitPrice!, seq: b.seq },
        ),
      );
    for (const w of crossing) {
      // A listener may have cancelled or replaced it while earlier fills were reported.
      if (!isLive(w)) continue;
      const remaining = remainingOf(w);
      this.execute(
        w,
        maxPerTick === undefined ? remaining : Math.min(remaining, maxPerTick),
        w.order.limitPrice!,
      );
    }
  }

  /** Seeds a position held before the venue started: a fee-free fill nobody hears of. */
  loadPosition(p: VenuePosition): void {
    const book = this.bookOf(p.accountId);
    const instrument = instrumentOf(this.o.ctx, p.symbol);
    if (!(p.quantity > 0 && p.entryPrice > 0)) {
      throw paperError('INVALID_POSITION', 'quantity and entry price must be > 0', { ...p });
    }
    const { clock, ids } = this.o;
    book.account = applyFillToAccount(book.account, loadedFill(p, clock.now()), instrument, () =>
      ids.next(),
    ).account;
    this.changed = true;
  }

  private cancelWorking(w: WorkingOrder, reason: string): void {
    w.order = { ...w.order, status: 'cancelled', updatedAt: this.o.clock.now() };
    this.o.resting.delete(w.seq);
    this.changed = true;
    this.o.emit({ kind: 'cancelled', order: w.order, reason });
  }

  /** Fills up to `wanted` of a live order at `price`, applies it to the account and reports it. */
  private execute(w: WorkingOrder, wanted: number, price: number): void {
    const { clock, ids, ctx } = this.o;
    const book = this.o.books.get(w.order.accountId)!;
    const instrument: Instrument = instrumentOf(ctx, w.order.symbol);
    let quantity = wanted;
    if (w.order.reduceOnly) {
      const closable = closableQuantity(book.account.positions.get(w.order.symbol), w.order.side);
      if (closable === 0) {
        this.cancelWorking(w, 'REDUCE_ONLY');
        return;
      }
      quantity = Math.min(quantity, closable);
    }
    const ts = clock.now();
    // Sample: { fillId: 'f-1', accountId: 'acc-1', symbol: 'ESZ5', side: 'buy', quantity: 2, price: 4500.25, fee: '0', clientOrderId: 'c-1', venueOrderId: 'v-1', ts: 1735689600000 }
    const fill: Fill = {
      fillId: ids.next(),
      accountId: w.order.accountId,
      symbol: w.order.symbol,
      side: w.order.side,
      quantity,
      price,
      fee: moneyString(feeOf(instrument, price, quantity, this.o.feeBps)),
      clientOrderId: w.order.clientOrderId,
      venueOrderId: w.order.venueOrderId,
      ts,
    };
    book.account = applyFillToAccount(book.account, fill, instrument, () => ids.next()).account;
    recordFill(book, fill, this.o.fillHistory);
    w.filledNotional = w.filledNotional.plus(dec(price).times(quantity));
    const filled = dec(w.order.filledQuantity).plus(quantity);
    const done = filled.gte(w.order.quantity);
    w.order = {
      ...w.order,
      status: done ? 'filled' : 'partially_filled',
      filledQuantity: filled.toNumber(),
      averageFillPrice: w.filledNotional.div(filled).toNumber(),
      updatedAt: ts,
    };
    if (done) this.o.resting.delete(w.seq);
    this.changed = true;
    this.o.emit({ kind: 'fill', fill, order: w.order });
    if (!done && quantity < wanted && isLive(w)) this.cancelWorking(w, 'REDUCE_ONLY');
  }

  /** Accepts a validated request: records it, fills what the latest tick allows, rests the rest. */
  private accept(book: Book, request: OrderRequest): Order {
    const { clock, ids, ctx } = this.o;
    const now = clock.now();
    // Sample: { ...request, venueOrderId: 'v-1', status: 'open', filledQuantity: 0, createdAt: 1735689600000, updatedAt: 1735689600000 }
    const order: Order = {
      ...requestOf(request),
      venueOrderId: ids.next(),
      status: 'open',
      filledQuantity: 0,
      createdAt: now,
      updatedAt: now,
    };
    const w: WorkingOrder = { order, seq: this.seq++, filledNotional: ZERO, triggered: false };
    book.orders.set(order.clientOrderId, w);
    this.o.resting.set(w.seq, w);
    this.changed = true;
    this.o.onAccepted?.(order);
    const tick = this.ticks.get(order.symbol);
    if (tick === undefined) return w.order;
    const instrument = instrumentOf(ctx, order.symbol);
    const { side, type } = order;
    if (type === 'stop' || type === 'stop_limit') w.triggered = stopTriggered(side, order.stopPrice!, tick);
    if (type === 'market' || (type === 'stop' && w.triggered)) {
      this.execute(w, order.quantity, marketFillPrice(tick, side, instrument, ctx.slippageBps));
    } else if ((type === 'limit' || w.triggered) && limitCrosses(side, order.limitPrice!, tick)) {
      this.execute(w, order.quantity, order.limitPrice!);
    }
    return w.order;
  }
}
