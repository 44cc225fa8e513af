import type { EventOf } from './events/catalog.ts';

/** A position's protective levels as the log last set them. */
export interface Levels {
  readonly stopPrice?: number;
  readonly targetPrice?: number;
}

/** What one `Trading.Position.Modified.v1` did to the levels: each field set, cleared, or left. */
export interface LevelChange {
  /** The new stop (undefined: removed); absent when the event left the stop alone. */
  readonly stop?: { readonly to: number | undefined };
  /** The new target (undefined: removed); absent when the event left the target alone. */
  readonly target?: { readonly to: number | undefined };
  /** The trailing stop moved (`source: TRAILING_STOP`): the hard levels did not change. */
  readonly trailing?: { readonly peak: number; readonly stop: number };
}

/**
 * The one reading of `Trading.Position.Modified.v1` that every follower of the log shares (the
 * monitor's index, the risk engine's grace, the positions table, recovery). A trailing stop's move
 * sits beside the hard stop and never replaces it, so it changes neither level; a field present
 * as `null` removes the level, and a field absent leaves it.
 */
export function levelChangeOf(event: EventOf<'Trading.Position.Modified.v1'>): LevelChange {
  const d = event.data;
  if (d.source === 'TRAILING_STOP') {
    return d.peakPrice !== undefined && d.trailingStopPrice !== undefined
      ? { trailing: { peak: d.peakPrice, stop: d.trailingStopPrice } }
      : {};
  }
  return {
    ...('stopPrice' in d ? { stop: { to: d.stopPrice ?? undefined } } : {}),
    ...('targetPrice' in d ? { target: { to: d.targetPrice ?? undefined } } : {}),
  };
}

/** `levels` after `change`, keeping every other field of `levels` as it is. */
export function applyLevelChange<L extends Levels>(levels: L, change: LevelChange): L {
  if (change.stop === undefined && change.target === undefined) return levels;
  const next: { -readonly [K in keyof L]: L[K] } = { ...levels };
  if (change.stop !== undefined) {
    if (change.stop.to === undefined) delete next.stopPrice;
    else (next as { stopPrice?: number }).stopPrice = change.stop.to;
  }
  if (change.target !== undefined) {
    if (change.target.to === undefined) delete next.targetPrice;
    else (next as { targetPrice?: number }).targetPrice = change.target.to;
  }
  return next;
}
