import { asWardenEvent, CLOSE_REASONS, type CloseReason } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import type { OrderRequest } from '../../domain/order.ts';
import type { OrderMeta } from '../trading.ts';

/** An order Warden placed and has not finished with, as plain JSON. */
export interface RememberedOrder {
  readonly request: OrderRequest;
  /** Intent, exit reason, position, entry attributes, cause and conflicting triggers. */
  readonly meta: OrderMeta;
  /** Id of its `Trading.Order.Placed.v1`: the cause of the events its reports become. */
  readonly placedEventId?: string;
  /** Venue fill ids already booked for it; a fill redelivered with one of them is ignored. */
  readonly fillIds: readonly string[];
  /**
   * The venue finished it, but its last placement call failed without an answer, so the caller
   * may retry the same client order id: it is kept so that the retry stays the same order.
   */
  readonly finished?: boolean;
}

/** A fill booked for an order no longer remembered (finished, or not placed by Warden). */
export interface RememberedFill {
  readonly accountId: string;
  readonly fillId: string;
}

/**
 * What the order gateway remembers across a restart (`OrderGateway.orderMemory()`): the orders it
 * has not finished with, so a late report of one is booked as what it was placed for (an exit
 * closes its position with the exit's reason, not `MANUAL`), and the fill ids of the last finished
 * orders, so a fill a venue redelivers after a reconnect is booked once. Finished orders are
 * dropped, so the memory holds the working orders and a bounded tail of fills, whatever the day's
 * order count.
 */
export interface OrderMemory {
  readonly version: 1;
  readonly orders: readonly RememberedOrder[];
  /** Oldest first; at most the gateway's `recentFills` bound. */
  readonly recentFills: readonly RememberedFill[];
}

/** How many fill ids of finished or foreign orders the gateway keeps by default. */
export const RECENT_FILLS = 1_000;

/** The memory of a gateway that never placed anything. */
export function emptyOrderMemory(): OrderMemory {
  return { version: 1, orders: [], recentFills: [] };
}

/**
 * Brings an order memory up to date with one event of its partition's log: for a restart from a
 * snapshot taken before the last events, fold each event after the snapshot, in order, then hand
 * the result to `restoreOrderMemory`. `Trading.Order.Placed.v1` adds the order (what the event
 * does not carry, an entry's stop and target and an exit's conflicting triggers, is only in a
 * snapshot's memory), `.Filled.v1` records its fill id and drops it once filled, `.Cancelled.v1`
 * and `.Rejected.v1` drop it. Other events leave the memory as it is. Pure: returns a new memory.
 */
export function foldOrderMemory(
  memory: OrderMemory,
  envelope: Envelope,
  recentFills: number = RECENT_FILLS,
): OrderMemory {
  const event = asWardenEvent(envelope);
  switch (event.type) {
    case 'Trading.Order.Placed.v1': {
      const d = event.data;
      const request: OrderRequest = {
        accountId: d.accountId,
        symbol: d.symbol,
        side: d.side,
        type: d.type,
        quantity: d.quantity,
        ...(d.limitPrice !== undefined ? { limitPrice: d.limitPrice } : {}),
        ...(d.stopPrice !== undefined ? { stopPrice: d.stopPrice } : {}),
        reduceOnly: d.reduceOnly,
        clientOrderId: d.clientOrderId,
        intent: d.intent,
      };
      const cause = {
        ...(event.causationId !== undefined ? { causationId: event.causationId } : {}),
        ...(event.correlationId !== undefined ? { correlationId: event.correlationId } : {}),
      };
      const meta: OrderMeta = {
        intent: d.intent,
        ...(isCloseReason(d.reason) ? { reason: d.reason } : {}),
        ...(d.positionId !== undefined ? { positionId: d.positionId } : {}),
        ...(Object.keys(cause).length > 0 ? { cause } : {}),
      };
      const others = memory.orders.filter((o) => !sameOrder(o.request, d.accountId, d.clientOrderId));
      return { ...memory, orders: [...others, { request, meta, placedEventId: event.id, fillIds: [] }] };
    }
    case 'Trading.Order.Filled.v1': {
      const d = event.data;
      const order = memory.orders.find((o) => sameOrder(o.request, d.accountId, d.clientOrderId));
      if (order === undefined) {
        return { ...memory, recentFills: bounded([...memory.recentFills, d], recentFills) };
      }
      const updated = { ...order, fillIds: [...order.fillIds, d.fillId] };
      if (d.remainingQuantity > 0) {
        return { ...memory, orders: memory.orders.map((o) => (o === order ? updated : o)) };
      }
      return dropped(memory, updated, recentFills);
    }
    case 'Trading.Order.Cancelled.v1':
    case 'Trading.Order.Rejected.v1': {
      const d = event.data;
      const order = memory.orders.find((o) => sameOrder(o.request, d.accountId, d.clientOrderId));
      return order === undefined ? memory : dropped(memory, order, recentFills);
    }
    default:
      return memory;
  }
}

function dropped(memory: OrderMemory, order: RememberedOrder, recentFills: number): OrderMemory {
  const fills = order.fillIds.map((fillId) => ({ accountId: order.request.accountId, fillId }));
  return {
    ...memory,
    orders: memory.orders.filter(
      (o) => !sameOrder(o.request, order.request.accountId, order.request.clientOrderId),
    ),
    recentFills: bounded([...memory.recentFills, ...fills], recentFills),
  };
}

function sameOrder(request: OrderRequest, accountId: string, clientOrderId: string): boolean {
  return request.accountId === accountId && request.clientOrderId === clientOrderId;
}

function bounded(fills: readonly RememberedFill[], max: number): RememberedFill[] {
  const kept = fills.map((f) => ({ accountId: f.accountId, fillId: f.fillId }));
  return kept.length > max ? kept.slice(kept.length - max) : kept;
}

function isCloseReason(reason: string | undefined): reason is CloseReason {
  return reason !== undefined && (CLOSE_REASONS as readonly string[]).includes(reason);
}
