import { z } from 'zod';
import { asWardenEvent, CLOSE_REASONS, type EventOf } from '../domain/events/catalog.ts';
import type { Envelope } from '../domain/events/envelope.ts';
import { Decimal, dec, moneyString, ZERO } from '../domain/money.ts';
import type { EventSink } from '../engine/event-sink.ts';
import type { EventStore, StoredEvent } from '../ports/store.ts';

/*
 * The closed trades of an event stream: what a user reads after a backtest (`warden replay`'s
 * summary and `--report FILE`) or asks a daemon for (`warden status`). Built from the position
 * events alone, so the same stream always gives the same report:
 *
 *   Trading.Order.Filled.v1       fee of each fill, charged to the position event it caused
 *   Trading.Position.Opened.v1    entry quantity and price, opening time
 *   Trading.Position.Increased.v1 more entry quantity at its fill price
 *   Trading.Position.Reduced.v1   a partial exit: quantity and price
 *   Trading.Position.Closed.v1    the last exit, the reason, the position's whole realized PnL
 *
 * Money, prices and quantities are decimal strings, as in events; sums go through decimal.js.
 */

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string');
const count = z.number().int().nonnegative();
const isoTime = z.iso.datetime({ offset: true });

/** One closed position, from its first entry to its last exit. */
export const tradeSchema = z.strictObject({
  accountId: z.string().min(1),
  positionId: z.string().min(1),
  symbol: z.string().min(1),
  side: z.enum(['long', 'short']),
  /** Everything entered: the opening quantity plus every scale-in. */
  quantity: decimal,
  /** Average price of the entries, weighted by quantity. */
  entryPrice: decimal,
  /** Average price of the exits (partial exits and the close), weighted by quantity. */
  exitPrice: decimal,
  /** Exit fills: partial exits plus the close. */
  exits: count,
  reason: z.enum(CLOSE_REASONS),
  openedAt: isoTime,
  closedAt: isoTime,
  heldMs: count,
  /** Gross realized PnL of the whole position, as its close reported it. */
  realizedPnl: decimal,
  /** Fees of the fills that opened, grew, reduced and closed it. */
  fees: decimal,
  /** `realizedPnl` − `fees`. */
  netPnl: decimal,
});

/** An account's closed trades in total. */
export const accountTradesSchema = z.strictObject({
  accountId: z.string().min(1),
  trades: count,
  /** Trades with a positive net PnL. */
  won: count,
  /** Trades with a negative net PnL (the rest broke even). */
  lost: count,
  realizedPnl: decimal,
  fees: decimal,
  netPnl: decimal,
});

/** The closed trades: totals per account, and the trades themselves in the order they closed. */
export const tradeReportSchema = z.strictObject({
  accounts: z.array(accountTradesSchema),
  trades: z.array(tradeSchema),
  /** Closed trades counted in `accounts` but not listed: a long-lived ledger lists the latest only. */
  omitted: count,
});

/** One account's closed trades, as `warden status` shows them: the totals and the latest trades. */
export const closedTradesSchema = accountTradesSchema.omit({ accountId: true }).extend({
  /** The latest closed trades, in the order they closed. */
  recent: z.array(tradeSchema),
  /** Closed trades in the totals but not in `recent`. */
  omitted: count,
});

export type Trade = z.infer<typeof tradeSchema>;
export type AccountTrades = z.infer<typeof accountTradesSchema>;
export type TradeReport = z.infer<typeof tradeReportSchema>;
export type ClosedTrades = z.infer<typeof closedTradesSchema>;

/** Decimal places of an average price that does not terminate (an exit at thirds). */
const PRICE_PLACES = 8;

interface OpenTrade {
  readonly accountId: string;
  readonly symbol: string;
  readonly side: 'long' | 'short';
  openedAt?: string;
  entered: Decimal;
  entryValue: Decimal;
  exited: Decimal;
  exitValue: Decimal;
  exits: number;
  fees: Decimal;
}

interface AccountTotals {
  trades: number;
  won: number;
  lost: number;
  realized: Decimal;
  fees: Decimal;
  net: Decimal;
}

/** The position events a trade is built from. */
type PositionEvent = EventOf<
  | 'Trading.Position.Opened.v1'
  | 'Trading.Position.Increased.v1'
  | 'Trading.Position.Reduced.v1'
  | 'Trading.Position.Closed.v1'
>;

/** A quantity, price or money field as a decimal; a field missing from an older log counts 0. */
function num(value: number | string | undefined): Decimal {
  return dec(typeof value === 'number' || typeof value === 'string' ? value : 0);
}

function price(value: Decimal): string {
  return moneyString(value.toDecimalPlaces(PRICE_PLACES, Decimal.ROUND_HALF_EVEN));
}

/** Code-point order, the same on every machine (localeCompare is not). */
function byId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Follows an event stream and keeps its closed trades. An `EventSink`, so it can sit beside the
 * store and the output in a replay or a daemon; `report()` can be called at any time.
 */
export class TradeLedger implements EventSink {
  private readonly open = new Map<string, OpenTrade>();
  /** Fees of fills whose position event has not come yet, by the fill event's id. */
  private readonly fillFees = new Map<string, Decimal>();
  private readonly closed: Trade[] = [];
  private readonly totals = new Map<string, AccountTotals>();
  private omitted = 0;

  /** @param keep the most trades listed (the latest); every trade still counts in the totals. */
  constructor(private readonly keep = Number.POSITIVE_INFINITY) {}

  emit(envelope: Envelope): void {
    const e = asWardenEvent(envelope);
    switch (e.type) {
      case 'Trading.Order.Filled.v1':
        this.fillFees.set(e.id, num(e.data.fee));
        return;
      case 'Trading.Position.Opened.v1': {
        const d = e.data;
        const t = this.trade(e);
        t.openedAt = d.openedAt ?? e.ts;
        t.entered = t.entered.plus(num(d.quantity));
        t.entryValue = t.entryValue.plus(num(d.quantity).times(num(d.entryPrice)));
        return;
      }
      case 'Trading.Position.Increased.v1': {
        const d = e.data;
        const t = this.trade(e);
        t.entered = t.entered.plus(num(d.addedQuantity));
        t.entryValue = t.entryValue.plus(num(d.addedQuantity).times(num(d.fillPrice)));
        return;
      }
      case 'Trading.Position.Reduced.v1': {
        const d = e.data;
        const t = this.trade(e);
        t.exited = t.exited.plus(num(d.reducedQuantity));
        t.exitValue = t.exitValue.plus(num(d.reducedQuantity).times(num(d.exitPrice)));
        t.exits++;
        return;
      }
      case 'Trading.Position.Closed.v1':
        this.close(e);
        return;
    }
  }

  /** The position's open trade, created when its opening was not seen; charges the fee of its fill. */
  private trade(e: PositionEvent): OpenTrade {
    const d = e.data;
    let t = this.open.get(d.positionId);
    if (t === undefined) {
      t = {
        accountId: d.accountId,
        symbol: d.symbol,
        side: d.side,
        entered: ZERO,
        entryValue: ZERO,
        exited: ZERO,
        exitValue: ZERO,
        exits: 0,
        fees: ZERO,
      };
      this.open.set(d.positionId, t);
    }
    // A flip's one fill closes a position and opens the next: its fee is charged once, to the close.
    const fee = e.causationId !== undefined ? this.fillFees.get(e.causationId) : undefined;
    if (fee !== undefined) {
      t.fees = t.fees.plus(fee);
      this.fillFees.delete(e.causationId!);
    }
    return t;
  }

  private close(e: EventOf<'Trading.Position.Closed.v1'>): void {
    const d = e.data;
    const t = this.trade(e);
    this.open.delete(d.positionId);
    const closedQty = num(d.quantity);
    const exited = t.exited.plus(closedQty);
    const exitValue = t.exitValue.plus(closedQty.times(num(d.exitPrice)));
    // Without its opening (a stream that starts mid-position), the close's own figures stand in.
    const entered = t.entered.isZero() ? exited : t.entered;
    const entryPrice = t.entered.isZero() ? num(d.entryPrice) : t.entryValue.div(t.entered);
    const openedAt = d.openedAt ?? t.openedAt ?? e.ts;
    const realized = num(d.realizedPnl);
    const net = realized.minus(t.fees);
    const trade: Trade = {
      accountId: t.accountId,
      positionId: d.positionId,
      symbol: t.symbol,
      side: t.side,
      quantity: moneyString(entered),
      entryPrice: price(entryPrice),
      exitPrice: price(exited.isZero() ? num(d.exitPrice) : exitValue.div(exited)),
      exits: t.exits + 1,
      reason: d.reason,
      openedAt,
      closedAt: e.ts,
      heldMs: Math.max(0, Date.parse(e.ts) - Date.parse(openedAt)),
      realizedPnl: moneyString(realized),
      fees: moneyString(t.fees),
      netPnl: moneyString(net),
    };
    this.closed.push(trade);
    if (this.closed.length > this.keep) {
      this.closed.shift();
      this.omitted++;
    }
    const totals = this.totals.get(t.accountId) ?? {
      trades: 0,
      won: 0,
      lost: 0,
      realized: ZERO,
      fees: ZERO,
      net: ZERO,
    };
    this.totals.set(t.accountId, {
      trades: totals.trades + 1,
      won: totals.won + (net.gt(0) ? 1 : 0),
      lost: totals.lost + (net.lt(0) ? 1 : 0),
      realized: totals.realized.plus(realized),
      fees: totals.fees.plus(t.fees),
      net: totals.net.plus(net),
    });
  }

  /** The closed trades so far: accounts by id, trades in the order they closed. */
  report(): TradeReport {
    const accounts = [...this.totals.entries()]
      .sort(([a], [b]) => byId(a, b))
      .map(([accountId, t]) => ({
        accountId,
        trades: t.trades,
        won: t.won,
        lost: t.lost,
        realizedPnl: moneyString(t.realized),
        fees: moneyString(t.fees),
        netPnl: moneyString(t.net),
      }));
    return { accounts, trades: [...this.closed], omitted: this.omitted };
  }
}

/** The closed trades of an event stream (events in log order). */
export function tradeReport(events: Iterable<Envelope>): TradeReport {
  const ledger = new TradeLedger();
  for (const e of events) ledger.emit(e);
  return ledger.report();
}

/** The event types a trade report reads: enough to rebuild it from a store. */
export const TRADE_EVENT_TYPES = [
  'Trading.Order.Filled.v1',
  'Trading.Position.Opened.v1',
  'Trading.Position.Increased.v1',
  'Trading.Position.Reduced.v1',
  'Trading.Position.Closed.v1',
] as const;

/**
 * A ledger of the closed trades a store holds (for a daemon that starts on it and goes on adding
 * to it as a sink): the events of `TRADE_EVENT_TYPES`, in log order. Lists the latest `keep`.
 */
export async function loadTradeLedger(store: EventStore, keep?: number): Promise<TradeLedger> {
  const ledger = new TradeLedger(keep);
  const events: StoredEvent[] = [];
  for (const type of TRADE_EVENT_TYPES) for await (const e of store.read({ type })) events.push(e);
  events.sort((a, b) => a.position - b.position);
  for (const e of events) ledger.emit(e.envelope);
  return ledger;
}

/** One account's part of a report, as `warden status` carries it (no trades: zero totals). */
export function closedTradesOf(report: TradeReport, accountId: string): ClosedTrades {
  const totals = report.accounts.find((a) => a.accountId === accountId);
  const recent = report.trades.filter((t) => t.accountId === accountId);
  return {
    trades: totals?.trades ?? 0,
    won: totals?.won ?? 0,
    lost: totals?.lost ?? 0,
    realizedPnl: totals?.realizedPnl ?? '0',
    fees: totals?.fees ?? '0',
    netPnl: totals?.netPnl ?? '0',
    recent,
    omitted: (totals?.trades ?? 0) - recent.length,
  };
}
