import { asWardenEvent } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import { dec } from '../../domain/money.ts';
import { levelChangeOf } from '../../domain/position-fold.ts';
import { causedBy } from '../event-factory.ts';
import type { RiskContext } from './risk-context.ts';
import type { RiskEnforcement } from './risk-enforcement.ts';
import type { RiskLimits } from './risk-limits.ts';
import type { RiskPositions } from './risk-positions.ts';

/**
 * The risk engine's reading of the log: position and order events of the accounts it watches,
 * turned into rule runs (a fill's rules, a close's cascade, the stop-loss grace) and into the
 * working stop orders that protect positions. Events of other accounts, and other events, pass.
 */
export class RiskFollower {
  /** start() ran: positions opened from now on that are not fills were adopted. */
  private started = false;

  constructor(
    private readonly ctx: RiskContext,
    private readonly positions: RiskPositions,
    private readonly limits: RiskLimits,
    private readonly enforcement: RiskEnforcement,
  ) {}

  /** From now on a position that opens other than by a fill was adopted, and is under every rule at once. */
  start(): void {
    this.started = true;
  }

  /** Reads one event (call for every event, in order, after the monitor). */
  observe(envelope: Envelope): void {
    const accountId = envelope.data.accountId;
    const a = typeof accountId === 'string' ? this.ctx.accounts.get(accountId) : undefined;
    if (a === undefined) return;
    const { book } = this.ctx;
    const cause = causedBy(envelope);
    const e = asWardenEvent(envelope);
    switch (e.type) {
      case 'Trading.Position.Opened.v1': {
        // Positions present at the start are checked by start(); one adopted later (from the
        // venue at reconciliation or from the positions table) is under every rule from now.
        const fill = e.data.source === 'fill';
        if (!fill && !this.started) break;
        const p = book.positionById(e.data.positionId);
        if (p !== undefined && !fill && book.lastTick(p.symbol) === undefined) {
          // Adopted before its symbol's first price: nothing could be exited yet (the venue
          // rejects an order without a price), so its rules are checked at that first tick.
          // The stop-loss grace needs no price: it counts from the adoption.
          this.enforcement.awaitPrice(p.symbol, p.id, 'adopted');
          this.positions.armGrace(a, p);
        } else if (p !== undefined) this.positions.onAdded(a, p, cause, fill);
        this.limits.checkAccount(a, undefined, cause);
        break;
      }
      case 'Trading.Position.Increased.v1': {
        const p = book.positionById(e.data.positionId);
        if (p !== undefined) this.positions.onAdded(a, p, cause, true);
        this.limits.checkAccount(a, undefined, cause);
        break;
      }
      case 'Trading.Position.Reduced.v1':
        this.limits.checkAccount(a, undefined, cause);
        break;
      case 'Trading.Position.Closed.v1':
        this.positions.onClosed(a, e.data.positionId, dec(e.data.realizedPnl), cause);
        break;
      case 'Trading.Position.Modified.v1': {
        // Only a change of the hard stop can protect a position or take its protection away.
        const p = book.positionById(e.data.positionId);
        if (p !== undefined && levelChangeOf(e).stop !== undefined) this.positions.armGrace(a, p);
        break;
      }
      case 'Trading.Order.Placed.v1': {
        const d = e.data;
        if ((d.type === 'stop' || d.type === 'stop_limit') && d.stopPrice !== undefined)
          a.stopOrders.set(d.clientOrderId, { symbol: d.symbol, side: d.side, stopPrice: d.stopPrice });
        break;
      }
      case 'Trading.Order.Filled.v1':
        if (e.data.remainingQuantity <= 0) a.stopOrders.delete(e.data.clientOrderId);
        // Fees change the balance: the daily limits move with them.
        if (dec(e.data.fee).gt(0)) this.limits.checkAccount(a, undefined, cause);
        break;
      case 'Trading.Order.Cancelled.v1':
      case 'Trading.Order.Rejected.v1': {
        const stop = a.stopOrders.get(e.data.clientOrderId);
        if (stop === undefined) break;
        a.stopOrders.delete(e.data.clientOrderId);
        // The position may have lost its protection: NoStopLossGrace runs again from now.
        const p = book.account(a.id)?.positions.get(stop.symbol);
        if (p !== undefined) this.positions.armGrace(a, p);
        break;
      }
    }
  }
}
