import type { Fill, Order, OrderRequest, PositionSide } from '../domain/order.ts';

/** What a venue can do; callers check before calling and contract tests skip by it. */
export interface VenueCapabilities {
  readonly marketOrders: boolean;
  readonly limitOrders: boolean;
  readonly stopOrders: boolean;
  readonly stopLimitOrders: boolean;
  readonly reduceOnly: boolean;
  readonly replaceOrder: boolean;
  readonly partialFills: boolean;
  readonly positionQuery: boolean;
}

/** A venue's view of a position, for reconciliation. */
export interface VenuePosition {
  readonly accountId: string;
  readonly symbol: string;
  readonly side: PositionSide;
  readonly quantity: number;
  readonly entryPrice: number;
}

/** Something that happened to an order at the venue after it was accepted. */
export type ExecutionReport =
  | { readonly kind: 'fill'; readonly fill: Fill; readonly order: Order }
  | { readonly kind: 'cancelled'; readonly order: Order; readonly reason: string }
  | { readonly kind: 'rejected'; readonly order: Order; readonly reason: string; readonly message: string };

export interface OrderChanges {
  readonly quantity?: number;
  readonly limitPrice?: number;
  readonly stopPrice?: number;
  /** The replacement's client order id; a replace is a cancel and a new order. */
  readonly clientOrderId: string;
}

/**
 * A trading venue: paper, CCXT exchanges, ProjectX, Kalshi. An adapter owns its connections.
 * Failures are `VenueError`s whose `retry` says whether trying again can help.
 */
export interface Venue {
  /** Adapter name, e.g. `paper`. */
  readonly name: string;
  readonly capabilities: VenueCapabilities;
  /**
   * Sends an order. Resolves with the accepted order; rejects with a `VenueError` (`rejected` for
   * an order the venue refuses). A client order id already used on the account resolves with the
   * existing order instead of placing a second one, so a retry can never double an order.
   * Fills may be reported through `onExecution` before this promise settles.
   */
  placeOrder(request: OrderRequest): Promise<Order>;
  /** Cancels an open order by client order id. Cancelling a finished order resolves with it unchanged. */
  cancelOrder(accountId: string, clientOrderId: string): Promise<Order>;
  /** Cancels an open order and places its replacement (new client order id) in one step. */
  replaceOrder(accountId: string, clientOrderId: string, changes: OrderChanges): Promise<Order>;
  /** Open orders of the account. */
  openOrders(accountId: string): Promise<Order[]>;
  /** Positions of the account as the venue sees them. */
  positions(accountId: string): Promise<VenuePosition[]>;
  /** Registers a listener for fills, cancels and late rejections. Returns an unsubscribe function. */
  onExecution(listener: (report: ExecutionReport) => void): () => void;
  /**
   * Registers a listener for the venue connection going down and coming back (the ConnectionLoss
   * rule). Optional: a venue without a connection (paper) has none. Returns an unsubscribe function.
   */
  onConnection?(listener: (connected: boolean, message: string) => void): () => void;
  /** Releases connections. */
  close(): Promise<void>;
}
