import type { Envelope } from '../domain/events/envelope.ts';
import type { Instrument } from '../domain/instrument.ts';
import type { MonitorProfile } from '../domain/monitoring/profile.ts';
import type { Position } from '../domain/position.ts';

export const DECISION_ACTIONS = ['HOLD', 'CLOSE', 'REDUCE', 'ADJUST_STOP', 'ADJUST_TARGET'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

/** What a policy answers. */
export interface Decision {
  readonly action: DecisionAction;
  /** 0..1. */
  readonly confidence: number;
  readonly reasoning: string;
  readonly details?: {
    readonly newStopPrice?: number;
    readonly newTargetPrice?: number;
    /** REDUCE: the share of the open quantity to exit, 0 < f < 1. */
    readonly reduceFraction?: number;
  };
}

/** Everything a policy may look at to decide about one event of one position. */
export interface DecisionContext {
  /** The HIGH or MEDIUM event being decided on. */
  readonly event: Envelope;
  readonly position: Position;
  readonly instrument: Instrument;
  readonly profile: MonitorProfile;
  /** The price the event fired at. */
  readonly price: number;
  readonly pnlPct: number;
  /** Engine time, epoch ms. */
  readonly now: number;
}

/**
 * Decides what to do about a HIGH or MEDIUM event: the deterministic rules policy, the monitor-only
 * hold policy, or (later) an LLM. CRITICAL events never wait for a policy. Whatever a policy
 * answers passes guardrails before it acts: a stop never widens, size never grows.
 */
export interface DecisionPolicy {
  /** Policy name as recorded on `Agent.Decision.Made.v1`, e.g. `rules`. */
  readonly name: string;
  /** Answers for one event. Must not throw for a well-formed context; a failure falls back to HOLD. */
  decide(context: DecisionContext): Promise<Decision>;
}
