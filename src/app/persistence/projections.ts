import { asWardenEvent, type WardenEvent } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import { applyLevelChange, levelChangeOf } from '../../domain/position-fold.ts';
import type { PositionRow } from '../../ports/store.ts';

/**
 * Keeps the `positions` table in step with the position events: one row per position, upserted
 * whenever an event changes it. Rows changed since the last `takeDirty()` are committed with the
 * events that changed them (the outbox), so the table never runs ahead of or behind the log.
 */
export class PositionsProjection {
  private readonly rows = new Map<string, PositionRow>();
  private readonly dirty = new Set<string>();

  /** Applies one event; returns true when it changed a row. */
  apply(envelope: Envelope): boolean {
    const id = envelope.data.positionId;
    if (typeof id !== 'string') return false;
    const next = this.nextRow(asWardenEvent(envelope), id, this.rows.get(id));
    if (next === undefined) return false;
    if (next.status === 'closed') this.rows.delete(id);
    else this.rows.set(id, next);
    this.pendingRows.set(id, next);
    this.dirty.add(id);
    return true;
  }

  /** The row of position `id` after event `e`, or undefined when the event leaves it alone. */
  private nextRow(e: WardenEvent, id: string, current: PositionRow | undefined): PositionRow | undefined {
    switch (e.type) {
      case 'Trading.Position.Opened.v1': {
        const d = e.data;
        return {
          id,
          accountId: d.accountId,
          symbol: d.symbol,
          side: d.side,
          quantity: d.quantity,
          entryPrice: d.entryPrice,
          ...(d.stopPrice !== undefined ? { stopPrice: d.stopPrice } : {}),
          ...(d.targetPrice !== undefined ? { targetPrice: d.targetPrice } : {}),
          ...(d.profile !== undefined ? { profile: d.profile } : {}),
          openedAt: Date.parse(d.openedAt),
          status: 'open',
          attrs: { source: d.source },
        };
      }
      case 'Trading.Position.Increased.v1':
        return current === undefined
          ? undefined
          : { ...current, quantity: e.data.quantity, entryPrice: e.data.entryPrice };
      case 'Trading.Position.Reduced.v1':
        return current === undefined ? undefined : { ...current, quantity: e.data.quantity };
      case 'Trading.Position.Modified.v1': {
        // A trailing stop's move sits beside the hard levels: the row keeps them.
        const change = levelChangeOf(e);
        if (change.stop === undefined && change.target === undefined) return undefined;
        return current === undefined ? undefined : applyLevelChange(current, change);
      }
      case 'Trading.Position.Closed.v1': {
        const d = e.data;
        return {
          ...(current ?? {
            id,
            accountId: d.accountId,
            symbol: d.symbol,
            side: d.side,
            quantity: d.quantity,
            entryPrice: d.entryPrice,
            openedAt: Date.parse(d.openedAt),
          }),
          status: 'closed',
          closedAt: Date.parse(e.ts),
        };
      }
      default:
        return undefined;
    }
  }

  private readonly pendingRows = new Map<string, PositionRow>();

  /** Rows changed since the last call, each in its latest form. */
  takeDirty(): PositionRow[] {
    const out = [...this.dirty].map((id) => this.pendingRows.get(id)!);
    this.dirty.clear();
    this.pendingRows.clear();
    return out;
  }

  /** Puts back rows a failed commit took, unless a newer change of the same row is pending. */
  restoreDirty(rows: readonly PositionRow[]): void {
    for (const row of rows) {
      if (this.dirty.has(row.id)) continue;
      this.dirty.add(row.id);
      this.pendingRows.set(row.id, row);
    }
  }

  /** Forgets pending changes (they are already stored: a resumed replay re-deriving them). */
  dropDirty(): void {
    this.dirty.clear();
    this.pendingRows.clear();
  }
}
