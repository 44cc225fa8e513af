import type { AccountFillResult } from '../../domain/account.ts';
import {
  type CloseReason,
  PositionClosedV1,
  PositionIncreasedV1,
  PositionOpenedV1,
  PositionReducedV1,
} from '../../domain/events/catalog.ts';
import { type Envelope, isoTime } from '../../domain/events/envelope.ts';
import { moneyString } from '../../domain/money.ts';
import type { Fill } from '../../domain/order.ts';
import type { Position } from '../../domain/position.ts';
import type { Cause, EventFactory } from '../event-factory.ts';
import type { OrderMeta } from '../trading.ts';

/** The fields every position event starts with. */
export function positionRef(p: Position) {
  return { positionId: p.id, accountId: p.accountId, symbol: p.symbol, side: p.side };
}

/** `Trading.Position.Opened.v1` of a position, from a fill or loaded from config or the venue. */
export function openedEvent(
  events: EventFactory,
  position: Position,
  source: 'fill' | 'config' | 'venue',
  cause: Cause = {},
  clientOrderId?: string,
): Envelope {
  return events.create(
    PositionOpenedV1,
    position.accountId,
    {
      ...positionRef(position),
      quantity: position.quantity,
      entryPrice: position.entryPrice,
      ...(position.stopPrice !== undefined ? { stopPrice: position.stopPrice } : {}),
      ...(position.targetPrice !== undefined ? { targetPrice: position.targetPrice } : {}),
      ...(position.profile !== undefined ? { profile: position.profile } : {}),
      openedAt: isoTime(position.openedAt),
      source,
      ...(clientOrderId !== undefined ? { clientOrderId } : {}),
    },
    cause,
  );
}

/** `Trading.Position.Closed.v1` of a position closed outside Warden: its PnL is unknown here. */
export function forgottenEvent(
  events: EventFactory,
  p: Position,
  exitPrice: number,
  reason: CloseReason,
  cause: Cause,
): Envelope {
  return events.create(
    PositionClosedV1,
    p.accountId,
    {
      ...positionRef(p),
      reason,
      quantity: p.quantity,
      entryPrice: p.entryPrice,
      exitPrice,
      realizedPnl: '0',
      openedAt: isoTime(p.openedAt),
    },
    cause,
  );
}

/**
 * Emits the position events of a fill applied to its account: Opened, Increased, Reduced, or
 * Closed (with the exit's reason, `MANUAL` for an order Warden did not place as an exit) and, on
 * a fill through flat, Opened for the new side. Each is built just before it is emitted, so a
 * follower's own events come between them as they happen.
 */
export function emitFillEffect(
  events: EventFactory,
  emit: (envelope: Envelope) => void,
  result: AccountFillResult,
  fill: Fill,
  meta: OrderMeta,
  cause: Cause,
): void {
  const effect = result.effect;
  switch (effect.kind) {
    case 'opened':
      emit(openedEvent(events, effect.position, 'fill', cause, fill.clientOrderId));
      return;
    case 'increased': {
      const p = effect.position;
      emit(
        events.create(
          PositionIncreasedV1,
          p.accountId,
          {
            ...positionRef(p),
            addedQuantity: fill.quantity,
            fillPrice: fill.price,
            quantity: p.quantity,
            entryPrice: p.entryPrice,
          },
          cause,
        ),
      );
      return;
    }
    case 'reduced': {
      const p = effect.position;
      emit(
        events.create(
          PositionReducedV1,
          p.accountId,
          {
            ...positionRef(p),
            reducedQuantity: effect.quantity,
            quantity: p.quantity,
            exitPrice: fill.price,
            realizedPnl: moneyString(effect.realized),
            clientOrderId: fill.clientOrderId,
          },
          cause,
        ),
      );
      return;
    }
    case 'closed':
    case 'flipped': {
      const p = effect.closed;
      emit(
        events.create(
          PositionClosedV1,
          p.accountId,
          {
            ...positionRef(p),
            reason: meta.reason ?? 'MANUAL',
            quantity: effect.quantity,
            entryPrice: p.entryPrice,
            exitPrice: fill.price,
            realizedPnl: moneyString(p.realizedPnl),
            openedAt: isoTime(p.openedAt),
            clientOrderId: fill.clientOrderId,
            ...(meta.conflictingTriggers !== undefined && meta.conflictingTriggers.length > 0
              ? { conflictingTriggers: [...meta.conflictingTriggers] }
              : {}),
          },
          cause,
        ),
      );
      if (effect.kind === 'flipped')
        emit(openedEvent(events, effect.position, 'fill', cause, fill.clientOrderId));
      return;
    }
  }
}
