import type { Decision, DecisionInput } from '../domain/agent/decision.ts';
import type { Envelope } from '../domain/events/envelope.ts';
import type { Instrument } from '../domain/instrument.ts';
import type { MonitorProfile } from '../domain/monitoring/profile.ts';
import type { Position } from '../domain/position.ts';

export type { Decision, DecisionAction, DecisionInput } from '../domain/agent/decision.ts';
export { DECISION_ACTIONS } from '../domain/agent/decision.ts';

/** Everything a policy may look at to decide about one event (or candle close) of one position. */
export interface DecisionContext {
  /** The HIGH or MEDIUM event, or the `Market.Candle.Closed.v1` of a managed position. */
  readonly event: Envelope;
  readonly position: Position;
  readonly instrument: Instrument;
  readonly profile: MonitorProfile;
  /** The price the event fired at (the close, for a candle). */
  readonly price: number;
  readonly pnlPct: number;
  /** Engine time, epoch ms. */
  readonly now: number;
  /** The same, as the plain JSON a prompt is built from and the decisions table keeps. */
  readonly input: DecisionInput;
}

/** A policy's answer with what it cost and where it came from. */
export interface PolicyResult {
  readonly decision: Decision;
  /** The policy whose decision this is: the fallback's name when the asked policy fell back. */
  readonly policy: string;
  readonly model?: string;
  /** Version of the prompt template (`manage-position.v1`). */
  readonly promptVersion?: string;
  readonly promptTokens?: number;
  readonly completionTokens?: number;
  /** In USD, from the configured prices. */
  readonly costUsd?: number;
  /** The model's answer as received, for the decisions table. */
  readonly rawResponse?: string;
  /** Why the asked policy did not answer itself (timeout, HTTP 429, schema, budget, …). */
  readonly fallbackReason?: string;
  /**
   * Wall-clock time the policy took, for a policy that calls out (the decisions table keeps it;
   * the event keeps the engine clock's, so that replays stay deterministic).
   */
  readonly latencyMs?: number;
}

/**
 * Decides what to do about a HIGH or MEDIUM event or a managed position's candle close: the
 * deterministic rules policy, the monitor-only hold policy, or an LLM. CRITICAL events never wait
 * for a policy. Whatever a policy answers passes guardrails before it acts: a stop never widens
 * and is never removed, size never grows, a target lies beyond the price; a decision the
 * guardrails refuse is recorded with the rule it broke and the rules policy answers instead.
 */
export interface DecisionPolicy {
  /** Policy name as recorded on `Agent.Decision.Made.v1`: `rules`, `hold`, `llm`. */
  readonly name: string;
  /**
   * Answers for one event. Must not reject for a well-formed context: a policy that cannot answer
   * itself returns its fallback's answer with `fallbackReason`.
   */
  decide(context: DecisionContext): Promise<PolicyResult>;
}
