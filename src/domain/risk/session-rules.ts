import type { Position } from '../position.ts';
import { sessionAt } from './calendar.ts';
import { type AccountRules, isSymbolBlocked, type RuleBreach } from './rules.ts';

// SessionWindow and SymbolBlock (DESIGN.md "Risk"): when positions may be opened and held, and in what.

/**
 * The session window broken by a fill at `now` that opened or added to `position`: a fill when
 * the session takes no entries is closed at once. Only fills count: a position Warden adopted
 * was not entered now.
 */
export function sessionEntryBreach(
  rules: AccountRules,
  position: Position,
  now: number,
  fill: boolean,
): RuleBreach | undefined {
  if (rules.session === undefined || !fill || sessionAt(now, rules.session).entriesAllowed) return undefined;
  return {
    rule: 'SESSION_WINDOW',
    limit: 0,
    value: position.quantity,
    action: 'CLOSE_POSITION',
    urgency: 'CRITICAL',
  };
}

/** The symbol block broken by holding `position`, if its symbol (or root) is blocked. */
export function symbolBlockBreach(rules: AccountRules, position: Position): RuleBreach | undefined {
  if (!isSymbolBlocked(rules, position.symbol)) return undefined;
  return {
    rule: 'SYMBOL_BLOCK',
    limit: 0,
    value: position.quantity,
    action: 'CLOSE_POSITION',
    urgency: 'CRITICAL',
  };
}

/** The session's flat-by time came with `contracts` open: everything is closed. */
export function flatByBreach(contracts: number): RuleBreach {
  return { rule: 'SESSION_FLAT_BY', limit: 0, value: contracts, action: 'FLATTEN', urgency: 'CRITICAL' };
}
