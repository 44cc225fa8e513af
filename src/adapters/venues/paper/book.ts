import { type Account, accountBalance, applyFillToAccount, createAccount } from '../../../domain/account.ts';
import type { Instrument } from '../../../domain/instrument.ts';
import { dec, moneyString } from '../../../domain/money.ts';
import type { Fill, Order } from '../../../domain/order.ts';
import type { IdGenerator } from '../../../ports/ids.ts';
import type { VenueBalance, VenuePosition } from '../../../ports/venue.ts';
import { type CheckContext, freeBalance, isLive, type WorkingOrder } from './checks.ts';

/**
 * The paper venue's accounts: cash and positions (a domain `Account`), every order ever accepted,
 * and the latest fills; their saved form (`PaperVenueState`) and the queries over them.
 */

/** An order as the paper venue saves it: the order and its matching state. */
// Sample: { order: { clientOrderId: 'c-1', status: 'open', … }, seq: 0, filledNotional: '0', triggered: false }
export interface SavedOrder {
  readonly order: Order;
  readonly seq: number;
  readonly filledNotional: string;
  readonly triggered: boolean;
}

/**
 * What the paper venue must keep across a restart: cash and positions per account, its resting
 * orders, the client order ids it has consumed (so a retry after a restart still cannot double
 * an order), and its latest fills (so `fills` still answers a resync). Plain JSON.
 */
export interface PaperVenueState {
  readonly accounts: readonly {
    readonly id: string;
    readonly balance: string;
    readonly positions: readonly VenuePosition[];
    /** Every order the account ever had accepted, oldest first; live ones carry their matching state. */
    readonly orders: readonly SavedOrder[];
    /** The account's latest fills, oldest first (absent in a state saved before fills were kept). */
    readonly fills?: readonly Fill[];
  }[];
}

/** One account at the paper venue. */
export interface Book {
  account: Account;
  /** The account's cash currency. */
  readonly currency: string;
  /** Every accepted order of the account, by client order id; rejected requests are never kept. */
  readonly orders: Map<string, WorkingOrder>;
  /** The latest fills, oldest first, at most `fillHistory` once trimmed. */
  readonly fills: Fill[];
}

/** An account as configured: id, starting cash, currency. */
export interface BookSpec {
  readonly id: string;
  readonly balance: number | string;
  readonly currency: string;
}

/** What restoring a saved state gives: the books and where the placement sequence goes on. */
export interface Restored {
  readonly books: Map<string, Book>;
  readonly resting: Map<number, WorkingOrder>;
  readonly nextSeq: number;
}

/**
 * Builds the books of the configured accounts, from the saved state where it has them (its cash,
 * positions, orders and fills; a saved account no longer configured is dropped, and so is a saved
 * position of an instrument no longer configured). Returns the live orders in placement order.
 */
export function restoreBooks(
  specs: readonly BookSpec[],
  saved: PaperVenueState | undefined,
  instruments: ReadonlyMap<string, Instrument>,
  ids: IdGenerator,
  now: number,
): Restored {
  const books = new Map<string, Book>();
  const byId = new Map((saved?.accounts ?? []).map((a) => [a.id, a]));
  for (const spec of specs) {
    books.set(spec.id, {
      account: createAccount(spec.id, byId.get(spec.id)?.balance ?? spec.balance),
      currency: spec.currency,
      orders: new Map(),
      fills: [],
    });
  }
  const live: WorkingOrder[] = [];
  let nextSeq = 0;
  for (const s of byId.values()) {
    const book = books.get(s.id);
    if (book === undefined) continue;
    for (const p of s.positions) {
      const instrument = instruments.get(p.symbol);
      if (instrument === undefined) continue;
      book.account = applyFillToAccount(book.account, loadedFill(p, now), instrument, () =>
        ids.next(),
      ).account;
    }
    for (const o of s.orders) {
      const w: WorkingOrder = {
        order: o.order,
        seq: o.seq,
        filledNotional: dec(o.filledNotional),
        triggered: o.triggered,
      };
      book.orders.set(o.order.clientOrderId, w);
      if (isLive(w)) live.push(w);
      nextSeq = Math.max(nextSeq, o.seq + 1);
    }
    book.fills.push(...(s.fills ?? []));
  }
  live.sort((a, b) => a.seq - b.seq);
  return { books, resting: new Map(live.map((w) => [w.seq, w])), nextSeq };
}

/** The saved form of the books (see `PaperVenueState`). */
export function stateOf(books: Iterable<Book>, fillHistory: number): PaperVenueState {
  return {
    accounts: [...books].map((b) => ({
      id: b.account.id,
      balance: moneyString(accountBalance(b.account)),
      positions: positionsOf(b),
      orders: [...b.orders.values()]
        .sort((x, y) => x.seq - y.seq)
        .map((w) => ({
          order: w.order,
          seq: w.seq,
          filledNotional: w.filledNotional.toString(),
          triggered: w.triggered,
        })),
      fills: b.fills.slice(-fillHistory),
    })),
  };
}

/** Remembers a fill for the `fills` query, dropping the oldest beyond `fillHistory` now and then. */
export function recordFill(book: Book, fill: Fill, fillHistory: number): void {
  book.fills.push(fill);
  // Trim in batches, so a long run does not shift the array on every fill.
  if (book.fills.length > fillHistory + Math.max(64, fillHistory >> 3)) {
    book.fills.splice(0, book.fills.length - fillHistory);
  }
}

/** The account's fills at or after `since`, oldest first, within the kept history. */
export function fillsOf(book: Book, fillHistory: number, since?: number): Fill[] {
  const kept = book.fills.slice(-fillHistory);
  return since === undefined ? kept : kept.filter((f) => f.ts >= since);
}

/** The account's positions as the venue reports them. */
// Sample: [{ accountId: 'acc-1', symbol: 'ESZ5', side: 'long', quantity: 2, entryPrice: 4500.25 }]
export function positionsOf(book: Book): VenuePosition[] {
  return [...book.account.positions.values()].map(
    (p): VenuePosition => ({
      accountId: p.accountId,
      symbol: p.symbol,
      side: p.side,
      quantity: p.quantity,
      entryPrice: p.entryPrice,
    }),
  );
}

/**
 * The account's cash: total = starting cash + realized PnL − fees; available = total less the
 * margin of its positions and of its resting orders that add exposure (what new orders can use).
 */
// Sample: [{ currency: 'USD', total: '1000000', available: '774987.5' }]
export function balancesOf(book: Book, ctx: CheckContext, resting: Iterable<WorkingOrder>): VenueBalance[] {
  return [
    {
      currency: book.currency,
      total: moneyString(accountBalance(book.account)),
      available: moneyString(freeBalance(ctx, book.account, resting)),
    },
  ];
}

/** A position held before the venue started, as a fee-free fill at its entry price. */
export function loadedFill(p: VenuePosition, ts: number): Fill {
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
