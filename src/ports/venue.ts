import type { Instrument } from '../domain/instrument.ts';
import type { Fill, Order, OrderRequest, PositionSide } from '../domain/order.ts';
import type { ConnectionEvent } from './market-data.ts';

export type { ConnectionEvent } from './market-data.ts';

/**
 * What a venue can do, as data (like CCXT's `has`): callers check before calling and the
 * contract suite skips by it. A call the venue cannot make throws `VenueNotSupportedError`
 * (`WARDEN_VENUE_NOT_SUPPORTED`, a rejection: retrying cannot help); an order type or flag it
 * cannot take is refused the same way.
 */
export interface VenueCapabilities {
  /** `type: 'market'` orders. */
  readonly marketOrders: boolean;
  /** `type: 'limit'` orders. */
  readonly limitOrders: boolean;
  /** `type: 'stop'` orders (stop-market) resting at the venue. */
  readonly stopOrders: boolean;
  /** `type: 'stop_limit'` orders. */
  readonly stopLimitOrders: boolean;
  /** `reduceOnly: true` on orders (of every order type the venue takes). */
  readonly reduceOnly: boolean;
  /** `replaceOrder`. */
  readonly replaceOrder: boolean;
  /** Orders may fill in several parts (each its own fill). A behaviour, not a call. */
  readonly partialFills: boolean;
  /** `positions`. */
  readonly positionQuery: boolean;
  /** `order`: an order found by its client order id, whatever its status. */
  readonly orderLookup: boolean;
  /**
   * Every fill carries a venue fill id, unique per account and the same when the fill is reported
   * again (after a reconnection, by `fills`), so a consumer books each fill once by its id. A
   * behaviour, not a call: without it `Fill.fillId` is the adapter's best effort.
   */
  readonly fillIds: boolean;
  /** `fills`: the account's recent fills, for a resync after a reconnection or a restart. */
  readonly fillQuery: boolean;
  /** `balances`. */
  readonly balances: boolean;
  /** `instruments`. */
  readonly instruments: boolean;
  /**
   * `onConnection` reports losses and recoveries of the connection. Without it the listener is
   * never called: no news is not good news, the stale-feed watchdog is the only alarm.
   */
  readonly connectionEvents: boolean;
}

/**
 * The client order ids a venue accepts (Binance: 36 of `[.A-Z:/a-z0-9_-]`; OKX: 32
 * alphanumerics). A placement or replacement whose client order id breaks them is refused with a
 * `VenueError` (`rejected`, reason `INVALID_CLIENT_ORDER_ID`) before anything is sent.
 */
export interface ClientOrderIdRules {
  /** The longest id the venue takes, in characters. */
  readonly maxLength: number;
  /** What a whole id must match (anchored, without the `g` or `y` flag). */
  readonly pattern: RegExp;
}

/** A venue's view of a position, for reconciliation. */
// Sample: { accountId: 'acc-1', symbol: 'ESZ5', side: 'long', quantity: 2, entryPrice: 4500.25 }
export interface VenuePosition {
  readonly accountId: string;
  readonly symbol: string;
  readonly side: PositionSide;
  readonly quantity: number;
  readonly entryPrice: number;
}

/**
 * An instrument as the venue trades it: the domain `Instrument` (symbol in Warden's spelling,
 * tick size, lot size, multiplier, currency, expiry) and the venue's own limits.
 */
// Sample: { symbol: 'ESZ5', tickSize: 0.25, lotSize: 1, minQuantity: 1, multiplier: 50, currency: 'USD' }
export interface VenueInstrument extends Instrument {
  /** Smallest quantity of one order (a whole number of lots). */
  readonly minQuantity: number;
  /** Largest quantity of one order, where the venue caps it. */
  readonly maxQuantity?: number;
  /** Smallest notional (price × quantity × multiplier) of one order, where the venue has one. */
  readonly minNotional?: number;
}

/** Cash of an account in one currency, as decimal strings (never floats). */
// Sample: { currency: 'USD', total: '1000000', available: '774987.5' }
export interface VenueBalance {
  readonly currency: string;
  /** Cash: deposits + realized PnL − fees (unrealized PnL left out). */
  readonly total: string;
  /** What new orders can use: `total` less the margin of positions and resting orders. */
  readonly available: string;
}

/** Something that happened to an order at the venue after it was accepted. */
export type ExecutionReport =
  | { readonly kind: 'fill'; readonly fill: Fill; readonly order: Order }
  | { readonly kind: 'cancelled'; readonly order: Order; readonly reason: string }
  | { readonly kind: 'rejected'; readonly order: Order; readonly reason: string; readonly message: string };

/** What a replacement changes; everything else is the original's. */
export interface OrderChanges {
  readonly quantity?: number;
  readonly limitPrice?: number;
  readonly stopPrice?: number;
  /** The replacement's client order id; a replace is a cancel and a new order. */
  readonly clientOrderId: string;
}

/**
 * Where a venue that keeps state of its own (the paper venue's cash, positions and orders; a
 * real venue's resync cursor) hands it to the runtime, which commits it with the events in one
 * unit without knowing its shape. The adapter takes the saved state back at construction (its
 * `restore` option).
 */
export interface VenueJournal<S = unknown> {
  /**
   * Called at the end of every venue call or tick that changed the state, with a reader of it.
   * Read it when committing (it gives the state as it is then), not on every call: a reading may
   * cost as much as the state is large.
   */
  changed(read: () => S): void;
}

/**
 * A trading venue: paper, CCXT exchanges, ProjectX, Kalshi. An adapter owns its connections;
 * nothing here exposes one. Failures are `VenueError`s whose `retry` says whether trying again can
 * help (`transient`: network, rate limit, outage; `rejected`: the request is refused; `fatal`:
 * authentication, a closed venue). What the venue cannot do is in `capabilities`.
 *
 * Orders are idempotent by client order id: a retry after a timeout or a lost reply can never
 * double an order, and `order()` tells what became of one before any retry. After a start or a
 * reconnection the venue's state is the truth: read `positions`, `openOrders` and `fills`, and
 * book each fill once by its fill id (a fill may be reported more than once).
 */
export interface Venue {
  /** Adapter name, e.g. `paper`. */
  readonly name: string;
  readonly capabilities: VenueCapabilities;
  /** The client order ids the venue accepts; callers make theirs fit. */
  readonly clientOrderIds: ClientOrderIdRules;
  /**
   * Opens the connections (authenticates, subscribes the private streams) and resolves once the
   * venue can take calls. Idempotent: a second call resolves when the first does. A venue
   * reconnects by itself after a loss and says so through `onConnection`. The paper venue has
   * nothing to open and resolves at once.
   */
  connect(): Promise<void>;
  /**
   * Sends an order. Resolves with the accepted order; rejects with a `VenueError` (`rejected` for
   * an order the venue refuses, `INVALID_CLIENT_ORDER_ID` for an id that breaks
   * `clientOrderIds`). A client order id already used on the account resolves with the existing
   * order instead of placing a second one, so a retry can never double an order. Fills may be
   * reported through `onExecution` before this promise settles.
   */
  placeOrder(request: OrderRequest): Promise<Order>;
  /** Cancels an open order by client order id. Cancelling a finished order resolves with it unchanged. */
  cancelOrder(accountId: string, clientOrderId: string): Promise<Order>;
  /**
   * Cancels an open order and places its replacement (new client order id) in one step. A retry
   * finds the replacement already placed and resolves with it. Needs `capabilities.replaceOrder`.
   */
  replaceOrder(accountId: string, clientOrderId: string, changes: OrderChanges): Promise<Order>;
  /**
   * The order placed on the account with this client order id, in any status, or undefined when
   * the venue never accepted one: what became of an order whose reply was lost. Look it up before
   * any retry. Needs `capabilities.orderLookup`.
   */
  order(accountId: string, clientOrderId: string): Promise<Order | undefined>;
  /** Open orders of the account (open or partially filled), in placement order. */
  openOrders(accountId: string): Promise<Order[]>;
  /** Positions of the account as the venue sees them. Needs `capabilities.positionQuery`. */
  positions(accountId: string): Promise<VenuePosition[]>;
  /**
   * Fills of the account at or after `since` (epoch ms; all the venue keeps when absent), oldest
   * first, with the fill ids they were reported with: a resync after a reconnection or a
   * restart. The bound is inclusive, so a consumer passing its last fill's time gets that fill
   * again and skips it by its id. A venue keeps a limited history. Needs `capabilities.fillQuery`.
   */
  fills(accountId: string, since?: number): Promise<Fill[]>;
  /** Cash of the account, one entry per currency. Needs `capabilities.balances`. */
  balances(accountId: string): Promise<VenueBalance[]>;
  /** The instruments the venue trades (those configured, for a venue with a long list). Needs `capabilities.instruments`. */
  instruments(): Promise<VenueInstrument[]>;
  /**
   * Registers a listener for fills, cancels and late rejections, in the order they happened.
   * A fill may come again after a reconnection with the same fill id (see `fillIds`).
   * Returns an unsubscribe function.
   */
  onExecution(listener: (report: ExecutionReport) => void): () => void;
  /**
   * Registers a listener for the connection going down and coming back (the ConnectionLoss
   * rule); it hears changes only, not the state at registration. Reports held over a loss are
   * delivered before the event saying it is back. Without `capabilities.connectionEvents` the
   * listener is never called. Returns an unsubscribe function.
   */
  onConnection(listener: (event: ConnectionEvent) => void): () => void;
  /** Releases connections; every later call fails (`fatal`). */
  close(): Promise<void>;
}
