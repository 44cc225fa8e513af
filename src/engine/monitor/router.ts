import type { Envelope } from '../../domain/events/envelope.ts';
import type { Instrument } from '../../domain/instrument.ts';
import { type MonitorProfile, ONCE_TAG } from '../../domain/monitoring/profile.ts';
import type { FiredTrigger, TriggerKind } from '../../domain/monitoring/types.ts';
import type { Position } from '../../domain/position.ts';
import { causedBy } from '../event-factory.ts';
import { type ExitCondition, resolveConflict } from '../execution/exit-table.ts';
import { trailingMoveEvent, triggerEvent } from '../monitor-events.ts';
import type { AgentHandler } from './agent-handler.ts';
import type { ExitStages } from './exit-stages.ts';
import type { IndexUpkeep } from './index-upkeep.ts';
import type { LowSummaries } from './low-summaries.ts';
import type { MonitorOptions } from './types.ts';

/** The hits that exit at once, and the exit condition each one is. */
const HIT_CONDITION: Partial<Record<TriggerKind, ExitCondition>> = {
  STOP_HIT: 'stop_loss',
  LOSS_NO_STOP: 'stop_loss',
  TARGET_HIT: 'take_profit',
  TRAILING_HIT: 'trailing_stop',
};

/** How a trigger is named among an exit's conflicting triggers when it does not act itself. */
const KIND_NAME: Record<TriggerKind, string> = {
  STOP_HIT: 'stop_loss',
  LOSS_NO_STOP: 'stop_loss',
  TARGET_HIT: 'take_profit',
  TRAILING_HIT: 'trailing_stop',
  STOP_APPROACHING: 'stop_approaching',
  TARGET_APPROACHING: 'target_approaching',
  ONCE_LEVEL: 'once_level',
  TRAILING_ACTIVATED: 'trailing_activated',
  TRAILING_MOVED: 'trailing_moved',
};

/** Where the router sends what it routes. */
export interface RouterDeps {
  readonly options: MonitorOptions;
  readonly upkeep: IndexUpkeep;
  /** Exit stages (partial exits, profit target) reached. */
  readonly stages: ExitStages;
  /** HIGH and MEDIUM events. */
  readonly agent: AgentHandler;
  /** LOW events. */
  readonly low: LowSummaries;
}

/**
 * The urgency router: turns a fired trigger into its event and sends it on. Level hits go
 * straight to the execution service (stop loss and take profit are CRITICAL; a trailing stop's hit
 * acts whatever the policy), the exit table settling hits of the same tick; exit stages go to the
 * staged exits, HIGH and MEDIUM events to the agent handler, LOW events to the per-candle summary.
 * A trailing stop's move becomes a `Trading.Position.Modified.v1` and nothing else.
 */
export class UrgencyRouter {
  constructor(private readonly deps: RouterDeps) {}

  /** Handles one trigger the index fired (in the order the tick fired them). */
  onFired(fired: FiredTrigger): void {
    const { options, upkeep } = this.deps;
    const w = upkeep.get(fired.positionId);
    const position = w && options.engine.positionById(fired.positionId);
    if (w === undefined || position === undefined) return;
    const instrument = options.engine.instrument(position.symbol)!;
    if (fired.kind === 'TRAILING_ACTIVATED' || fired.kind === 'TRAILING_MOVED') {
      options.emit(trailingMoveEvent(options.events, fired, position));
      return;
    }
    const event = triggerEvent(options.events, fired, position, instrument, w.profile);
    if (event !== undefined) options.emit(event);
    const cause = event !== undefined ? causedBy(event) : {};
    const hit = HIT_CONDITION[fired.kind];
    if (hit !== undefined) {
      // The profile switched this exit off: the event is raised once, nothing acts, and the index
      // latched the hit until the price comes back (the position was never suspended).
      if (!acts(w.profile, fired.kind)) return;
      // The other hits of the tick: those that act lose by the exit table, the others are named.
      const others = fired.conflicting ?? [];
      const acting = others.filter((k) => acts(w.profile, k)).map((k) => HIT_CONDITION[k]!);
      const { winner, conflicting } = resolveConflict([hit, ...acting])!;
      const named = [...conflicting, ...others.filter((k) => !acts(w.profile, k)).map((k) => KIND_NAME[k])];
      // CRITICAL: no awaiting anything but the venue call inside the execution service.
      options.execution.exit({ position, condition: winner, conflicting: named, cause });
      return;
    }
    if (fired.kind === 'ONCE_LEVEL' && fired.tag !== ONCE_TAG.milestone) {
      this.deps.stages.reached(position, instrument, w, fired);
      return;
    }
    if (event !== undefined) this.route(event, position, instrument, w.profile, fired.price);
  }

  /** HIGH and MEDIUM go to the policy; LOW is counted for the per-candle summary. */
  route(
    event: Envelope,
    position: Position,
    instrument: Instrument,
    profile: MonitorProfile,
    price: number,
  ): void {
    if (event.urgency === 'LOW') {
      this.deps.low.count(position.accountId, event.type);
      return;
    }
    if (event.urgency !== 'HIGH' && event.urgency !== 'MEDIUM') return;
    this.deps.agent.consult(event, position, instrument, profile, price);
  }
}

/** Whether a hit of this kind exits under the profile (stop loss and take profit can be off). */
function acts(profile: MonitorProfile, kind: TriggerKind): boolean {
  if (kind === 'TARGET_HIT') return profile.exits.takeProfit.enabled;
  if (kind === 'STOP_HIT' || kind === 'LOSS_NO_STOP') return profile.exits.stopLoss.enabled;
  return true;
}
