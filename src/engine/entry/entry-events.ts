import {
  AlertTriggeredV1,
  type DeniedReason,
  EdgeUpdatedV1,
  OrderDeniedV1,
} from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import { edgeAt, type HeldEdge } from '../../domain/monitoring/edge.ts';
import type { Position } from '../../domain/position.ts';
import type { Cause, EventFactory } from '../event-factory.ts';
import type { Edge } from './edge.ts';

/**
 * `Position.Edge.Updated.v1`: tells a held position the edge given for its market, for the
 * profile's edge exits. An edge for the other side counts against the position by its value
 * there (`otherSideValue`); one with no value there says nothing about the position (undefined).
 */
export function edgeUpdatedEvent(
  events: EventFactory,
  position: Position,
  edge: Edge,
  price: number,
  cause: Cause,
  otherSideValue?: number,
): Envelope | undefined {
  const opposite = position.side !== edge.side;
  if (opposite && !(otherSideValue !== undefined && otherSideValue > 0)) return undefined;
  const held: HeldEdge = {
    source: edge.source,
    ...(edge.probability !== undefined ? { probability: edge.probability } : {}),
    ...(edge.expectedMove !== undefined ? { expectedMove: edge.expectedMove } : {}),
    ...(edge.confidence !== undefined ? { confidence: edge.confidence } : {}),
    ...(edge.binary !== undefined ? { binary: edge.binary } : {}),
  };
  const value = opposite ? -otherSideValue! : edgeAt(position, held, price);
  return events.create(
    EdgeUpdatedV1,
    position.accountId,
    {
      positionId: position.id,
      accountId: position.accountId,
      symbol: position.symbol,
      side: position.side,
      price,
      ...(value !== undefined ? { edge: round6(value) } : {}),
      opposite,
      ...held,
    },
    cause,
  );
}

/** `Risk.Order.Denied.v1` of an edge the entry flow refused before any order. */
export function entryDeniedEvent(
  events: EventFactory,
  edge: Edge,
  reason: DeniedReason,
  message: string,
  cause: Cause,
): Envelope {
  return events.create(
    OrderDeniedV1,
    edge.accountId,
    {
      accountId: edge.accountId,
      symbol: edge.symbol,
      reason,
      message,
      side: edge.side === 'long' ? 'buy' : 'sell',
    },
    cause,
  );
}

/** `Risk.Alert.Triggered.v1` with code `ENTRY_FAILED` (warning): an entry could not be placed or cancelled. */
export function entryAlertEvent(events: EventFactory, edge: Edge, message: string, cause: Cause): Envelope {
  return events.create(
    AlertTriggeredV1,
    edge.accountId,
    { accountId: edge.accountId, code: 'ENTRY_FAILED', severity: 'warning', message, symbol: edge.symbol },
    cause,
  );
}

/** Rounded to 6 decimals, as edges and Kelly fractions are shown. */
export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
