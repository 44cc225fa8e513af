import { type Instrument, roundToTick } from '../../../domain/instrument.ts';
import { type Decimal, dec } from '../../../domain/money.ts';
import type { OrderSide } from '../../../domain/order.ts';
import type { Position } from '../../../domain/position.ts';
import type { Tick } from '../../../domain/tick.ts';

/**
 * Pure price rules of the paper venue. The paper venue takes liquidity from the tick stream: it
 * never matches its own orders against each other, only against the latest tick of a symbol.
 */

/** The price a taker trades at: the ask for a buy, the bid for a sell, the last price without quotes. */
export function takerPrice(tick: Tick, side: OrderSide): number {
  return side === 'buy' ? (tick.ask ?? tick.price) : (tick.bid ?? tick.price);
}

/**
 * Fill price of a market order: the taker price moved against the trader by `slippageBps`, then
 * rounded to the instrument tick against the trader (a buy rounds up, a sell down).
 */
export function marketFillPrice(
  tick: Tick,
  side: OrderSide,
  instrument: Instrument,
  slippageBps: number,
): number {
  const base = dec(takerPrice(tick, side));
  const bps = side === 'buy' ? dec(10_000).plus(slippageBps) : dec(10_000).minus(slippageBps);
  const slipped = base.times(bps).div(10_000).toNumber();
  return roundToTick(instrument, slipped, side === 'buy' ? 'up' : 'down');
}

/**
 * True when a limit order trades against `tick`: a buy when the ask (or last) is at or below the
 * limit, a sell when the bid (or last) is at or above it. The same rule decides whether a new
 * limit order is marketable and whether a later tick crosses a resting one.
 */
export function limitCrosses(side: OrderSide, limitPrice: number, tick: Tick): boolean {
  const price = takerPrice(tick, side);
  return side === 'buy' ? price <= limitPrice : price >= limitPrice;
}

/** True when `tick` triggers a stop: a buy stop at last ≥ stop, a sell stop at last ≤ stop (inclusive). */
export function stopTriggered(side: OrderSide, stopPrice: number, tick: Tick): boolean {
  return side === 'buy' ? tick.price >= stopPrice : tick.price <= stopPrice;
}

/** A resting limit order as the matcher sees it. */
export interface Queued {
  readonly side: OrderSide;
  readonly limitPrice: number;
  /** Placement sequence number: lower was placed earlier. */
  readonly seq: number;
}

/**
 * Matching order of resting limit orders on one tick: buys before sells, then price priority
 * (the highest buy, the lowest sell first), then time priority.
 */
export function byPriceTime(a: Queued, b: Queued): number {
  if (a.side !== b.side) return a.side === 'buy' ? -1 : 1;
  if (a.limitPrice !== b.limitPrice) {
    return a.side === 'buy' ? b.limitPrice - a.limitPrice : a.limitPrice - b.limitPrice;
  }
  return a.seq - b.seq;
}

/** Commission of a fill: notional (price × quantity × multiplier) × bps / 10 000. */
export function feeOf(instrument: Instrument, price: number, quantity: number, feeBps: number): Decimal {
  return dec(price).times(quantity).times(instrument.multiplier).times(feeBps).div(10_000);
}

/** Margin that `quantity` at `price` ties up: price × quantity × multiplier / leverage. */
export function marginOf(instrument: Instrument, price: number, quantity: number, leverage: number): Decimal {
  return dec(price).times(quantity).times(instrument.multiplier).div(leverage);
}

/**
 * The part of an order that adds exposure to `position`: all of it when flat or on the same side,
 * only what goes beyond flat when it trades against the position.
 */
export function exposureIncrease(position: Position | undefined, side: OrderSide, quantity: number): number {
  if (position === undefined || (position.side === 'long') === (side === 'buy')) return quantity;
  const beyond = dec(quantity).minus(position.quantity);
  return beyond.gt(0) ? beyond.toNumber() : 0;
}

/** How much of `position` an order on `side` can close (0 when flat or on the same side). */
export function closableQuantity(position: Position | undefined, side: OrderSide): number {
  if (position === undefined || (position.side === 'long') === (side === 'buy')) return 0;
  return position.quantity;
}
