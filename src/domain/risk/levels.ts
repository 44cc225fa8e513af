import type { Decimal } from '../money.ts';
import { nextDown, nextUp } from '../monitoring/exact.ts';
import type { Position } from '../position.ts';

/**
 * Account and position PnL limits as price levels (DESIGN.md "Monitoring triggers": account-level
 * PnL limits are expressed as price levels in an index, so a tick costs O(log n + k) whatever the
 * number of accounts holding the symbol).
 *
 * A position's unrealized PnL is linear in the price: u(P) = (P·q − C)·m for a long and
 * (C − P·q)·m for a short (C the exact cost basis, m the multiplier). The price at which it
 * equals a given amount is therefore exact in decimals up to one division; the level handed to
 * the float index is widened by two ulps towards firing early, and whoever reacts to it confirms
 * the breach with exact decimal arithmetic. A level can only make the check happen, never decide it.
 */

/** Which way the price must move to reach a level: down (`falls`) or up (`rises`). */
export type LevelDirection = 'falls' | 'rises';

/** The price at which the position's unrealized PnL is `pnl`, exactly (to 40 significant digits). */
export function priceAtPnl(position: Position, multiplier: number, pnl: Decimal): Decimal {
  const perUnit = pnl.div(multiplier);
  const basis =
    position.side === 'long' ? position.costBasis.plus(perUnit) : position.costBasis.minus(perUnit);
  return basis.div(position.quantity);
}

/** Direction in which the position's PnL falls: down for a long, up for a short. */
export function adverse(position: Position): LevelDirection {
  return position.side === 'long' ? 'falls' : 'rises';
}

export function favourable(position: Position): LevelDirection {
  return position.side === 'long' ? 'rises' : 'falls';
}

/**
 * The float a level is indexed at: the nearest number to `exact`, moved two ulps so that the index
 * fires at or before the exact level (up for a level the price falls to, down for one it rises to).
 */
export function candidateLevel(exact: Decimal, direction: LevelDirection): number {
  const n = exact.toNumber();
  if (!Number.isFinite(n)) return direction === 'falls' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (n <= 0) return direction === 'falls' ? n : 0;
  return direction === 'falls' ? nextUp(nextUp(n)) : nextDown(nextDown(n));
}

/** The level at which the position's unrealized PnL reaches `pnl` from the given side. */
export function pnlLevel(
  position: Position,
  multiplier: number,
  pnl: Decimal,
  direction: LevelDirection,
): number {
  return candidateLevel(priceAtPnl(position, multiplier, pnl), direction);
}
