import { DecisionMadeV1 } from './agent-events.ts';
import {
  ChallengeFailedV1,
  ChallengeMetricsUpdatedV1,
  ChallengePhaseCompletedV1,
  EvaluationRuleViolatedV1,
} from './challenge-events.ts';
import type { EventDefinition } from './definition.ts';
import { EdgeEvaluatedV1, EdgeUpdatedV1 } from './edge-events.ts';
import { CandleClosedV1 } from './market-events.ts';
import {
  CorrelationSpikedV1,
  ExitStageReachedV1,
  LowEventsSummarizedV1,
  MilestoneReachedV1,
  StopApproachingV1,
  StopLossHitV1,
  TakeProfitHitV1,
  TargetApproachingV1,
  ThesisInvalidatedV1,
  TimeDecayedV1,
  TrailingStopHitV1,
  VolatilitySpikedV1,
} from './monitoring-events.ts';
import {
  AlertTriggeredV1,
  CircuitBreakerTrippedV1,
  LimitBreachedV1,
  OrderDeniedV1,
  TradingHaltedV1,
  TradingResumedV1,
} from './risk-events.ts';
import {
  OrderCancelledV1,
  OrderFilledV1,
  OrderPlacedV1,
  OrderRejectedV1,
  PositionClosedV1,
  PositionIncreasedV1,
  PositionModifiedV1,
  PositionOpenedV1,
  PositionReducedV1,
} from './trading-events.ts';

/*
 * The event catalog. Each area's definitions live in its own file (trading, monitoring, risk,
 * agent, edge, challenge, market events); this module gathers them in `CATALOG` and re-exports
 * them with the reason codes and the typed-event helpers, so importers need only this path.
 */

export * from './agent-events.ts';
export * from './challenge-events.ts';
export type { EventDefinition, PayloadOf } from './definition.ts';
export * from './edge-events.ts';
export * from './market-events.ts';
export * from './monitoring-events.ts';
export * from './reasons.ts';
export * from './risk-events.ts';
export * from './trading-events.ts';
export * from './typed.ts';

/** Every event type Warden emits, newest versions included. */
export const CATALOG = [
  PositionOpenedV1,
  PositionIncreasedV1,
  PositionModifiedV1,
  PositionReducedV1,
  PositionClosedV1,
  OrderPlacedV1,
  OrderFilledV1,
  OrderCancelledV1,
  OrderRejectedV1,
  StopApproachingV1,
  TargetApproachingV1,
  MilestoneReachedV1,
  ExitStageReachedV1,
  TimeDecayedV1,
  ThesisInvalidatedV1,
  VolatilitySpikedV1,
  CorrelationSpikedV1,
  StopLossHitV1,
  TakeProfitHitV1,
  TrailingStopHitV1,
  LimitBreachedV1,
  OrderDeniedV1,
  TradingHaltedV1,
  TradingResumedV1,
  CircuitBreakerTrippedV1,
  AlertTriggeredV1,
  DecisionMadeV1,
  LowEventsSummarizedV1,
  CandleClosedV1,
  ChallengePhaseCompletedV1,
  ChallengeFailedV1,
  EvaluationRuleViolatedV1,
  ChallengeMetricsUpdatedV1,
  EdgeEvaluatedV1,
  EdgeUpdatedV1,
] as const satisfies readonly EventDefinition[];
