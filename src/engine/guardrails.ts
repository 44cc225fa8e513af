import { type Decision, decisionSchema } from '../domain/agent/decision.ts';
import type { Position } from '../domain/position.ts';
import type { PolicyResult } from '../ports/decision-policy.ts';

/** The rules a decision can break, as recorded on a rejection. */
export const GUARD_RULES = [
  /** Not a valid decision at all (the contract's schema). */
  'INVALID_DECISION',
  /** ADJUST_STOP without a new stop price: a stop can never be removed. */
  'STOP_MISSING',
  /** A new stop that does not tighten the current one. */
  'STOP_WIDENED',
  /** A new stop at or beyond the price: it would fire at once, or protect nothing. */
  'STOP_WRONG_SIDE',
  'TARGET_MISSING',
  /** A target that does not lie beyond the price in the position's favour. */
  'TARGET_NOT_BEYOND_PRICE',
  /** REDUCE without a fraction in (0, 1): size may only go down, and only partly (CLOSE for all). */
  'REDUCE_FRACTION',
] as const;
export type GuardRule = (typeof GUARD_RULES)[number];

export type Verdict =
  | { readonly ok: true; readonly decision: Decision }
  | { readonly ok: false; readonly rule: GuardRule; readonly why: string };

/**
 * The guardrails every decision passes, whatever its source: a stop only tightens, is never
 * removed and stays on the protective side of the price; a target lies beyond the price in the
 * position's favour; a reduction is a fraction in (0, 1). Pure.
 */
export function checkDecision(decision: unknown, position: Position, price: number): Verdict {
  const parsed = decisionSchema.safeParse(decision);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      rule: 'INVALID_DECISION',
      why: `not a valid decision: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
    };
  }
  const d = parsed.data;
  const long = position.side === 'long';
  const refuse = (rule: GuardRule, why: string): Verdict => ({ ok: false, rule, why });
  switch (d.action) {
    case 'ADJUST_STOP': {
      const stop = d.details?.newStopPrice;
      if (stop === undefined)
        return refuse('STOP_MISSING', 'ADJUST_STOP needs a new stop price; a stop is never removed');
      const current = position.stopPrice;
      if (current !== undefined && (long ? stop <= current : stop >= current)) {
        return refuse('STOP_WIDENED', `stop ${stop} would not tighten the current stop ${current}`);
      }
      if (long ? stop >= price : stop <= price) {
        return refuse(
          'STOP_WRONG_SIDE',
          `stop ${stop} is not ${long ? 'below' : 'above'} the price ${price}`,
        );
      }
      return { ok: true, decision: d };
    }
    case 'ADJUST_TARGET': {
      const target = d.details?.newTargetPrice;
      if (target === undefined) return refuse('TARGET_MISSING', 'ADJUST_TARGET needs a new target price');
      if (long ? target <= price : target >= price) {
        return refuse(
          'TARGET_NOT_BEYOND_PRICE',
          `target ${target} is not ${long ? 'above' : 'below'} the price ${price}`,
        );
      }
      return { ok: true, decision: d };
    }
    case 'REDUCE': {
      const f = d.details?.reduceFraction;
      if (f === undefined || !(f > 0 && f < 1))
        return refuse('REDUCE_FRACTION', 'REDUCE needs a reduceFraction between 0 and 1');
      return { ok: true, decision: d };
    }
    default:
      return { ok: true, decision: d };
  }
}

/** The decision that acts, and the record of how it was reached. */
export interface FinalDecision {
  readonly decision: Decision;
  /** Whose decision it is. */
  readonly policy: string;
  /** The asked policy's fallback, a guardrail's rejection, or a confidence below the minimum. */
  readonly fallbackReason?: string;
  /** The decision the guardrails refused, with the rule it broke. */
  readonly rejected?: {
    readonly policy: string;
    readonly rule: GuardRule;
    readonly why: string;
    readonly proposed: unknown;
  };
}

const hold = (reasoning: string): Decision => ({ action: 'HOLD', confidence: 1, reasoning });

/**
 * Turns a policy's answer into the decision that acts. A decision the guardrails refuse is
 * recorded with the rule it broke and `rules` (the rules policy's answer, computed only then)
 * answers instead; if that is refused too (the position moved), the answer is HOLD. A decision
 * below `minConfidence` becomes HOLD. Whatever comes in, what comes out passes `checkDecision`.
 */
export function finalDecision(
  result: PolicyResult,
  position: Position,
  price: number,
  options: { readonly minConfidence: number; readonly rules: () => PolicyResult },
): FinalDecision {
  const verdict = checkDecision(result.decision, position, price);
  if (verdict.ok)
    return confident(verdict.decision, result.policy, result.fallbackReason, options.minConfidence);
  const carried = result.fallbackReason !== undefined ? `${result.fallbackReason}; ` : '';
  const rejected = { policy: result.policy, rule: verdict.rule, why: verdict.why, proposed: result.decision };
  const reason = `${carried}GUARDRAIL_${verdict.rule}: ${result.policy}'s decision refused (${verdict.why})`;
  const fallback = result.policy === 'rules' ? undefined : options.rules();
  const second = fallback === undefined ? undefined : checkDecision(fallback.decision, position, price);
  if (fallback !== undefined && second?.ok === true) {
    return { ...confident(second.decision, fallback.policy, reason, options.minConfidence), rejected };
  }
  return { decision: hold(`HOLD: ${verdict.why}`), policy: 'guardrails', fallbackReason: reason, rejected };
}

/** A decision below the minimum confidence becomes HOLD, whichever policy made it. */
function confident(
  d: Decision,
  policy: string,
  fallbackReason: string | undefined,
  minConfidence: number,
): FinalDecision {
  if (d.action !== 'HOLD' && d.confidence < minConfidence) {
    const carried = fallbackReason !== undefined ? `${fallbackReason}; ` : '';
    return {
      decision: hold(
        `confidence ${d.confidence} is below the minimum ${minConfidence}: HOLD instead of ${d.action}. Proposed: ${d.reasoning}`,
      ),
      policy,
      fallbackReason: `${carried}LOW_CONFIDENCE: ${d.confidence} < ${minConfidence}`,
    };
  }
  return { decision: d, policy, ...(fallbackReason !== undefined ? { fallbackReason } : {}) };
}

/**
 * The quantity a REDUCE exits: the fraction of the open quantity, rounded down to the lot size.
 * 0 when that rounds to nothing; never the whole position (that is CLOSE).
 */
export function reduceQuantity(quantity: number, fraction: number, lotSize: number): number {
  if (!(fraction > 0 && fraction < 1) || !(quantity > 0) || !(lotSize > 0)) return 0;
  const lots = Math.floor((quantity * fraction) / lotSize + 1e-9);
  const q = Number((lots * lotSize).toPrecision(12));
  return q > 0 && q < quantity ? q : 0;
}
