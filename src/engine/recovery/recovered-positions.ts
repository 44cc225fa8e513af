import { asWardenEvent, type PayloadOfType } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import { type HeldEdge, heldEdgeOf } from '../../domain/monitoring/edge.ts';
import { ONCE_TAG } from '../../domain/monitoring/profile.ts';
import type { TriggerMemory } from '../../domain/monitoring/types.ts';
import { applyLevelChange, levelChangeOf } from '../../domain/position-fold.ts';
import type { PendingStage } from '../monitor.ts';
import type { InitialPosition } from '../trading.ts';

/** An open position as a snapshot keeps it: enough to watch it again exactly where it was. */
export interface RecoveredPosition extends InitialPosition {
  /** Trigger memory: once-levels fired, approach zones latched, trailing peak. */
  readonly memory?: TriggerMemory;
  /** Time decay already fired. */
  readonly decayed?: boolean;
  /** Candle-close management: close time of the last candle the policy was consulted at. */
  readonly managedThrough?: number;
  /** Exit stages reached whose exit had not been sent. */
  readonly pendingStages?: readonly PendingStage[];
  /** The position's known edge, for its edge exits. */
  readonly edge?: HeldEdge;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const FRESH: TriggerMemory = { fired: [], stopApproachLatched: false, targetApproachLatched: false };

function attrsOf(
  d: Readonly<PayloadOfType<'Trading.Position.Opened.v1'>>,
): NonNullable<InitialPosition['attrs']> {
  return {
    ...(d.stopPrice !== undefined ? { stopPrice: d.stopPrice } : {}),
    ...(d.targetPrice !== undefined ? { targetPrice: d.targetPrice } : {}),
    ...(d.profile !== undefined ? { profile: d.profile } : {}),
  };
}

/**
 * Replays the tail of the log onto a snapshot's positions: the positions opened, resized,
 * modified and closed since, and the trigger memory the events show (milestones fired, approach
 * zones entered, trailing peaks, time decay, exit stages reached and whether their exit was sent).
 * Pure: the same snapshot and tail give the same positions. Memory that no event shows (a zone
 * re-armed) is as of the snapshot.
 */
export function recoverPositions(
  snapshot: readonly RecoveredPosition[],
  tail: Iterable<Envelope>,
): RecoveredPosition[] {
  const open = new Map<string, Mutable<RecoveredPosition>>();
  for (const p of snapshot) open.set(p.id, { ...p });
  const memoryOf = (p: Mutable<RecoveredPosition>): Mutable<TriggerMemory> => {
    const m = { ...(p.memory ?? FRESH), fired: [...(p.memory ?? FRESH).fired] };
    p.memory = m;
    return m;
  };
  /** Close times of the candles in the tail, by event id, for the decisions they caused. */
  const candles = new Map<string, number>();
  for (const envelope of tail) {
    const e = asWardenEvent(envelope);
    if (e.type === 'Market.Candle.Closed.v1') {
      candles.set(e.id, Date.parse(e.data.closeTime));
      continue;
    }
    // Only events about a position move it; an unknown type (an older log) falls to the default.
    const id = envelope.data.positionId;
    if (typeof id !== 'string') continue;
    const p = open.get(id);
    switch (e.type) {
      case 'Trading.Position.Opened.v1': {
        const d = e.data;
        open.set(id, {
          id,
          accountId: d.accountId,
          symbol: d.symbol,
          side: d.side,
          quantity: d.quantity,
          entryPrice: d.entryPrice,
          openedAt: Date.parse(d.openedAt),
          attrs: attrsOf(d),
        });
        break;
      }
      case 'Trading.Position.Increased.v1':
        if (p !== undefined) {
          p.quantity = e.data.quantity;
          p.entryPrice = e.data.entryPrice;
        }
        break;
      case 'Trading.Position.Reduced.v1':
        if (p !== undefined) p.quantity = e.data.quantity;
        break;
      case 'Trading.Position.Modified.v1': {
        if (p === undefined) break;
        const change = levelChangeOf(e);
        if (change.trailing !== undefined) memoryOf(p).trailing = { ...change.trailing };
        if (change.stop === undefined && change.target === undefined) break;
        // A new level clears what the index latched for the old one, as the index's own setters do.
        const stopMoved = change.stop !== undefined && change.stop.to !== p.attrs?.stopPrice;
        const targetMoved = change.target !== undefined && change.target.to !== p.attrs?.targetPrice;
        if (stopMoved && p.memory !== undefined)
          p.memory = { ...p.memory, stopApproachLatched: false, stopHitLatched: false };
        if (targetMoved && p.memory !== undefined)
          p.memory = { ...p.memory, targetApproachLatched: false, targetHitLatched: false };
        p.attrs = applyLevelChange({ ...p.attrs }, change);
        break;
      }
      case 'Position.Profit.MilestoneReached.v1':
        if (p !== undefined) {
          const key = `${ONCE_TAG.milestone}@${e.data.milestonePct}`;
          const m = memoryOf(p);
          if (!m.fired.includes(key)) m.fired = [...m.fired, key];
        }
        break;
      case 'Position.Exit.StageReached.v1':
        if (p !== undefined) {
          const d = e.data;
          const key = `${d.stage}@${d.levelPct}`;
          const m = memoryOf(p);
          if (!m.fired.includes(key)) m.fired = [...m.fired, key];
          p.pendingStages = [
            ...(p.pendingStages ?? []),
            {
              tag: d.stage,
              quantity: d.exitQuantity,
              eventId: e.id,
              correlationId: e.correlationId ?? e.id,
            },
          ];
        }
        break;
      case 'Trading.Order.Placed.v1': {
        // A stage whose exit order went out is no longer waiting; the profit target's takes the
        // stages it superseded with it.
        const stages = p?.pendingStages;
        if (p === undefined || stages === undefined || e.data.intent !== 'exit') break;
        const sent = stages.find((s) => s.eventId === e.causationId);
        if (sent === undefined) break;
        p.pendingStages = sent.tag === ONCE_TAG.profitTarget ? [] : stages.filter((s) => s !== sent);
        break;
      }
      // The index keeps these latches only where the exit is off; an acting hit fires again.
      case 'Position.StopLoss.Hit.v1':
        if (p !== undefined && e.data.stopPrice === p.attrs?.stopPrice) memoryOf(p).stopHitLatched = true;
        break;
      case 'Position.TakeProfit.Hit.v1':
        if (p !== undefined && e.data.targetPrice === p.attrs?.targetPrice)
          memoryOf(p).targetHitLatched = true;
        break;
      case 'Position.Stop.Approaching.v1':
        if (p !== undefined) memoryOf(p).stopApproachLatched = true;
        break;
      case 'Position.Target.Approaching.v1':
        if (p !== undefined) memoryOf(p).targetApproachLatched = true;
        break;
      case 'Position.Edge.Updated.v1':
        // An edge for the other side was judged once; only the position's own is followed.
        if (p !== undefined && e.data.opposite !== true) p.edge = heldEdgeOf(e.data);
        break;
      case 'Position.Time.Decayed.v1':
        if (p !== undefined) p.decayed = true;
        break;
      case 'Agent.Decision.Made.v1': {
        const closed = e.causationId === undefined ? undefined : candles.get(e.causationId);
        if (p !== undefined && e.data.trigger === 'Market.Candle.Closed.v1' && closed !== undefined)
          p.managedThrough = Math.max(p.managedThrough ?? 0, closed);
        break;
      }
      case 'Trading.Position.Closed.v1':
        open.delete(id);
        break;
    }
  }
  return [...open.values()];
}
