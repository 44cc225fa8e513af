import type { Envelope } from '../../domain/events/envelope.ts';
import type { Instrument } from '../../domain/instrument.ts';
import type { HeldEdge } from '../../domain/monitoring/edge.ts';
import type { MonitorProfile } from '../../domain/monitoring/profile.ts';
import type { TriggerMemory } from '../../domain/monitoring/types.ts';
import type { Position } from '../../domain/position.ts';
import type { Clock } from '../../ports/clock.ts';
import type { DecisionContext, DecisionPolicy, PolicyResult } from '../../ports/decision-policy.ts';
import type { DecisionRow } from '../../ports/store.ts';
import type { AccountView } from '../agent/decision-input.ts';
import type { Feed } from '../edge-exits.ts';
import type { Cause, EventFactory } from '../event-factory.ts';
import type { ExitCondition } from '../execution/exit-table.ts';
import type { AccountBook, OrderGateway } from '../trading.ts';

/** What the monitor needs from the execution service. */
export interface ExitExecutor {
  /** Starts an exit; false when one is already working for the position. */
  exit(request: {
    readonly position: Position;
    readonly quantity?: number;
    readonly condition: ExitCondition;
    readonly conflicting?: readonly string[];
    readonly cause?: Cause;
  }): boolean;
  /** Whether an exit of the position is working now. */
  isExiting(positionId: string): boolean;
}

/** What the monitor is built from (the composition root hands it over). */
export interface MonitorOptions {
  readonly clock: Clock;
  readonly events: EventFactory;
  readonly emit: (envelope: Envelope) => void;
  readonly engine: AccountBook & Pick<OrderGateway, 'moveProtectiveStops'>;
  readonly execution: ExitExecutor;
  readonly profiles: ReadonlyMap<string, MonitorProfile>;
  /** The policy of each name a profile can ask for; `rules` is also every other policy's fallback. */
  readonly policies: Readonly<{ rules: RulesFallback; hold: DecisionPolicy; llm?: DecisionPolicy }>;
  /** The account part of a decision's input (the risk engine's view). */
  readonly accountView?: AccountView;
  /** Gets the decisions-table row of every decision (the durable runtime stores it). */
  readonly recordDecision?: (row: DecisionRow) => void;
  /** Profile per account (from its preset) for positions that name none. */
  readonly accountProfiles?: ReadonlyMap<string, string>;
  /** LOW events are counted and summarised per account at each close of this candle interval. */
  readonly lowSummaryInterval?: string;
}

/** What a restart hands a position before it is watched again. */
export interface RestoredMemory {
  readonly triggers?: TriggerMemory;
  readonly decayed?: boolean;
  readonly managedThrough?: number;
  readonly pendingStages?: readonly PendingStage[];
  /** The position's known edge (from its last `Position.Edge.Updated.v1` for its own side). */
  readonly edge?: HeldEdge;
}

/** The rules policy as the monitor needs it: a policy that can also answer synchronously. */
export interface RulesFallback extends DecisionPolicy {
  /** The rules' answer without waiting (the fallback of every other policy). */
  now(context: DecisionContext): PolicyResult;
}

/** An exit stage waiting for its turn: a partial stage or the profit target. */
export interface PendingStage {
  readonly tag: string;
  /** Quantity the stage exits (all of the position for the profit target). */
  readonly quantity: number;
  /** Its `Position.Exit.StageReached.v1`, the cause of its exit. */
  readonly eventId: string;
  readonly correlationId: string;
}

/** A watched position as the monitor's parts share it. */
export interface Watched {
  /** Which index the position is watched in: the price its profile watches. */
  readonly feed: Feed;
  readonly symbol: string;
  readonly profile: MonitorProfile;
  /** Quantity when the position opened, for staged partial exits. */
  readonly initialQuantity: number;
  /** Cancels the pending time decay timer, if one is scheduled. */
  cancelDecay?: () => void;
  /** Candle-close management: the interval the position's policy is consulted at. */
  readonly manage?: { readonly interval: string };
  /** Close time of the last candle a managed position was consulted at. */
  managedThrough: number;
  /** Exit stages reached whose exit has not been sent yet, in the order they were reached. */
  readonly stages: PendingStage[];
}

/** Routes a raised event by its urgency (HIGH and MEDIUM to the policy, LOW to the summary). */
export type RouteEvent = (
  event: Envelope,
  position: Position,
  instrument: Instrument,
  profile: MonitorProfile,
  price: number,
) => void;
