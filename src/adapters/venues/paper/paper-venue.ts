import { type Account, accountBalance, applyFillToAccount, createAccount } from '../../../domain/account.ts';
import { WardenError } from '../../../domain/errors.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import { dec, moneyString, ZERO } from '../../../domain/money.ts';
import type { Fill, Order, OrderRequest } from '../../../domain/order.ts';
import type { Tick } from '../../../domain/tick.ts';
import type { Clock } from '../../../ports/clock.ts';
import type { IdGenerator } from '../../../ports/ids.ts';
import type {
  ExecutionReport,
  OrderChanges,
  Venue,
  VenueCapabilities,
  VenuePosition,
} from '../../../ports/venue.ts';
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
import { type Outage, PaperConnection } from './outages.ts';

/** Configuration of a paper venue. */
export interface PaperVenueConfig {
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly instruments: readonly Instrument[];
  /** Accounts and their starting cash, in account currency. */
  readonly accounts: readonly { readonly id: string; readonly balance: number | string }[];
  /** Price moved against a market order, in basis points (default 0). */
  readonly slippageBps?: number;
  /** Commission per fill: notional × bps / 10 000 (default 0). */
  readonly feeBps?: number;
  /** Margin = notional / leverage (default 1: fully paid). */
  readonly leverage?: number;
  /**
   * When set, a limit order filled by a later tick fills at most this much per tick and per
   * order (use a multiple of every lot size). Market orders and limit orders marketable when
   * placed always fill in full.
   */
  readonly partialFills?: { readonly maxQuantityPerTick: number };
  /** Called with every order the venue accepts, before it can fill (its own durable order log). */
  readonly onAccepted?: (order: Order) => void;
  /** Starts from a saved state (`state()` of an earlier run) instead of the accounts' balances. */
  readonly restore?: PaperVenueState;
  /** Scripted losses of the connection, for backtests and drills (see `PaperConnection`). */
  readonly outages?: readonly Outage[];
}

/**
 * What the paper venue must keep across a restart: cash and positions per account, its resting
 * orders, and the client order ids it has consumed (so a retry after a restart still cannot double
 * an order). Plain JSON.
 */
export interface PaperVenueState {
  readonly accounts: readonly {
    readonly id: string;
    readonly balance: string;
    readonly positions: readonly VenuePosition[];
    /** Every order the account ever had accepted, newest last; live ones carry their matching state. */
    readonly orders: readonly {
      readonly order: Order;
      readonly seq: number;
      readonly filledNotional: string;
      readonly triggered: boolean;
    }[];
  }[];
}

/** The paper venue: a `Venue` that fills against the ticks it is fed. */
export interface PaperVenue extends Venue {
  /**
   * Feeds a market price: remembers it as the symbol's latest tick, triggers stops (in placement
   * order), then fills the limit orders it crosses (buys, then sells, by price then time). Fills
   * reach the `onExecution` listeners before this returns. Ticks of unknown symbols are ignored.
   */
  onTick(tick: Tick): void;
  /** Cash balance of the account (starting balance + realized PnL − fees), as a decimal string. */
  balance(accountId: string): string;
  /** The venue's whole state, for `restore` after a restart. */
  state(): PaperVenueState;
  /**
   * Seeds a position held before the venue started (a restart, a configuration's initial
   * positions). It is applied as a fee-free fill at `entryPrice` that no listener hears about, so
   * loading onto an existing position nets with it like any fill.
   */
  loadPosition(position: VenuePosition): void;
}

interface Book {
  account: Account;
  /** Every accepted order of the account, by client order id; rejected requests are never kept. */
  readonly orders: Map<string, WorkingOrder>;
}

function invalidConfig(message: string): WardenError {
  return new WardenError('WARDEN_CONFIG_INVALID', `paper venue: ${message}`);
}

/**
 * Creates a paper venue. Positions and cash live in the domain `Account` of each account and
 * change only through `applyFillToAccount`, so PnL is the domain's. All work is synchronous:
 * a fill is applied and reported to the listeners before the call that caused it returns.
 *
 * Choices worth knowing:
 * - A marketable limit order (and a limit crossed by a later tick) fills at its limit price.
 * - A triggered stop fills like a market order on the triggering tick: at that tick's ask / bid
 *   (or last) plus slippage, so a gap fills at the gap price, not at the stop. A stop that is
 *   already triggered when placed fills (or, for a stop-limit, becomes its limit) at once.
 * - Limit and stop orders may be placed before the symbol's first tick; they wait for it.
 * - A client order id is consumed only by an accepted order: a rejected request may be retried
 *   with the same id once corrected.
 * - A resting reduce-only order is checked again when it fills: it fills at most the open
 *   position and the rest is cancelled with reason `REDUCE_ONLY`.
 * - A listener that throws does not stop the venue: every listener still gets every report, and
 *   the first error is rethrown by the call that emitted it once that call has finished.
 */
export function createPaperVenue(config: PaperVenueConfig): PaperVenue {
  const { clock, ids } = config;
  const slippageBps = config.slippageBps ?? 0;
  const feeBps = config.feeBps ?? 0;
  const leverage = config.leverage ?? 1;
  const maxPerTick = config.partialFills?.maxQuantityPerTick;
  if (!(slippageBps >= 0 && feeBps >= 0)) throw invalidConfig('slippageBps and feeBps must be ≥ 0');
  if (!(leverage > 0)) throw invalidConfig('leverage must be > 0');
  if (maxPerTick !== undefined && !(maxPerTick > 0)) throw invalidConfig('maxQuantityPerTick must be > 0');

  const instruments = new Map<string, Instrument>();
  for (const i of config.instruments) {
    if (instruments.has(i.symbol)) throw invalidConfig(`duplicate instrument ${i.symbol}`);
    instruments.set(i.symbol, i);
  }
  const books = new Map<string, Book>();
  const restored = new Map((config.restore?.accounts ?? []).map((a) => [a.id, a]));
  for (const a of config.accounts) {
    if (books.has(a.id)) throw invalidConfig(`duplicate account ${a.id}`);
    books.set(a.id, {
      account: createAccount(a.id, restored.get(a.id)?.balance ?? a.balance),
      orders: new Map(),
    });
  }

  const ctx: CheckContext = { instruments, leverage, slippageBps };
  const ticks = new Map<string, Tick>();
  /** Live orders of every account, in placement order (a Map keeps insertion order). */
  const resting = new Map<number, WorkingOrder>();
  const listeners = new Set<(report: ExecutionReport) => void>();
  const listenerErrors: unknown[] = [];
  let depth = 0;
  let seq = 0;
  let closed = false;
  for (const saved of restored.values()) {
    const book = books.get(saved.id);
    if (book === undefined) continue;
    for (const p of saved.positions) {
      const instrument = instruments.get(p.symbol);
      if (instrument === undefined) continue;
      book.account = applyFillToAccount(book.account, loadedFill(p, clock.now()), instrument, () =>
        ids.next(),
      ).account;
    }
    for (const o of saved.orders) {
      const w: WorkingOrder = {
        order: o.order,
        seq: o.seq,
        filledNotional: dec(o.filledNotional),
        triggered: o.triggered,
      };
      book.orders.set(o.order.clientOrderId, w);
      if (isLive(w)) resting.set(w.seq, w);
      seq = Math.max(seq, o.seq + 1);
    }
  }

  const capabilities: VenueCapabilities = {
    marketOrders: true,
    limitOrders: true,
    stopOrders: true,
    stopLimitOrders: true,
    reduceOnly: true,
    replaceOrder: true,
    partialFills: maxPerTick !== undefined,
    positionQuery: true,
  };

  /** Runs one venue call; listener errors surface when the outermost call is done. */
  function operation<T>(fn: () => T): T {
    if (closed) throw paperError('VENUE_CLOSED', 'the paper venue is closed');
    if (depth === 0) listenerErrors.length = 0;
    depth += 1;
    let result: T;
    try {
      result = fn();
    } finally {
      depth -= 1;
    }
    if (depth === 0 && listenerErrors.length > 0) {
      const errors = listenerErrors.splice(0);
      throw errors.length === 1 ? errors[0] : new AggregateError(errors, 'execution listeners threw');
    }
    return result;
  }

  function deliver(report: ExecutionReport): void {
    for (const listener of [...listeners]) {
      try {
        listener(report);
      } catch (error) {
        listenerErrors.push(error);
      }
    }
  }
  // Reports held over an outage are delivered from a clock timer, outside any call: as one.
  const connection = new PaperConnection(clock, config.outages ?? [], (report) =>
    depth === 0 ? operation(() => deliver(report)) : deliver(report),
  );

  function emit(report: ExecutionReport): void {
    connection.report(report);
  }

  /** A call from the client: refused while the connection is down. */
  function call<T>(fn: () => T): T {
    connection.check();
    return operation(fn);
  }

  function bookOf(accountId: string): Book {
    const book = books.get(accountId);
    if (book === undefined)
      throw paperError('UNKNOWN_ACCOUNT', `unknown account ${accountId}`, { accountId });
    return book;
  }

  function cancel(w: WorkingOrder, reason: string): void {
    w.order = { ...w.order, status: 'cancelled', updatedAt: clock.now() };
    resting.delete(w.seq);
    emit({ kind: 'cancelled', order: w.order, reason });
  }

  /** Fills up to `wanted` of a live order at `price`, applies it to the account and reports it. */
  function execute(w: WorkingOrder, wanted: number, price: number): void {
    const book = books.get(w.order.accountId)!;
    const instrument = instrumentOf(ctx, w.order.symbol);
    let quantity = wanted;
    if (w.order.reduceOnly) {
      const closable = closableQuantity(book.account.positions.get(w.order.symbol), w.order.side);
      if (closable === 0) {
        cancel(w, 'REDUCE_ONLY');
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
      fee: moneyString(feeOf(instrument, price, quantity, feeBps)),
      clientOrderId: w.order.clientOrderId,
      venueOrderId: w.order.venueOrderId,
      ts,
    };
    book.account = applyFillToAccount(book.account, fill, instrument, () => ids.next()).account;
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
    if (done) resting.delete(w.seq);
    emit({ kind: 'fill', fill, order: w.order });
    if (!done && quantity < wanted && isLive(w)) cancel(w, 'REDUCE_ONLY');
  }

  /** Accepts a validated request: records it, fills what the latest tick allows, rests the rest. */
  function accept(book: Book, request: OrderRequest): Order {
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
    const w: WorkingOrder = { order, seq: seq++, filledNotional: ZERO, triggered: false };
    book.orders.set(order.clientOrderId, w);
    resting.set(w.seq, w);
    config.onAccepted?.(order);
    const tick = ticks.get(order.symbol);
    if (tick === undefined) return w.order;
    const instrument = instrumentOf(ctx, order.symbol);
    const { side, type } = order;
    if (type === 'stop' || type === 'stop_limit') w.triggered = stopTriggered(side, order.stopPrice!, tick);
    if (type === 'market' || (type === 'stop' && w.triggered)) {
      execute(w, order.quantity, marketFillPrice(tick, side, instrument, slippageBps));
    } else if ((type === 'limit' || w.triggered) && limitCrosses(side, order.limitPrice!, tick)) {
      execute(w, order.quantity, order.limitPrice!);
    }
    return w.order;
  }

  function place(request: OrderRequest): Order {
    const book = bookOf(request.accountId);
    const existing = book.orders.get(request.clientOrderId);
    if (existing !== undefined) return existing.order;
    checkOrder(ctx, book.account, resting.values(), ticks.get(request.symbol), request);
    return accept(book, request);
  }

  function tick(t: Tick): void {
    const instrument = instruments.get(t.symbol);
    if (instrument === undefined) return;
    ticks.set(t.symbol, t);
    // Nothing rests: nothing to trigger or fill (and no closures or copies on every tick).
    if (resting.size === 0) return;
    const ofSymbol = () => [...resting.values()].filter((w) => w.order.symbol === t.symbol);
    for (const w of ofSymbol()) {
      const { side, type } = w.order;
      if ((type !== 'stop' && type !== 'stop_limit') || w.triggered || !isLive(w)) continue;
      if (!stopTriggered(side, w.order.stopPrice!, t)) continue;
      w.triggered = true;
      if (type === 'stop') execute(w, remainingOf(w), marketFillPrice(t, side, instrument, slippageBps));
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
      execute(w, maxPerTick === undefined ? remaining : Math.min(remaining, maxPerTick), w.order.limitPrice!);
    }
  }

  return {
    name: 'paper',
    capabilities,

    async placeOrder(request) {
      return call(() => place(request));
    },

    async cancelOrder(accountId, clientOrderId) {
      return call(() => {
        const w = bookOf(accountId).orders.get(clientOrderId);
        if (w === undefined) {
          throw paperError('UNKNOWN_ORDER', `no order ${clientOrderId} on ${accountId}`, {
            accountId,
            clientOrderId,
          });
        }
        if (isLive(w)) cancel(w, 'REQUESTED');
        return w.order;
      });
    },

    async replaceOrder(accountId: string, clientOrderId: string, changes: OrderChanges) {
      return call(() => {
        const book = bookOf(accountId);
        // A retried replace finds its replacement already placed.
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
        checkOrder(ctx, book.account, resting.values(), ticks.get(request.symbol), request, w.seq);
        cancel(w, 'REPLACED');
        return accept(book, request);
      });
    },

    async openOrders(accountId) {
      return call(() => [...bookOf(accountId).orders.values()].filter(isLive).map((w) => w.order));
    },

    // Sample: [{ accountId: 'acc-1', symbol: 'ESZ5', side: 'long', quantity: 2, entryPrice: 4500.25 }]
    async positions(accountId) {
      return call(() =>
        [...bookOf(accountId).account.positions.values()].map(
          (p): VenuePosition => ({
            accountId: p.accountId,
            symbol: p.symbol,
            side: p.side,
            quantity: p.quantity,
            entryPrice: p.entryPrice,
          }),
        ),
      );
    },

    onExecution(listener) {
      const entry = (report: ExecutionReport) => listener(report);
      listeners.add(entry);
      return () => {
        listeners.delete(entry);
      };
    },

    onConnection(listener) {
      return connection.onConnection(listener);
    },

    onTick(t) {
      if (!closed) operation(() => tick(t));
    },

    // Sample: { accountId: 'acc-1', symbol: 'ESZ5', side: 'long', quantity: 2, entryPrice: 4500.25 }
    loadPosition(p) {
      operation(() => {
        const book = bookOf(p.accountId);
        const instrument = instrumentOf(ctx, p.symbol);
        if (!(p.quantity > 0 && p.entryPrice > 0)) {
          throw paperError('INVALID_POSITION', 'quantity and entry price must be > 0', { ...p });
        }
        book.account = applyFillToAccount(book.account, loadedFill(p, clock.now()), instrument, () =>
          ids.next(),
        ).account;
      });
    },

    balance(accountId) {
      return moneyString(accountBalance(bookOf(accountId).account));
    },

    state() {
      return {
        accounts: [...books.values()].map((b) => ({
          id: b.account.id,
          balance: moneyString(accountBalance(b.account)),
          positions: [...b.account.positions.values()].map((p) => ({
            accountId: p.accountId,
            symbol: p.symbol,
            side: p.side,
            quantity: p.quantity,
            entryPrice: p.entryPrice,
          })),
          orders: [...b.orders.values()]
            .sort((x, y) => x.seq - y.seq)
            .map((w) => ({
              order: w.order,
              seq: w.seq,
              filledNotional: w.filledNotional.toString(),
              triggered: w.triggered,
            })),
        })),
      };
    },

    async close() {
      closed = true;
      connection.close();
      listeners.clear();
    },
  };
}

/** A position held before the venue started, as a fee-free fill at its entry price. */
function loadedFill(p: VenuePosition, ts: number): Fill {
  return {
    fillId: `loaded-${p.symbol}`,
    accountId: p.accountId,
    symbol: p.symbol,
    side: p.side === 'long' ? 'buy' : 'sell',
    quantity: p.quantity,
    price: p.entryPrice,
    fee: '0',
    clientOrderId: '',
    venueOrderId: '',
    ts,
  };
}
