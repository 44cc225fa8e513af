import type { Envelope } from '../../domain/events/envelope.ts';
import type { Instrument } from '../../domain/instrument.ts';
import { ONCE_TAG } from '../../domain/monitoring/profile.ts';
import type { FiredTrigger } from '../../domain/monitoring/types.ts';
import type { Position } from '../../domain/position.ts';
import { type Cause, causedBy, type EventFactory } from '../event-factory.ts';
import { type ExitCondition, resolveConflict } from '../execution/exit-table.ts';
import { stageReachedEvent } from '../monitor-events.ts';
import type { IndexUpkeep } from './index-upkeep.ts';
import type { ExitExecutor, PendingStage, Watched } from './types.ts';

/** What the exit stages need: the watched positions, the event factory and the execution service. */
export interface ExitStagesDeps {
  readonly upkeep: IndexUpkeep;
  readonly events: EventFactory;
  readonly emit: (envelope: Envelope) => void;
  readonly execution: ExitExecutor;
  readonly positionById: (id: string) => Position | undefined;
}

const causeOf = (s: PendingStage): Cause => ({ causationId: s.eventId, correlationId: s.correlationId });
const conditionOf = (s: PendingStage): ExitCondition =>
  s.tag === ONCE_TAG.profitTarget ? 'profit_target' : 'partial_exit_target';

/**
 * Staged exits (MEDIUM): the partial exit stages and the profit target a profile switched on. A
 * stage reached is recorded and queued on its position's watch entry, and its exit goes as soon
 * as no other exit of the position is working, one at a time and in order.
 */
export class ExitStages {
  /** Positions with exit stages waiting, so a tick of their symbol can send the next one. */
  private readonly waiting = new Set<string>();

  constructor(private readonly deps: ExitStagesDeps) {}

  /** A position was put under watch: stages a restart handed it wait for the symbol's next tick. */
  track(positionId: string, w: Watched): void {
    if (w.stages.length > 0) this.waiting.add(positionId);
  }

  /** A position is no longer watched. */
  forget(positionId: string): void {
    this.waiting.delete(positionId);
  }

  /** After a tick's triggers: the waiting stages of the tick's symbol get their turn. */
  onTick(symbol: string): void {
    if (this.waiting.size === 0) return;
    for (const id of this.waiting) if (this.deps.upkeep.get(id)?.symbol === symbol) this.send(id);
  }

  /**
   * An exit stage was reached: it is recorded (`Position.Exit.StageReached.v1`) and queued, and
   * goes as soon as no other exit of the position is working. Every stage exits its fraction of
   * the opening quantity once, in order, also when one tick gaps through several.
   */
  reached(position: Position, instrument: Instrument, w: Watched, fired: FiredTrigger): void {
    const tag = fired.tag!;
    let quantity = position.quantity;
    if (tag !== ONCE_TAG.profitTarget) {
      const stage = Number(tag.slice(tag.indexOf(':') + 1));
      const fraction = w.profile.exits.partialExits.stages[stage]?.fraction ?? 0;
      quantity = Math.min(position.quantity, w.initialQuantity * fraction);
    }
    if (!(quantity > 0)) return;
    const event = stageReachedEvent(this.deps.events, fired, position, instrument, quantity);
    this.deps.emit(event);
    const cause = causedBy(event);
    w.stages.push({ tag, quantity, eventId: event.id, correlationId: cause.correlationId ?? event.id });
    // Sent after the tick's other triggers, so that stages reached together are judged together.
    this.waiting.add(position.id);
  }

  /**
   * Sends the next waiting exit stage of a position unless an exit of it is working. The profit
   * target supersedes every stage not sent yet: it closes the position, and the stages it made
   * moot are recorded as its conflicting triggers.
   */
  send(positionId: string): void {
    const w = this.deps.upkeep.get(positionId);
    if (w === undefined || w.stages.length === 0) {
      this.waiting.delete(positionId);
      return;
    }
    this.waiting.add(positionId);
    const execution = this.deps.execution;
    if (execution.isExiting(positionId)) return;
    const position = this.deps.positionById(positionId);
    if (position === undefined) return;
    // Equal priority (MEDIUM): the exit table's order makes the profit target win over the stages.
    const { winner, conflicting } = resolveConflict(w.stages.map(conditionOf))!;
    if (winner === 'profit_target') {
      const profitTarget = w.stages.find((s) => s.tag === ONCE_TAG.profitTarget)!;
      w.stages.length = 0;
      this.waiting.delete(positionId);
      execution.exit({
        position,
        condition: 'profit_target',
        cause: causeOf(profitTarget),
        ...(conflicting.length > 0 ? { conflicting } : {}),
      });
      return;
    }
    while (w.stages.length > 0) {
      const stage = w.stages.shift()!;
      const quantity = Math.min(position.quantity, stage.quantity);
      if (execution.exit({ position, quantity, condition: 'partial_exit_target', cause: causeOf(stage) }))
        break;
    }
    if (w.stages.length === 0) this.waiting.delete(positionId);
  }
}
