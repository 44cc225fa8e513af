import type { Fill, OrderRequest } from '../../domain/order.ts';
import type { OrderMeta } from '../trading.ts';
import { type OrderMemory, RECENT_FILLS, type RememberedOrder } from './order-memory.ts';

/** An order Warden placed, while it can still be reported on. */
export interface TrackedOrder {
  readonly request: OrderRequest;
  readonly meta: OrderMeta;
  placedEventId?: string;
  /** The venue refused it; the same client order id may be placed again as a new order. */
  rejected?: boolean;
  /** Fill ids booked for it. */
  readonly fillIds: Set<string>;
  /** Placement calls under way. */
  placing: number;
  /** The last placement call failed without an answer: its caller may retry the same id. */
  retryable: boolean;
  /** The venue reported it filled, cancelled or rejected. */
  finished: boolean;
}

/**
 * The order gateway's memory: the orders Warden placed and has not finished with, the fill ids
 * booked for each, and the fill ids of the last finished and foreign orders (bounded), so a fill
 * reported twice is booked once. An order is dropped once the venue finished it, unless a
 * placement of it is under way or may be retried with the same client order id.
 */
export class TrackedOrders {
  private readonly orders = new Map<string, TrackedOrder>();
  /** Fill keys of finished and foreign orders, oldest first. */
  private readonly recent = new Set<string>();

  constructor(private readonly recentMax: number = RECENT_FILLS) {}

  get(accountId: string, clientOrderId: string): TrackedOrder | undefined {
    return this.orders.get(orderKey(accountId, clientOrderId));
  }

  /** Starts tracking a new order (one placed again after a rejection replaces the old one). */
  add(request: OrderRequest, meta: OrderMeta): TrackedOrder {
    const tracked: TrackedOrder = {
      request,
      meta,
      fillIds: new Set(),
      placing: 0,
      retryable: false,
      finished: false,
    };
    this.orders.set(orderKey(request.accountId, request.clientOrderId), tracked);
    return tracked;
  }

  /**
   * True the first time a fill id is reported, and remembers it: for its order while tracked,
   * else among the recent fills.
   */
  firstSeen(tracked: TrackedOrder | undefined, fill: Fill): boolean {
    const key = fillKey(fill.accountId, fill.fillId);
    if (this.recent.has(key)) return false;
    if (tracked === undefined) {
      this.remember(key);
      return true;
    }
    if (tracked.fillIds.has(fill.fillId)) return false;
    tracked.fillIds.add(fill.fillId);
    return true;
  }

  /** Drops an order the venue finished, unless a placement of it is under way or may be retried. */
  pruneIfDone(tracked: TrackedOrder): void {
    if (!tracked.finished || tracked.placing > 0 || tracked.retryable) return;
    const key = orderKey(tracked.request.accountId, tracked.request.clientOrderId);
    if (this.orders.get(key) !== tracked) return;
    this.orders.delete(key);
    for (const id of tracked.fillIds) this.remember(fillKey(tracked.request.accountId, id));
  }

  /** How many orders are tracked (for tests and metrics). */
  get size(): number {
    return this.orders.size;
  }

  /** Plain JSON, detached from the live state. */
  memory(): OrderMemory {
    const orders: RememberedOrder[] = [];
    for (const t of this.orders.values()) {
      if (t.rejected === true) continue;
      orders.push({
        request: t.request,
        meta: t.meta,
        ...(t.placedEventId !== undefined ? { placedEventId: t.placedEventId } : {}),
        fillIds: [...t.fillIds],
        ...(t.finished ? { finished: true } : {}),
      });
    }
    const recentFills = [...this.recent].map((key) => {
      const [accountId, fillId] = key.split('\u0000') as [string, string];
      return { accountId, fillId };
    });
    return structuredClone({ version: 1, orders, recentFills });
  }

  /** Takes back what `memory()` gave, on top of what is tracked now. */
  restore(memory: OrderMemory): void {
    for (const o of structuredClone(memory.orders)) {
      this.orders.set(orderKey(o.request.accountId, o.request.clientOrderId), {
        request: o.request,
        meta: o.meta,
        ...(o.placedEventId !== undefined ? { placedEventId: o.placedEventId } : {}),
        fillIds: new Set(o.fillIds),
        placing: 0,
        retryable: o.finished === true,
        finished: o.finished === true,
      });
    }
    for (const f of memory.recentFills) this.remember(fillKey(f.accountId, f.fillId));
  }

  private remember(key: string): void {
    this.recent.delete(key);
    this.recent.add(key);
    if (this.recent.size > this.recentMax) this.recent.delete(this.recent.values().next().value!);
  }
}

function orderKey(accountId: string, clientOrderId: string): string {
  return `${accountId}\u0000${clientOrderId}`;
}

function fillKey(accountId: string, fillId: string): string {
  return `${accountId}\u0000${fillId}`;
}
