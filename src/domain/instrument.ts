import { Decimal } from './money.ts';

/** A tradable instrument. Prices are in `currency` per unit; one contract is `multiplier` units. */
export interface Instrument {
  readonly symbol: string;
  /** Smallest price increment. */
  readonly tickSize: number;
  /** Smallest quantity increment; every order quantity is a multiple of it. */
  readonly lotSize: number;
  /** Currency value of a one-point move for one contract (1 for spot, 50 for ES, 5 for MES). */
  readonly multiplier: number;
  readonly currency: string;
  /** Expiry or settlement time (epoch ms) for futures, options and prediction markets. */
  readonly expiry?: number;
}

export function defineInstrument(
  spec: Pick<Instrument, 'symbol'> & Partial<Omit<Instrument, 'symbol'>>,
): Instrument {
  return {
    tickSize: 0.01,
    lotSize: 1,
    multiplier: 1,
    currency: 'USD',
    ...spec,
  };
}

/** True when `quantity` is a positive whole number of lots. */
export function isLotMultiple(instrument: Instrument, quantity: number): boolean {
  if (!(quantity > 0)) return false;
  if (instrument.lotSize === 1) return Number.isInteger(quantity);
  return new Decimal(quantity).mod(instrument.lotSize).isZero();
}

/** Rounds a quantity down to a whole number of lots. */
export function floorToLot(instrument: Instrument, quantity: number): number {
  // Fast path for the common case of a quantity already on the lot grid.
  const ratio = quantity / instrument.lotSize;
  if (
    Number.isInteger(ratio) &&
    ratio * instrument.lotSize === quantity &&
    isLotMultiple(instrument, quantity)
  ) {
    return quantity;
  }
  const lots = new Decimal(quantity).div(instrument.lotSize).floor();
  return lots.times(instrument.lotSize).toNumber();
}

/** Rounds a price to the nearest tick; `direction` forces rounding down or up. */
export function roundToTick(
  instrument: Instrument,
  price: number,
  direction: 'nearest' | 'down' | 'up' = 'nearest',
): number {
  const ticks = new Decimal(price).div(instrument.tickSize);
  const rounded = direction === 'down' ? ticks.floor() : direction === 'up' ? ticks.ceil() : ticks.round();
  return rounded.times(instrument.tickSize).toNumber();
}

/**
 * The root of a symbol: `CON.F.US.RTY.H25` → `RTY`, `ESZ5` stays `ESZ5`, `BTC/USDT` → `BTC`.
 * Used by symbol blocks that name a product rather than one contract.
 */
export function rootSymbol(symbol: string): string {
  const dotted = symbol.split('.');
  if (dotted.length >= 5 && dotted[0] === 'CON') return dotted[3] ?? symbol;
  const slash = symbol.split(/[/:-]/);
  return slash[0] ?? symbol;
}
