import { type Outlier, PriceGuard, type PriceGuardSettings } from '../domain/price-guard.ts';
import type { InputProblem } from '../domain/tick.ts';
import type { WardenConfig } from './config/schema.ts';

/** The price sanity guard the config asks for: each instrument's own, else `engine.priceGuard`. */
export function priceGuardOf(config: WardenConfig): PriceGuard {
  const settings = new Map<string, PriceGuardSettings>();
  for (const i of config.instruments) {
    const s = i.priceGuard ?? config.engine.priceGuard;
    if (s !== false) settings.set(i.symbol, s);
  }
  return new PriceGuard((symbol) => settings.get(symbol));
}

/**
 * The input problem of a tick the price guard found to be a bad print: the price came back
 * before the move was confirmed, or (`unconfirmed`) the input ended first.
 */
export function outlierProblem({ tick, from }: Outlier, unconfirmed = false): InputProblem {
  const why = unconfirmed
    ? 'and the input ended before the move was confirmed'
    : 'and came back before the move was confirmed (a bad print)';
  const message = `${tick.symbol}: price ${tick.price} jumped from ${from} beyond the price guard ${why}`;
  return tick.line === undefined
    ? { code: 'WARDEN_TICK_OUTLIER', message }
    : { line: tick.line, code: 'WARDEN_TICK_OUTLIER', message: `line ${tick.line}: ${message}` };
}
