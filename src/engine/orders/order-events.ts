import {
  OrderCancelledV1,
  OrderDeniedV1,
  OrderFilledV1,
  OrderPlacedV1,
  OrderRejectedV1,
} from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import type { Fill, Order, OrderIntent, OrderRequest } from '../../domain/order.ts';
import type { ExecutionReport } from '../../ports/venue.ts';
import type { Cause, EventFactory } from '../event-factory.ts';
import type { OrderDenial, OrderMeta } from '../trading.ts';

/** `Trading.Order.Placed.v1` of a request; `shown` overrides the intent and reason of its meta. */
export function placedEvent(
  events: EventFactory,
  request: OrderRequest,
  meta: OrderMeta,
  shown: { readonly intent?: OrderIntent; readonly reason?: string } = {},
): Envelope {
  const reason = shown.reason ?? meta.reason;
  return events.create(
    OrderPlacedV1,
    request.accountId,
    {
      accountId: request.accountId,
      symbol: request.symbol,
      clientOrderId: request.clientOrderId,
      side: request.side,
      type: request.type,
      quantity: request.quantity,
      ...(request.limitPrice !== undefined ? { limitPrice: request.limitPrice } : {}),
      ...(request.stopPrice !== undefined ? { stopPrice: request.stopPrice } : {}),
      reduceOnly: request.reduceOnly ?? false,
      intent: shown.intent ?? meta.intent,
      ...(meta.positionId !== undefined ? { positionId: meta.positionId } : {}),
      ...(reason !== undefined ? { reason } : {}),
    },
    meta.cause,
  );
}

/** `Risk.Order.Denied.v1`: the pre-trade gate refused the request. */
export function deniedEvent(
  events: EventFactory,
  request: OrderRequest,
  meta: OrderMeta,
  denial: OrderDenial,
): Envelope {
  return events.create(
    OrderDeniedV1,
    request.accountId,
    {
      accountId: request.accountId,
      symbol: request.symbol,
      reason: denial.reason,
      message: denial.message,
      side: request.side,
      quantity: request.quantity,
    },
    meta.cause,
  );
}

/** `Trading.Order.Rejected.v1` of a request the venue refused when it was placed or replaced. */
export function rejectedEvent(
  events: EventFactory,
  request: OrderRequest,
  reason: string,
  message: string,
  cause: Cause,
): Envelope {
  const { accountId, symbol, clientOrderId } = request;
  return events.create(
    OrderRejectedV1,
    accountId,
    { accountId, symbol, clientOrderId, reason, message },
    cause,
  );
}

/** `Trading.Order.Filled.v1` of a fill, with the order's filled and remaining quantities. */
export function filledEvent(events: EventFactory, fill: Fill, order: Order, cause: Cause): Envelope {
  return events.create(
    OrderFilledV1,
    fill.accountId,
    {
      accountId: fill.accountId,
      symbol: fill.symbol,
      clientOrderId: fill.clientOrderId,
      venueOrderId: fill.venueOrderId,
      fillId: fill.fillId,
      side: fill.side,
      quantity: fill.quantity,
      price: fill.price,
      fee: fill.fee,
      filledQuantity: order.filledQuantity,
      remainingQuantity: Math.max(0, order.quantity - order.filledQuantity),
    },
    cause,
  );
}

/** `Trading.Order.Cancelled.v1` or `.Rejected.v1` of a cancel or late rejection the venue reported. */
export function endedEvent(
  events: EventFactory,
  report: Exclude<ExecutionReport, { readonly kind: 'fill' }>,
  cause: Cause,
): Envelope {
  const { accountId, symbol, clientOrderId } = report.order;
  if (report.kind === 'cancelled') {
    return events.create(
      OrderCancelledV1,
      accountId,
      { accountId, symbol, clientOrderId, venueOrderId: report.order.venueOrderId, reason: report.reason },
      cause,
    );
  }
  return events.create(
    OrderRejectedV1,
    accountId,
    { accountId, symbol, clientOrderId, reason: report.reason, message: report.message },
    cause,
  );
}
