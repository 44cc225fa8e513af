import type { Order } from '../../domain/order.ts';
import type { Position } from '../../domain/position.ts';
import type { VenuePosition } from '../../ports/venue.ts';

/** How Warden's view of an account and the venue's disagree after a restart. */
export type DiscrepancyKind =
  /** Warden watches a position the venue no longer holds (closed outside Warden). */
  | 'POSITION_MISSING_AT_VENUE'
  /** The venue holds a position Warden does not know (opened outside Warden). */
  | 'POSITION_UNKNOWN_TO_WARDEN'
  /** Both hold the symbol, with another side or quantity. */
  | 'POSITION_MISMATCH'
  /** The venue has a working order Warden did not place or does not remember. */
  | 'ORDER_UNKNOWN_TO_WARDEN';

export interface Discrepancy {
  readonly kind: DiscrepancyKind;
  readonly accountId: string;
  readonly symbol: string;
  /** Warden's view (null when Warden has nothing). */
  readonly warden: Readonly<Record<string, unknown>> | null;
  /** The venue's view (null when the venue has nothing). */
  readonly venue: Readonly<Record<string, unknown>> | null;
}

const viewOf = (p: Position) => ({
  positionId: p.id,
  side: p.side,
  quantity: p.quantity,
  entryPrice: p.entryPrice,
});
const venueViewOf = (p: VenuePosition) => ({ side: p.side, quantity: p.quantity, entryPrice: p.entryPrice });

/**
 * Compares one account's positions as Warden recovered them with the venue's, symbol by symbol,
 * and the venue's working orders with the client order ids Warden knows. Pure; in symbol order.
 */
export function reconcileAccount(
  accountId: string,
  warden: readonly Position[],
  venue: readonly VenuePosition[],
  venueOrders: readonly Order[] = [],
  knownOrders: ReadonlySet<string> = new Set(),
): Discrepancy[] {
  const out: Discrepancy[] = [];
  const mine = new Map(warden.map((p) => [p.symbol, p]));
  const theirs = new Map(venue.map((p) => [p.symbol, p]));
  const symbols = [...new Set([...mine.keys(), ...theirs.keys()])].sort();
  for (const symbol of symbols) {
    const w = mine.get(symbol);
    const v = theirs.get(symbol);
    if (w !== undefined && v === undefined) {
      out.push({ kind: 'POSITION_MISSING_AT_VENUE', accountId, symbol, warden: viewOf(w), venue: null });
    } else if (w === undefined && v !== undefined) {
      out.push({
        kind: 'POSITION_UNKNOWN_TO_WARDEN',
        accountId,
        symbol,
        warden: null,
        venue: venueViewOf(v),
      });
    } else if (w !== undefined && v !== undefined && (w.side !== v.side || w.quantity !== v.quantity)) {
      out.push({ kind: 'POSITION_MISMATCH', accountId, symbol, warden: viewOf(w), venue: venueViewOf(v) });
    }
  }
  for (const o of venueOrders) {
    if (knownOrders.has(o.clientOrderId)) continue;
    out.push({
      kind: 'ORDER_UNKNOWN_TO_WARDEN',
      accountId,
      symbol: o.symbol,
      warden: null,
      venue: {
        clientOrderId: o.clientOrderId,
        side: o.side,
        type: o.type,
        quantity: o.quantity,
        filledQuantity: o.filledQuantity,
        ...(o.limitPrice !== undefined ? { limitPrice: o.limitPrice } : {}),
        ...(o.stopPrice !== undefined ? { stopPrice: o.stopPrice } : {}),
      },
    });
  }
  return out;
}
