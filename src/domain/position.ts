import type { Instrument } from './instrument.ts';
import { type Decimal, dec, ZERO } from './money.ts';
import type { Fill, PositionSide } from './order.ts';

/** What a position is watched against; every field is optional. */
export interface Thesis {
  /** A candle close beyond this price invalidates the idea behind the position. */
  readonly invalidationPrice?: number;
  /** Candle interval the thesis is judged on, e.g. `15m`. */
  readonly interval?: string;
  /** Also invalidate on a break of the last swing low (long) or swing high (short). */
  readonly swingBreak?: boolean;
  readonly note?: string;
}

/**
 * One net position of an account in one symbol. Accounts net per symbol, as futures and most
 * crypto venues do: a fill on the same side scales in, a fill on the other side scales out, and
 * a fill larger than the position closes it and opens a new one on the other side.
 */
export interface Position {
  readonly id: string;
  readonly accountId: string;
  readonly symbol: string;
  readonly side: PositionSide;
  /** Open quantity, always > 0. */
  readonly quantity: number;
  /** Average entry price of the open quantity (cost basis / quantity), as a number for the hot path. */
  readonly entryPrice: number;
  /** Exact cost basis of the open quantity: Σ price × quantity, in price units (no multiplier). */
  readonly costBasis: Decimal;
  /** Gross PnL realized by partial exits of this position so far. */
  readonly realizedPnl: Decimal;
  readonly openedAt: number;
  readonly updatedAt: number;
  readonly stopPrice?: number;
  readonly targetPrice?: number;
  /** Name of the monitoring profile; `default` when absent. */
  readonly profile?: string;
  readonly thesis?: Thesis;
  /** Candle-close management: consult the decision policy at every close of this interval. */
  readonly manage?: { readonly interval: string };
}

/** The position after a fill and what the fill did to it. */
export type FillEffect =
  | { readonly kind: 'opened'; readonly position: Position }
  | { readonly kind: 'increased'; readonly position: Position }
  | {
      readonly kind: 'reduced';
      readonly position: Position;
      readonly realized: Decimal;
      readonly quantity: number;
    }
  | {
      readonly kind: 'closed';
      readonly closed: Position;
      readonly realized: Decimal;
      readonly quantity: number;
    }
  | {
      readonly kind: 'flipped';
      readonly closed: Position;
      readonly realized: Decimal;
      readonly quantity: number;
      readonly position: Position;
    };

/** Fields a new position takes from whoever opened it. */
export interface OpenAttributes {
  readonly stopPrice?: number;
  readonly targetPrice?: number;
  readonly profile?: string;
  readonly thesis?: Thesis;
  /** Candle-close management: consult the decision policy at every close of this interval. */
  readonly manage?: { readonly interval: string };
}

function sideOfFill(fill: Fill): PositionSide {
  return fill.side === 'buy' ? 'long' : 'short';
}

export function openPosition(
  id: string,
  fill: Pick<Fill, 'accountId' | 'symbol' | 'side' | 'quantity' | 'price' | 'ts'>,
  attrs: OpenAttributes = {},
): Position {
  return {
    id,
    accountId: fill.accountId,
    symbol: fill.symbol,
    side: fill.side === 'buy' ? 'long' : 'short',
    quantity: fill.quantity,
    entryPrice: fill.price,
    costBasis: dec(fill.price).times(fill.quantity),
    realizedPnl: ZERO,
    openedAt: fill.ts,
    updatedAt: fill.ts,
    ...attrs,
  };
}

/**
 * Decimal places the cost of a partly closed position is kept to. The average cost of a position
 * bought at several prices is a fraction (1/3 of 100.01 + 2/3 of 100.02 …) that no decimal holds;
 * the closed part's cost is rounded here and the rest keeps exactly what remains, so each partial
 * exit's PnL is a plain number and the PnL of every exit of a position adds up to the exact total.
 */
const COST_PLACES = 18;

/** Cost of `quantity` of the position at its average: costBasis × quantity / open quantity. */
function costOfPart(position: Position, quantity: number): Decimal {
  if (quantity === position.quantity) return position.costBasis;
  return position.costBasis.times(quantity).div(position.quantity).toDecimalPlaces(COST_PLACES);
}

/** Gross PnL of closing `quantity` of `position` at `price`. */
export function pnlOfExit(
  position: Position,
  instrument: Instrument,
  quantity: number,
  price: number,
): Decimal {
  const cost = costOfPart(position, quantity);
  const proceeds = dec(price).times(quantity);
  const diff = position.side === 'long' ? proceeds.minus(cost) : cost.minus(proceeds);
  return diff.times(instrument.multiplier);
}

/**
 * Applies a fill to the account's position in the fill's symbol (or to none). `newId` names the
 * position a fill opens, from flat or on the far side of a flip.
 */
export function applyFill(
  current: Position | undefined,
  fill: Fill,
  instrument: Instrument,
  newId: () => string,
  attrs: OpenAttributes = {},
): FillEffect {
  if (current === undefined) {
    return { kind: 'opened', position: openPosition(newId(), fill, attrs) };
  }
  if (sideOfFill(fill) === current.side) {
    const quantity = dec(current.quantity).plus(fill.quantity);
    const costBasis = current.costBasis.plus(dec(fill.price).times(fill.quantity));
    return {
      kind: 'increased',
      position: {
        ...current,
        quantity: quantity.toNumber(),
        costBasis,
        entryPrice: costBasis.div(quantity).toNumber(),
        updatedAt: fill.ts,
      },
    };
  }
  const closing = Math.min(current.quantity, fill.quantity);
  const realized = pnlOfExit(current, instrument, closing, fill.price);
  const remaining = dec(current.quantity).minus(fill.quantity);
  if (remaining.gt(0)) {
    const costBasis = current.costBasis.minus(costOfPart(current, closing));
    return {
      kind: 'reduced',
      realized,
      quantity: closing,
      position: {
        ...current,
        quantity: remaining.toNumber(),
        costBasis,
        realizedPnl: current.realizedPnl.plus(realized),
        updatedAt: fill.ts,
      },
    };
  }
  const closed: Position = {
    ...current,
    quantity: 0,
    costBasis: dec(0),
    realizedPnl: current.realizedPnl.plus(realized),
    updatedAt: fill.ts,
  };
  if (remaining.isZero()) return { kind: 'closed', closed, realized, quantity: closing };
  const rest = remaining.negated().toNumber();
  return {
    kind: 'flipped',
    closed,
    realized,
    quantity: closing,
    position: openPosition(newId(), { ...fill, quantity: rest }),
  };
}

/** Unrealized PnL of the whole position at `price`. */
export function unrealizedPnl(position: Position, instrument: Instrument, price: number): Decimal {
  return pnlOfExit(position, instrument, position.quantity, price);
}

/**
 * Unrealized PnL as a plain number, for the per-tick hot path (display, ranking, thresholds that
 * are confirmed exactly elsewhere). Never use it for limits.
 */
export function unrealizedPnlFast(position: Position, instrument: Instrument, price: number): number {
  const diff = position.side === 'long' ? price - position.entryPrice : position.entryPrice - price;
  return diff * position.quantity * instrument.multiplier;
}

/** PnL as a percentage of the entry notional: PnL / (E · q · multiplier) × 100. */
export function pnlPercent(position: Position, price: number): number {
  const diff = position.side === 'long' ? price - position.entryPrice : position.entryPrice - price;
  return (diff / position.entryPrice) * 100;
}
