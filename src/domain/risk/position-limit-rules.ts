import type { Decimal } from '../money.ts';
import type { Position } from '../position.ts';
import { adverse, favourable, pnlLevel } from './levels.ts';
import type { AccountRules, RuleBreach } from './rules.ts';

// UnrealizedLoss and UnrealizedProfit (DESIGN.md "Risk"): one position's PnL closes it.

/** Which of a position's limits a level watches: the loss below it or the profit above it. */
export type PositionLimitKind = 'loss' | 'profit';

/**
 * The position limit `kind` broken at unrealized PnL `unrealized`, if any: a loss at or below
 * −limit, a profit at or above the limit (exact).
 */
export function positionLimitBreach(
  rules: AccountRules,
  kind: PositionLimitKind,
  unrealized: Decimal,
): RuleBreach | undefined {
  if (kind === 'loss') {
    const rule = rules.unrealizedLoss;
    if (rule === undefined || !unrealized.lte(rule.limit.negated())) return undefined;
    return {
      rule: 'UNREALIZED_LOSS',
      limit: rule.limit.negated(),
      value: unrealized,
      action: 'CLOSE_POSITION',
      urgency: 'CRITICAL',
    };
  }
  const rule = rules.unrealizedProfit;
  if (rule === undefined || !unrealized.gte(rule.limit)) return undefined;
  return {
    rule: 'UNREALIZED_PROFIT',
    limit: rule.limit,
    value: unrealized,
    action: 'CLOSE_POSITION',
    urgency: 'HIGH',
  };
}

/**
 * The price levels at which the position's limits would break (see levels.ts): undefined for a
 * limit the account does not set.
 */
export function positionLimitLevels(
  rules: AccountRules,
  position: Position,
  multiplier: number,
): { readonly loss: number | undefined; readonly profit: number | undefined } {
  return {
    loss:
      rules.unrealizedLoss === undefined
        ? undefined
        : pnlLevel(position, multiplier, rules.unrealizedLoss.limit.negated(), adverse(position)),
    profit:
      rules.unrealizedProfit === undefined
        ? undefined
        : pnlLevel(position, multiplier, rules.unrealizedProfit.limit, favourable(position)),
  };
}
