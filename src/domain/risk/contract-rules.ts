import { addQty, subQty } from '../money.ts';
import type { Position } from '../position.ts';
import { type AccountRules, instrumentLimit, type RuleBreach } from './rules.ts';

// MaxContractsPerInstrument and MaxContracts (DESIGN.md "Risk"): a fill over a limit closes the excess.

/** A contract limit's breach and how many contracts are over it. */
export interface ContractBreach extends RuleBreach {
  readonly rule: 'MAX_CONTRACTS_PER_INSTRUMENT' | 'MAX_CONTRACTS';
  readonly action: 'CLOSE_EXCESS';
  readonly limit: number;
  readonly value: number;
  /** Contracts to close to be back at the limit. */
  readonly excess: number;
}

/** The per-instrument limit broken by `position` (by symbol, then root symbol, then the default), if any. */
export function instrumentContractBreach(
  rules: AccountRules,
  position: Position,
): ContractBreach | undefined {
  const limit = instrumentLimit(rules, position.symbol);
  if (limit === undefined || position.quantity <= limit) return undefined;
  return {
    rule: 'MAX_CONTRACTS_PER_INSTRUMENT',
    limit,
    value: position.quantity,
    action: 'CLOSE_EXCESS',
    urgency: 'CRITICAL',
    excess: subQty(position.quantity, limit),
  };
}

/**
 * The account's net contract limit broken by its open positions, if any. Sums exactly: 0.1 + 0.2
 * contracts are 0.3, never a hair above a limit of 0.3.
 */
export function accountContractBreach(
  rules: AccountRules,
  positions: readonly Position[],
): ContractBreach | undefined {
  if (rules.maxContracts === undefined) return undefined;
  const total = positions.reduce((sum, q) => addQty(sum, q.quantity), 0);
  const limit = rules.maxContracts.limit;
  if (total <= limit) return undefined;
  return {
    rule: 'MAX_CONTRACTS',
    limit,
    value: total,
    action: 'CLOSE_EXCESS',
    urgency: 'CRITICAL',
    excess: subQty(total, limit),
  };
}

/** The order in which positions give up an account's excess: the most recently changed first. */
export function newestFirst(positions: Position[]): Position[] {
  return positions.sort((x, y) => y.updatedAt - x.updatedAt);
}
