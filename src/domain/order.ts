/** Which way an order trades. */
export type OrderSide = 'buy' | 'sell';
/** Which way a position is exposed. */
export type PositionSide = 'long' | 'short';

export type OrderType = 'market' | 'limit' | 'stop' | 'stop_limit';

export type OrderStatus = 'pending' | 'open' | 'partially_filled' | 'filled' | 'cancelled' | 'rejected';

/** Why Warden placed an order; recorded on the order and carried into the position events. */
export type OrderIntent = 'entry' | 'exit' | 'protective';

/** What a caller asks a venue to do. */
export interface OrderRequest {
  readonly accountId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly quantity: number;
  /** Required for `limit` and `stop_limit`. */
  readonly limitPrice?: number;
  /** Required for `stop` and `stop_limit`: the order becomes live when the price crosses it. */
  readonly stopPrice?: number;
  /** Never increases exposure; a venue rejects one that would. */
  readonly reduceOnly?: boolean;
  /** Caller-chosen idempotency key: a venue accepts a client order id at most once per account. */
  readonly clientOrderId: string;
  readonly intent?: OrderIntent;
}

/** A venue's view of an order after it was accepted. */
export interface Order extends OrderRequest {
  readonly venueOrderId: string;
  readonly status: OrderStatus;
  readonly filledQuantity: number;
  /** Average fill price, when anything filled. */
  readonly averageFillPrice?: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface Fill {
  readonly fillId: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly quantity: number;
  readonly price: number;
  /** Commission in account currency, as a decimal string ("0" when none). */
  readonly fee: string;
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly ts: number;
}

/** Order-request problems that make sense without any venue state. */
export type OrderShapeProblem =
  | 'QUANTITY_NOT_POSITIVE'
  | 'LIMIT_PRICE_REQUIRED'
  | 'STOP_PRICE_REQUIRED'
  | 'PRICE_NOT_POSITIVE';

/** Checks the shape of an order request; returns the first problem or undefined. */
export function orderShapeProblem(req: OrderRequest): OrderShapeProblem | undefined {
  if (!(Number.isFinite(req.quantity) && req.quantity > 0)) return 'QUANTITY_NOT_POSITIVE';
  if ((req.type === 'limit' || req.type === 'stop_limit') && req.limitPrice === undefined)
    return 'LIMIT_PRICE_REQUIRED';
  if ((req.type === 'stop' || req.type === 'stop_limit') && req.stopPrice === undefined)
    return 'STOP_PRICE_REQUIRED';
  for (const p of [req.limitPrice, req.stopPrice]) {
    if (p !== undefined && !(Number.isFinite(p) && p > 0)) return 'PRICE_NOT_POSITIVE';
  }
  return undefined;
}

export function oppositeSide(side: OrderSide): OrderSide {
  return side === 'buy' ? 'sell' : 'buy';
}

/** The order side that closes a position of this side. */
export function exitSide(side: PositionSide): OrderSide {
  return side === 'long' ? 'sell' : 'buy';
}

/** The order side that opens or adds to a position of this side. */
export function entrySide(side: PositionSide): OrderSide {
  return side === 'long' ? 'buy' : 'sell';
}

/** Signed quantity of a fill: positive for a buy, negative for a sell. */
export function signedQuantity(side: OrderSide, quantity: number): number {
  return side === 'buy' ? quantity : -quantity;
}
