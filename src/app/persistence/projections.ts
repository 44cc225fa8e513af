import type { Envelope } from '../../domain/events/envelope.ts';
import type { PositionRow } from '../../ports/store.ts';

type Data = Readonly<Record<string, unknown>>;

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
    const d = envelope.data as Data;
    const id = typeof d.positionId === 'string' ? d.positionId : undefined;
    if (id === undefined) return false;
    const at = Date.parse(envelope.ts);
    const current = this.rows.get(id);
    let next: PositionRow | undefined;
    switch (envelope.type) {
      case 'Trading.Position.Opened.v1':
        next = {
          id,
          accountId: String(d.accountId),
          symbol: String(d.symbol),
          side: d.side === 'short' ? 'short' : 'long',
          quantity: Number(d.quantity),
          entryPrice: Number(d.entryPrice),
          ...(typeof d.stopPrice === 'number' ? { stopPrice: d.stopPrice } : {}),
          ...(typeof d.targetPrice === 'number' ? { targetPrice: d.targetPrice } : {}),
          ...(typeof d.profile === 'string' ? { profile: d.profile } : {}),
          openedAt: Date.parse(String(d.openedAt)),
          status: 'open',
          attrs: { source: d.source },
        };
        break;
      case 'Trading.Position.Increased.v1':
        if (current !== undefined)
          next = { ...current, quantity: Number(d.quantity), entryPrice: Number(d.entryPrice) };
        break;
      case 'Trading.Position.Reduced.v1':
        if (current !== undefined) next = { ...current, quantity: Number(d.quantity) };
        break;
      case 'Trading.Position.Modified.v1': {
        if (current === undefined || d.source === 'TRAILING_STOP') break;
        const changed: { -readonly [K in keyof PositionRow]?: PositionRow[K] } = { ...current };
        if ('stopPrice' in d) {
          if (typeof d.stopPrice === 'number') changed.stopPrice = d.stopPrice;
          else delete changed.stopPrice;
        }
        if ('targetPrice' in d) {
          if (typeof d.targetPrice === 'number') changed.targetPrice = d.targetPrice;
          else delete changed.targetPrice;
        }
        next = changed as PositionRow;
        break;
      }
      case 'Trading.Position.Closed.v1':
        next = {
          ...(current ?? {
            id,
            accountId: String(d.accountId),
            symbol: String(d.symbol),
            side: d.side === 'short' ? 'short' : 'long',
            quantity: Number(d.quantity),
            entryPrice: Number(d.entryPrice),
            openedAt: Date.parse(String(d.openedAt)),
          }),
          status: 'closed',
          closedAt: at,
        };
        break;
    }
    if (next === undefined) return false;
    if (next.status === 'closed') this.rows.delete(id);
    else this.rows.set(id, next);
    this.pendingRows.set(id, next);
    this.dirty.add(id);
    return true;
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
