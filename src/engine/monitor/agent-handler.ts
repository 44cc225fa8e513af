import type { Candle } from '../../domain/candles.ts';
import { DecisionMadeV1 } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import type { Instrument } from '../../domain/instrument.ts';
import type { MonitorProfile } from '../../domain/monitoring/profile.ts';
import { type Position, pnlPercent } from '../../domain/position.ts';
import type { DecisionContext, PolicyResult } from '../../ports/decision-policy.ts';
import type { DecisionRow } from '../../ports/store.ts';
import type { DecisionInputs } from '../agent/decision-input.ts';
import { causedBy } from '../event-factory.ts';
import { type FinalDecision, finalDecision, reduceQuantity } from '../guardrails.ts';
import type { IndexUpkeep } from './index-upkeep.ts';
import type { MonitorOptions } from './types.ts';

/** What the agent handler needs: the monitor's options, what policies are shown, the watch list. */
export interface AgentHandlerDeps {
  readonly options: MonitorOptions;
  readonly inputs: DecisionInputs;
  readonly upkeep: IndexUpkeep;
}

/**
 * The agent handler (HIGH and MEDIUM events, and the candle closes of managed positions): asks
 * the profile's decision policy, falls back to the rules on an error, passes the answer through
 * the guardrails against the position as it is when the answer comes, records the decision (an
 * event and a decisions-table row), then acts on it. Asking never blocks a tick: decisions in
 * flight are awaited through `settled()`.
 */
export class AgentHandler {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: AgentHandlerDeps) {}

  /** Resolves once every decision started so far has been applied (replays await it per tick). */
  settled(): Promise<void> | undefined {
    return this.inFlight.size === 0 ? undefined : Promise.all(this.inFlight).then(() => undefined);
  }

  /**
   * Every close of a managed position's candle interval asks its policy, once per candle and
   * position, until the position closes.
   */
  manage(candleEvent: Envelope, candle: Candle): void {
    const { upkeep, options } = this.deps;
    const ids = upkeep.managedAt(candle.symbol, candle.interval);
    if (ids === undefined) return;
    for (const id of [...ids]) {
      const w = upkeep.get(id);
      if (w === undefined || candle.closeTime <= w.managedThrough) continue;
      w.managedThrough = candle.closeTime;
      const position = options.engine.positionById(id);
      const instrument = options.engine.instrument(w.symbol);
      if (position === undefined || instrument === undefined) continue;
      this.consult(candleEvent, position, instrument, w.profile, candle.close, candle.interval);
    }
  }

  /** Asks the profile's policy about `event`, then applies the guarded answer. */
  consult(
    event: Envelope,
    position: Position,
    instrument: Instrument,
    profile: MonitorProfile,
    price: number,
    interval?: string,
  ): void {
    const { options, inputs, upkeep } = this.deps;
    const policies = options.policies;
    const policy =
      (profile.policy === 'llm' ? policies.llm : undefined) ??
      policies[profile.policy === 'hold' ? 'hold' : 'rules'];
    const started = options.clock.now();
    /** The candles a policy is shown: the trigger's, else the ones the position is managed at. */
    const candles = interval ?? upkeep.get(position.id)?.manage?.interval;
    const ctx: DecisionContext = {
      event,
      position,
      instrument,
      profile,
      price,
      pnlPct: pnlPercent(position, price),
      now: started,
      input: inputs.build({
        trigger: event,
        position,
        instrument,
        price,
        now: started,
        ...(candles !== undefined ? { interval: candles } : {}),
      }),
    };
    const wanted =
      profile.policy === 'llm' && policies.llm === undefined
        ? 'NO_LLM: the profile asks for llm but no agent.llm endpoint is configured'
        : undefined;
    const task = policy
      .decide(ctx)
      .catch(
        (error: unknown): PolicyResult => ({
          ...policies.rules.now(ctx),
          fallbackReason: `POLICY_ERROR: ${policy.name} failed: ${error instanceof Error ? error.message : String(error)}`,
        }),
      )
      .then((result) => {
        // A fallback names the policy that was asked: `llm: TIMEOUT: …`.
        const reason =
          wanted ??
          (result.fallbackReason !== undefined && result.policy !== policy.name
            ? `${policy.name}: ${result.fallbackReason}`
            : result.fallbackReason);
        return this.apply(
          { ...result, ...(reason !== undefined ? { fallbackReason: reason } : {}) },
          ctx,
          started,
        );
      })
      .finally(() => this.inFlight.delete(task));
    this.inFlight.add(task);
  }

  private apply(result: PolicyResult, asked: DecisionContext, started: number): Promise<void> | undefined {
    const { options } = this.deps;
    const { engine, execution } = options;
    const { event } = asked;
    const position = engine.positionById(asked.position.id);
    if (position === undefined) return undefined;
    const instrument = asked.instrument;
    // Judged against the position as it is now: another decision may have moved the stop since.
    const price = engine.lastTick(position.symbol)?.price ?? position.entryPrice;
    const now: DecisionContext = { ...asked, position, price, pnlPct: pnlPercent(position, price) };
    const final = finalDecision(result, position, price, {
      minConfidence: asked.profile.minConfidence,
      rules: () => options.policies.rules.now(now),
    });
    let decision = final.decision;
    let reduceBy = 0;
    if (decision.action === 'REDUCE') {
      reduceBy = reduceQuantity(position.quantity, decision.details?.reduceFraction ?? 0, instrument.lotSize);
      if (reduceBy === 0) {
        decision = {
          action: 'HOLD',
          confidence: decision.confidence,
          reasoning: `REDUCE by ${decision.details?.reduceFraction} of ${position.quantity} is less than one lot (${instrument.lotSize}) or all of it: HOLD. Proposed: ${decision.reasoning}`,
        };
      }
    }
    const decided = { ...final, decision };
    const latencyMs = options.clock.now() - started;
    const made = options.events.create(
      DecisionMadeV1,
      position.accountId,
      {
        positionId: position.id,
        accountId: position.accountId,
        symbol: position.symbol,
        side: position.side,
        policy: final.policy,
        trigger: event.type,
        action: decision.action,
        confidence: decision.confidence,
        reasoning: decision.reasoning,
        ...(decision.details !== undefined ? { details: { ...decision.details } } : {}),
        latencyMs,
        ...(result.model !== undefined ? { model: result.model } : {}),
        ...(final.fallbackReason !== undefined ? { fallbackReason: final.fallbackReason } : {}),
      },
      causedBy(event),
    );
    options.emit(made);
    options.recordDecision?.(decisionRowOf(made, position, asked, result, decided, latencyMs));
    const cause = causedBy(made);
    switch (decision.action) {
      case 'CLOSE':
        execution.exit({ position, condition: 'agent', cause });
        break;
      case 'REDUCE':
        execution.exit({ position, quantity: reduceBy, condition: 'agent', cause });
        break;
      case 'ADJUST_STOP':
      case 'ADJUST_TARGET': {
        const changed = engine.modifyPosition(
          position.id,
          decision.action === 'ADJUST_STOP'
            ? { stopPrice: decision.details?.newStopPrice }
            : { targetPrice: decision.details?.newTargetPrice },
          'AGENT',
          cause,
          decision.reasoning,
        );
        // A working protective stop at the venue follows the position's stop.
        const stop = decision.details?.newStopPrice;
        if (changed && decision.action === 'ADJUST_STOP' && stop !== undefined) {
          return engine.moveProtectiveStops(position, stop, cause).then(() => undefined);
        }
        break;
      }
      case 'HOLD':
        break;
    }
    return undefined;
  }
}

/**
 * The decisions-table row of a decision: what was decided, with the inputs the policy was shown,
 * its reasoning, latency, tokens, cost and model.
 */
function decisionRowOf(
  made: Envelope,
  position: Position,
  asked: DecisionContext,
  result: PolicyResult,
  final: FinalDecision,
  latencyMs: number,
): DecisionRow {
  const { decision } = final;
  return {
    id: made.id,
    positionId: position.id,
    accountId: position.accountId,
    decidedAt: Date.parse(made.ts),
    policy: final.policy,
    trigger: asked.event.type,
    action: decision.action,
    confidence: decision.confidence,
    reasoning: decision.reasoning,
    ...(decision.details !== undefined ? { actionDetails: decision.details } : {}),
    stateAtDecision: {
      position: asked.input.position,
      account: asked.input.account ?? null,
      trigger: asked.input.trigger,
      recentEvents: asked.input.recentEvents,
    },
    ...(asked.input.market !== undefined ? { marketContext: asked.input.market } : {}),
    ...(result.rawResponse !== undefined ? { rawResponse: result.rawResponse } : {}),
    latencyMs: result.latencyMs ?? latencyMs,
    ...(result.promptTokens !== undefined ? { promptTokens: result.promptTokens } : {}),
    ...(result.completionTokens !== undefined ? { completionTokens: result.completionTokens } : {}),
    ...(result.costUsd !== undefined ? { cost: result.costUsd } : {}),
    ...(result.model !== undefined ? { model: result.model } : {}),
    ...(final.fallbackReason !== undefined ? { fallbackReason: final.fallbackReason } : {}),
    ...(result.promptVersion !== undefined ? { promptVersion: result.promptVersion } : {}),
    ...(final.rejected !== undefined ? { rejected: final.rejected } : {}),
  };
}
