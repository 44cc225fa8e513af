import {
  ExitStageReachedV1,
  MilestoneReachedV1,
  PositionModifiedV1,
  StopApproachingV1,
  StopLossHitV1,
  TakeProfitHitV1,
  TargetApproachingV1,
  TimeDecayedV1,
  TrailingStopHitV1,
} from '../domain/events/catalog.ts';
import type { Envelope } from '../domain/events/envelope.ts';
import { isoTime } from '../domain/events/envelope.ts';
import type { Instrument } from '../domain/instrument.ts';
import { moneyString } from '../domain/money.ts';
import type { MonitorProfile } from '../domain/monitoring/profile.ts';
import type { FiredTrigger } from '../domain/monitoring/types.ts';
import { type Position, pnlPercent, unrealizedPnl } from '../domain/position.ts';
import type { EventFactory } from './event-factory.ts';

/** Where a position stood when a trigger fired: the fields every monitoring event carries. */
export function triggerFields(position: Position, instrument: Instrument, price: number) {
  return {
    positionId: position.id,
    accountId: position.accountId,
    symbol: position.symbol,
    side: position.side,
    price,
    entryPrice: position.entryPrice,
    quantity: position.quantity,
    pnl: moneyString(unrealizedPnl(position, instrument, price)),
    pnlPct: round6(pnlPercent(position, price)),
  };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * The event a fired trigger raises, or undefined for triggers that are not monitoring events of
 * their own (trailing moves become `Trading.Position.Modified.v1`; exit-stage once-levels act
 * without an event of their own).
 */
export function triggerEvent(
  events: EventFactory,
  fired: FiredTrigger,
  position: Position,
  instrument: Instrument,
  profile: MonitorProfile,
): Envelope | undefined {
  const base = triggerFields(position, instrument, fired.price);
  const key = position.accountId;
  switch (fired.kind) {
    case 'STOP_HIT':
      return events.create(StopLossHitV1, key, { ...base, stopPrice: fired.level ?? position.stopPrice! });
    case 'LOSS_NO_STOP':
      // No stop set: the level is the price where PnL% crossed −noStopLossPct.
      return events.create(StopLossHitV1, key, { ...base, stopPrice: fired.level ?? fired.price });
    case 'TARGET_HIT':
      return events.create(TakeProfitHitV1, key, {
        ...base,
        targetPrice: fired.level ?? position.targetPrice!,
      });
    case 'TRAILING_HIT':
      return events.create(TrailingStopHitV1, key, {
        ...base,
        trailingStopPrice: fired.level ?? fired.trailingStop!,
        peakPrice: fired.peak!,
      });
    case 'STOP_APPROACHING':
      return events.create(StopApproachingV1, key, {
        ...base,
        stopPrice: position.stopPrice!,
        distancePct: round6((Math.abs(fired.price - position.stopPrice!) / fired.price) * 100),
      });
    case 'TARGET_APPROACHING':
      return events.create(TargetApproachingV1, key, {
        ...base,
        targetPrice: position.targetPrice!,
        distancePct: round6((Math.abs(fired.price - position.targetPrice!) / fired.price) * 100),
      });
    case 'ONCE_LEVEL':
      if (fired.tag !== 'milestone') return undefined;
      return events.create(
        MilestoneReachedV1,
        key,
        { ...base, milestonePct: fired.level! },
        {},
        fired.level! >= profile.milestoneHighFromPct ? 'HIGH' : 'MEDIUM',
      );
    default:
      return undefined;
  }
}

/** The `Position.Time.Decayed.v1` of a position open longer than its profile's limit. */
export function timeDecayEvent(
  events: EventFactory,
  position: Position,
  instrument: Instrument,
  price: number,
  now: number,
): Envelope {
  return events.create(TimeDecayedV1, position.accountId, {
    ...triggerFields(position, instrument, price),
    openedAt: isoTime(position.openedAt),
    ageHours: round6((now - position.openedAt) / 3_600_000),
  });
}

/** The `Position.Exit.StageReached.v1` of an exit stage (`tag`) that exits `quantity`. */
export function stageReachedEvent(
  events: EventFactory,
  fired: FiredTrigger,
  position: Position,
  instrument: Instrument,
  quantity: number,
): Envelope {
  return events.create(ExitStageReachedV1, position.accountId, {
    ...triggerFields(position, instrument, fired.price),
    stage: fired.tag!,
    levelPct: fired.level ?? 0,
    exitQuantity: quantity,
  });
}

/**
 * The `Trading.Position.Modified.v1` of a trailing stop that activated or moved with the peak
 * (`source: TRAILING_STOP`: it sits beside the hard stop and changes neither level).
 */
export function trailingMoveEvent(events: EventFactory, fired: FiredTrigger, position: Position): Envelope {
  return events.create(PositionModifiedV1, position.accountId, {
    positionId: position.id,
    accountId: position.accountId,
    symbol: position.symbol,
    side: position.side,
    trailingStopPrice: fired.trailingStop!,
    peakPrice: fired.peak!,
    source: 'TRAILING_STOP',
    reasoning:
      fired.kind === 'TRAILING_ACTIVATED' ? 'trailing stop activated' : 'trailing stop moved with the peak',
  });
}
