import { type Account, accountBalance } from '../../../domain/account.ts';
import { type Instrument, isLotMultiple } from '../../../domain/instrument.ts';
import { type Decimal, moneyString, subQty } from '../../../domain/money.ts';
import { type Order, type OrderRequest, orderShapeProblem } from '../../../domain/order.ts';
import type { Tick } from '../../../domain/tick.ts';
import { paperError } from './errors.ts';
import { closableQuantity, exposureIncrease, marginOf, marketFillPrice, stopTriggered } from './matching.ts';

/** An accepted order and the paper venue's bookkeeping for it. */
export interface WorkingOrder {
  order: Order;
  /** Placement sequence, for time priority. */
  readonly seq: number;
  /** Exact Σ price × quantity of the fills so far, for the average fill price. */
  filledNotional: Decimal;
  /** A stop or stop-limit whose stop price has been reached. */
  triggered: boolean;
}

/** True while an order can still fill: open or partially filled. */
export function isLive(w: WorkingOrder): boolean {
  return w.order.status === 'open' || w.order.status === 'partially_filled';
}

/** Quantity still to fill. */
export function remainingOf(w: WorkingOrder): number {
  return subQty(w.order.quantity, w.order.filledQuantity);
}

/** The request fields of an order (or request), without the keys left undefined. */
// Sample: { accountId: 'acc-1', symbol: 'ESZ5', side: 'buy', type: 'limit', quantity: 2, limitPrice: 4500.25, clientOrderId: 'c-1' }
export function requestOf(r: OrderRequest): OrderRequest {
  return {
    accountId: r.accountId,
    symbol: r.symbol,
    side: r.side,
    type: r.type,
    quantity: r.quantity,
    clientOrderId: r.clientOrderId,
    ...(r.limitPrice !== undefined && { limitPrice: r.limitPrice }),
    ...(r.stopPrice !== undefined && { stopPrice: r.stopPrice }),
    ...(r.reduceOnly !== undefined && { reduceOnly: r.reduceOnly }),
    ...(r.intent !== undefined && { intent: r.intent }),
  };
}

/** What the pre-trade checks read from the venue. */
export interface CheckContext {
  readonly instruments: ReadonlyMap<string, Instrument>;
  readonly leverage: number;
  readonly slippageBps: number;
}

/** The instrument of a symbol, or the `UNKNOWN_SYMBOL` rejection. */
export function instrumentOf(ctx: CheckContext, symbol: string): Instrument {
  const instrument = ctx.instruments.get(symbol);
  if (instrument === undefined) throw paperError('UNKNOWN_SYMBOL', `unknown symbol ${symbol}`, { symbol });
  return instrument;
}

/**
 * Free balance = cash (starting balance + realized PnL − fees) − margin of the open positions at
 * their entry price − margin of the account's resting orders that would add exposure, each judged
 * alone against the current position, at its limit price (stop price for a stop). Unrealized PnL
 * is ignored, and so is the margin a flip would release. `excludeSeq` leaves out an order about
 * to be replaced.
 */
export function freeBalance(
  ctx: CheckContext,
  account: Account,
  resting: Iterable<WorkingOrder>,
  excludeSeq?: number,
): Decimal {
  let free = accountBalance(account);
  for (const position of account.positions.values()) {
    const instrument = instrumentOf(ctx, position.symbol);
    free = free.minus(position.costBasis.times(instrument.multiplier).div(ctx.leverage));
  }
  for (const w of resting) {
    if (w.order.accountId !== account.id || w.seq === excludeSeq) continue;
    const position = account.positions.get(w.order.symbol);
    const increase = exposureIncrease(position, w.order.side, remainingOf(w));
    if (increase === 0) continue;
    const price = w.order.type === 'stop' ? w.order.stopPrice! : w.order.limitPrice!;
    free = free.minus(marginOf(instrumentOf(ctx, w.order.symbol), price, increase, ctx.leverage));
  }
  return free;
}

const ORDER_TYPES: readonly string[] = ['market', 'limit', 'stop', 'stop_limit'];

/**
 * Pre-trade checks of a request, in this order: symbol, shape, lot size, reduce-only, market
 * price, margin. Throws the rejection or returns the instrument. The margin of a new order is
 * taken at its limit price, at the stop price for a stop that has not triggered, and at the
 * would-be fill price for a market order or a stop that would trigger at once.
 */
export function checkOrder(
  ctx: CheckContext,
  account: Account,
  resting: Iterable<WorkingOrder>,
  tick: Tick | undefined,
  request: OrderRequest,
  excludeSeq?: number,
): Instrument {
  const instrument = instrumentOf(ctx, request.symbol);
  const details = { accountId: request.accountId, clientOrderId: request.clientOrderId };
  const problem =
    request.side !== 'buy' && request.side !== 'sell'
      ? 'UNKNOWN_SIDE'
      : ORDER_TYPES.includes(request.type)
        ? orderShapeProblem(request)
        : 'UNKNOWN_ORDER_TYPE';
  if (problem !== undefined) throw paperError('INVALID_ORDER', `invalid order: ${problem}`, details);
  if (!isLotMultiple(instrument, request.quantity)) {
    throw paperError(
      'LOT_SIZE',
      `quantity ${request.quantity} is not a multiple of the lot size ${instrument.lotSize}`,
      details,
    );
  }
  const position = account.positions.get(request.symbol);
  if (request.reduceOnly) {
    const closable = closableQuantity(position, request.side);
    if (closable === 0 || request.quantity > closable) {
      throw paperError(
        'REDUCE_ONLY',
        `reduce-only ${request.side} of ${request.quantity} would increase or flip the position`,
        details,
      );
    }
  }
  if (request.type === 'market' && tick === undefined) {
    throw paperError('NO_MARKET_PRICE', `no price yet for ${request.symbol}`, details);
  }
  const increase = exposureIncrease(position, request.side, request.quantity);
  if (increase === 0) return instrument;
  const fillsNow =
    tick !== undefined &&
    (request.type === 'market' ||
      (request.type === 'stop' && stopTriggered(request.side, request.stopPrice!, tick)));
  const price = fillsNow
    ? marketFillPrice(tick, request.side, instrument, ctx.slippageBps)
    : request.type === 'stop'
      ? request.stopPrice!
      : request.limitPrice!;
  const margin = marginOf(instrument, price, increase, ctx.leverage);
  const free = freeBalance(ctx, account, resting, excludeSeq);
  if (margin.gt(free)) {
    throw paperError(
      'INSUFFICIENT_BALANCE',
      `order needs margin ${moneyString(margin)}, free balance is ${moneyString(free)}`,
      { ...details, margin: moneyString(margin), free: moneyString(free) },
    );
  }
  return instrument;
}
