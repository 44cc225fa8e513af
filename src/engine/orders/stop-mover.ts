import type { Order, OrderRequest } from '../../domain/order.ts';
import type { Position } from '../../domain/position.ts';
import type { OrderChanges, VenueCapabilities } from '../../ports/venue.ts';
import type { Cause } from '../event-factory.ts';
import type { OrderMeta } from '../trading.ts';

/** The part of the order gateway the stop mover works through. */
export interface ReplacingGateway {
  readonly capabilities: VenueCapabilities;
  openOrders(accountId: string): Promise<Order[]>;
  metaOf(accountId: string, clientOrderId: string): OrderMeta | undefined;
  replaceOrder(
    replaced: Pick<Order, 'accountId' | 'clientOrderId'>,
    changes: OrderChanges,
    request: OrderRequest,
    meta: OrderMeta,
    note: string,
  ): Promise<boolean>;
}

/**
 * Moves the working protective stop orders of a position at the venue (reduce-only `stop` orders
 * on the closing side of its symbol) to `stopPrice`, each by the venue's replace: the old order's
 * cancel report becomes `Trading.Order.Cancelled.v1`, the replacement is `Trading.Order.Placed.v1`
 * with intent `protective` and a client order id derived from the old one (`…-m1`, `…-m2`), so a
 * retry cannot double it. Returns how many were moved; a venue without replace, or a failure,
 * moves none and leaves the orders as they were.
 */
export async function moveProtectiveStops(
  gateway: ReplacingGateway,
  position: Position,
  stopPrice: number,
  cause: Cause = {},
): Promise<number> {
  if (!gateway.capabilities.replaceOrder) return 0;
  const closing = position.side === 'long' ? 'sell' : 'buy';
  let open: Order[];
  try {
    open = await gateway.openOrders(position.accountId);
  } catch {
    return 0; // The gateway told the breaker; the stops stay where they are.
  }
  let moved = 0;
  for (const o of open) {
    if (o.symbol !== position.symbol || o.side !== closing || o.type !== 'stop' || o.reduceOnly !== true)
      continue;
    if (o.stopPrice === stopPrice) continue;
    const clientOrderId = movedOrderId(o.clientOrderId);
    const request: OrderRequest = {
      accountId: o.accountId,
      symbol: o.symbol,
      side: o.side,
      type: 'stop',
      quantity: o.quantity - o.filledQuantity,
      stopPrice,
      reduceOnly: true,
      clientOrderId,
      intent: 'protective',
    };
    const meta: OrderMeta = {
      ...(gateway.metaOf(o.accountId, o.clientOrderId) ?? { intent: 'protective' }),
      positionId: position.id,
      cause,
    };
    const note = `replaces ${o.clientOrderId} (stop ${o.stopPrice} → ${stopPrice})`;
    if (await gateway.replaceOrder(o, { stopPrice, clientOrderId }, request, meta, note)) moved++;
  }
  return moved;
}

/** `abc` → `abc-m1`, `abc-m1` → `abc-m2`: the id of a stop's replacement. */
export function movedOrderId(clientOrderId: string): string {
  const m = /^(.*)-m(\d+)$/.exec(clientOrderId);
  return m === null ? `${clientOrderId}-m1` : `${m[1]}-m${Number(m[2]) + 1}`;
}
