import type { Position } from '../domain/position.ts';
import type { Decision } from '../ports/decision-policy.ts';

/**
 * Guardrails every decision passes, whatever its source: a stop only tightens and stays on the
 * protective side of the price; a target lies beyond the price in the position's favour; a
 * reduction is a fraction in (0, 1). A decision that breaks one becomes HOLD, saying why.
 */
export function guard(decision: Decision, position: Position, price: number): Decision {
  const long = position.side === 'long';
  const refuse = (why: string): Decision => ({
    action: 'HOLD',
    confidence: decision.confidence,
    reasoning: `${decision.action} refused by guardrail: ${why}. Proposed: ${decision.reasoning}`,
  });
  switch (decision.action) {
    case 'ADJUST_STOP': {
      const stop = decision.details?.newStopPrice;
      if (stop === undefined || !(stop > 0)) return refuse('no valid new stop price');
      const current = position.stopPrice;
      if (current !== undefined && (long ? stop <= current : stop >= current)) {
        return refuse(`stop ${stop} would not tighten the current stop ${current}`);
      }
      if (long ? stop >= price : stop <= price)
        return refuse(`stop ${stop} is on the wrong side of the price ${price}`);
      return decision;
    }
    case 'ADJUST_TARGET': {
      const target = decision.details?.newTargetPrice;
      if (target === undefined || !(target > 0)) return refuse('no valid new target price');
      if (long ? target <= price : target >= price)
        return refuse(`target ${target} is not beyond the price ${price}`);
      return decision;
    }
    case 'REDUCE': {
      const f = decision.details?.reduceFraction;
      if (f === undefined || !(f > 0 && f < 1)) return refuse('reduceFraction must be between 0 and 1');
      return decision;
    }
    default:
      return decision;
  }
}
