import { AlertTriggeredV1 } from '../../domain/events/catalog.ts';
import { causedBy, type EventFactory } from '../../engine/event-factory.ts';
import type { Discrepancy } from '../../engine/recovery/reconcile.ts';
import type { Clock } from '../../ports/clock.ts';
import type { IdGenerator } from '../../ports/ids.ts';
import type { Composition } from '../compose.ts';

/**
 * Records a discrepancy between Warden and the venue as `Risk.Alert.Triggered.v1` with both views,
 * and corrects Warden to the venue's view: a position the venue no longer holds is closed
 * `MANUAL`, one Warden did not know is adopted and watched, a mismatch is both.
 */
export function correctToVenue(
  c: Composition,
  d: Discrepancy,
  deps: { readonly events: EventFactory; readonly ids: IdGenerator; readonly clock: Clock },
): void {
  const alert = deps.events.create(AlertTriggeredV1, d.accountId, {
    accountId: d.accountId,
    code: d.kind,
    severity: d.kind === 'ORDER_UNKNOWN_TO_WARDEN' ? 'warning' : 'critical',
    message: discrepancyMessage(d),
    symbol: d.symbol,
    ...(d.warden !== null && typeof d.warden.positionId === 'string'
      ? { positionId: d.warden.positionId }
      : {}),
    details: { warden: d.warden, venue: d.venue },
  });
  c.emit(alert);
  const cause = causedBy(alert);
  if (d.kind === 'POSITION_MISSING_AT_VENUE' || d.kind === 'POSITION_MISMATCH') {
    const id = String(d.warden?.positionId);
    const p = c.engine.positionById(id);
    const price = c.engine.lastTick(d.symbol)?.price ?? p?.entryPrice ?? Number(d.warden?.entryPrice);
    c.engine.forget(id, price, 'MANUAL', cause);
  }
  if (d.kind === 'POSITION_UNKNOWN_TO_WARDEN' || d.kind === 'POSITION_MISMATCH') {
    const v = d.venue!;
    c.engine.adopt(
      {
        id: `venue-${deps.ids.next()}`,
        accountId: d.accountId,
        symbol: d.symbol,
        side: v.side === 'short' ? 'short' : 'long',
        quantity: Number(v.quantity),
        entryPrice: Number(v.entryPrice),
        openedAt: deps.clock.now(),
      },
      'venue',
      cause,
    );
  }
}

/** One line for a person about a discrepancy and what was done about it. */
export function discrepancyMessage(d: Discrepancy): string {
  const w = d.warden;
  const v = d.venue;
  switch (d.kind) {
    case 'POSITION_MISSING_AT_VENUE':
      return `${d.accountId} ${d.symbol}: Warden had ${w?.side} ${w?.quantity} (${w?.positionId}), the venue holds nothing; closed in Warden (closed outside Warden while it was down)`;
    case 'POSITION_UNKNOWN_TO_WARDEN':
      return `${d.accountId} ${d.symbol}: the venue holds ${v?.side} ${v?.quantity} @ ${v?.entryPrice} that Warden did not know; now watched`;
    case 'POSITION_MISMATCH':
      return `${d.accountId} ${d.symbol}: Warden had ${w?.side} ${w?.quantity}, the venue holds ${v?.side} ${v?.quantity}; corrected to the venue`;
    case 'ORDER_UNKNOWN_TO_WARDEN':
      return `${d.accountId} ${d.symbol}: the venue has a working order ${v?.clientOrderId} Warden did not place; left working`;
  }
}
