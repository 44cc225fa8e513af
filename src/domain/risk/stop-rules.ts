import type { Position } from '../position.ts';
import type { RuleBreach } from './rules.ts';

// NoStopLossGrace (DESIGN.md "Risk"): a position without a protective stop for too long is closed.

/** A working stop order that protects a position. */
export interface StopOrder {
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly stopPrice: number;
}

/**
 * Whether the position has a protective stop: its own stop, or a working stop order on its exit
 * side. Any stop on the exit side protects, wherever it sits: one at break-even or locking in
 * profit protects more than one on the losing side of the entry.
 */
export function isProtected(position: Position, stopOrders: Iterable<StopOrder>): boolean {
  if (position.stopPrice !== undefined) return true;
  const exit = position.side === 'long' ? 'sell' : 'buy';
  for (const o of stopOrders) if (o.symbol === position.symbol && o.side === exit) return true;
  return false;
}

/** The breach of a grace of `seconds` that ran out with the position still unprotected. */
export function noStopLossBreach(seconds: number): RuleBreach {
  return {
    rule: 'NO_STOP_LOSS',
    limit: seconds,
    value: seconds,
    action: 'CLOSE_POSITION',
    urgency: 'CRITICAL',
  };
}
