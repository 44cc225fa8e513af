import { Decimal, dec, moneyString } from '../money.ts';

/*
 * Fractional-Kelly sizing. An edge becomes a payoff (probability of winning, win and loss per
 * unit in price units); the Kelly fraction of that payoff, scaled down, says how much of the
 * bankroll to put at risk; the caps and the lot grid then bound the quantity. Probabilities are
 * plain numbers; anything multiplied into money or quantities goes through decimals.
 */

/** What an edge source says about one market. */
export interface EdgeEstimate {
  readonly side: 'long' | 'short';
  /** Entry price the sizing assumes (the limit price). */
  readonly price: number;
  /** Binary contract (pays 1 per contract per unit of multiplier when right): probability q that it settles in the side's favour. */
  readonly probability?: number;
  /** Expected favourable move as a fraction of price (e.g. 0.02); used with `confidence` as the probability of reaching it before the stop. */
  readonly expectedMove?: number;
  /** Probability, 0 to 1, of reaching `expectedMove` before the stop; 1 when absent. */
  readonly confidence?: number;
  readonly stopPrice?: number;
  readonly targetPrice?: number;
  /** true for a binary contract priced in [0,1] (Kalshi style). */
  readonly binary?: boolean;
}

/** A two-outcome bet: win `win` with `probability`, else lose `loss` (per unit, price units, both > 0). */
export interface Payoff {
  readonly probability: number;
  readonly win: number;
  readonly loss: number;
}

/** Why an edge could not be turned into a payoff. */
export interface PayoffProblem {
  readonly problem: string;
}

const ONE = new Decimal(1);

function isProbability(x: number | undefined): x is number {
  return x !== undefined && Number.isFinite(x) && x >= 0 && x <= 1;
}

function isPositive(x: number | undefined): x is number {
  return x !== undefined && Number.isFinite(x) && x > 0;
}

function binaryPayoff(e: EdgeEstimate): Payoff | PayoffProblem {
  if (!(e.price > 0 && e.price < 1)) {
    return { problem: `A binary contract needs a price strictly between 0 and 1, not ${e.price}.` };
  }
  if (!isProbability(e.probability)) {
    return { problem: `A binary contract needs a probability from 0 to 1, not ${e.probability}.` };
  }
  const p = dec(e.price);
  const q = dec(e.probability);
  // Selling YES at p is buying NO at 1 − p: it wins p when NO settles, with probability 1 − q.
  return e.side === 'long'
    ? { probability: e.probability, win: ONE.minus(p).toNumber(), loss: e.price }
    : { probability: ONE.minus(q).toNumber(), win: e.price, loss: ONE.minus(p).toNumber() };
}

/** A problem with the stop's side of the entry, or undefined when the stop is on the losing side. */
function stopProblem(e: EdgeEstimate, stop: number): string | undefined {
  if (!isPositive(stop)) return `The stop price must be a positive number, not ${stop}.`;
  if (e.side === 'long' ? stop < e.price : stop > e.price) return undefined;
  const where = e.side === 'long' ? 'below' : 'above';
  return `The stop ${stop} of a ${e.side} entry at ${e.price} must be ${where} the entry price.`;
}

/**
 * The payoff an edge implies, or the reason it implies none. Binary contracts use the price
 * and probability (a short sells YES, which is buying NO at 1 − price); other markets need a
 * probability with a stop and a target price, or an expected move with a stop price, in which
 * case the probability is the confidence (1 when absent).
 */
export function payoffOf(e: EdgeEstimate): Payoff | PayoffProblem {
  if (!isPositive(e.price)) return { problem: `The price must be a positive number, not ${e.price}.` };
  if (e.binary) return binaryPayoff(e);
  const price = dec(e.price);
  if (e.probability !== undefined && e.stopPrice !== undefined && e.targetPrice !== undefined) {
    if (!isProbability(e.probability)) {
      return { problem: `The probability must be from 0 to 1, not ${e.probability}.` };
    }
    const stop = stopProblem(e, e.stopPrice);
    if (stop) return { problem: stop };
    const target = e.targetPrice;
    if (!isPositive(target) || (e.side === 'long' ? target <= e.price : target >= e.price)) {
      const where = e.side === 'long' ? 'above' : 'below';
      return {
        problem: `The target ${target} of a ${e.side} entry at ${e.price} must be ${where} the entry price.`,
      };
    }
    return {
      probability: e.probability,
      win: dec(target).minus(price).abs().toNumber(),
      loss: price.minus(e.stopPrice).abs().toNumber(),
    };
  }
  if (e.expectedMove !== undefined && e.stopPrice !== undefined) {
    if (!isPositive(e.expectedMove)) {
      return {
        problem: `The expected move must be a positive fraction of the price, not ${e.expectedMove}.`,
      };
    }
    const confidence = e.confidence ?? 1;
    if (!isProbability(confidence)) {
      return { problem: `The confidence must be from 0 to 1, not ${confidence}.` };
    }
    const stop = stopProblem(e, e.stopPrice);
    if (stop) return { problem: stop };
    return {
      probability: confidence,
      win: dec(e.expectedMove).times(price).toNumber(),
      loss: price.minus(e.stopPrice).abs().toNumber(),
    };
  }
  return {
    problem:
      'The edge cannot be sized: it needs a probability with a stop and a target price, an expected move with a stop price, or a binary contract with a probability.',
  };
}

/**
 * The edge: the probability of winning minus the break-even probability loss / (win + loss), the
 * probability at which the bet's expected value is zero. For a binary contract (win 1 − p, loss p)
 * that is probability − price, the edge prediction-market traders quote; for a stop-and-target bet
 * it is how far the probability of reaching the target first lies above the odds the prices imply.
 * One definition for every market, so one minimum edge (DESIGN.md: 5%) means the same everywhere.
 */
export function edgeValue(_e: EdgeEstimate, p: Payoff): number {
  const breakEven = dec(p.loss).div(dec(p.loss).plus(p.win));
  return dec(p.probability).minus(breakEven).toNumber();
}

/**
 * The full Kelly fraction f* = (b·q − (1 − q)) / b with b = win / loss: the share of the bankroll
 * to lose if the bet loses. Zero or less means there is no edge to bet on.
 *
 * @throws RangeError when the probability is outside [0, 1] or win or loss is not positive.
 */
export function kellyFraction(p: Payoff): number {
  if (!isProbability(p.probability)) throw new RangeError(`probability ${p.probability} is outside [0, 1]`);
  if (!isPositive(p.win)) throw new RangeError(`win ${p.win} is not a positive number`);
  if (!isPositive(p.loss)) throw new RangeError(`loss ${p.loss} is not a positive number`);
  const q = dec(p.probability);
  // (b·q − (1 − q)) / b = q − (1 − q) / b, with 1 / b = loss / win.
  return q.minus(ONE.minus(q).times(p.loss).div(p.win)).toNumber();
}

/** What `sizeEntry` needs. */
export interface SizeEntryInput {
  readonly payoff: Payoff;
  /** Entry price. */
  readonly price: number;
  /** Equity the fraction applies to. */
  readonly bankroll: string | number;
  /** Share of the full Kelly fraction to use; 0.25 when absent. */
  readonly kellyMultiplier?: number;
  /** Further scaling from 0 to 1 for how much the edge is trusted; 1 when absent. */
  readonly confidence?: number;
  /** Contract multiplier of the instrument. */
  readonly multiplier: number;
  /** Quantity step of the instrument. */
  readonly lotSize: number;
  /** Largest notional for this market. */
  readonly maxNotionalPerMarket?: string | number;
  /** Largest notional as a share of the bankroll. */
  readonly maxBankrollFraction?: number;
  /** A binary contract: notional is the premium paid, `payoff.loss` per contract, not `price`. */
  readonly binary?: boolean;
}

/** A sized entry. */
export interface EntrySize {
  /** Whole number of lots. */
  readonly quantity: number;
  /** Share of the bankroll the Kelly rule put at risk, kellyMultiplier·f*·confidence capped at 1, before the caps. */
  readonly fraction: number;
  /** quantity·loss·multiplier, money. */
  readonly riskAmount: string;
  /** quantity·price·multiplier (premium paid for a binary contract), money. */
  readonly notional: string;
  /**
   * What bound the size below the Kelly quantity: `kelly` when the fraction was capped at the
   * whole bankroll, `market` or `bankroll` when that notional cap applied (the later one when
   * both did), `lot` when only the rounding down to whole lots did. Absent when nothing did.
   */
  readonly clampedBy?: 'kelly' | 'market' | 'bankroll' | 'lot';
}

/** Why no entry was sized. */
export interface SizeProblem {
  readonly problem: 'NO_EDGE' | 'SIZE_TOO_SMALL';
  readonly message: string;
}

function checkInput(input: SizeEntryInput, kellyMultiplier: number, confidence: number): void {
  if (!(kellyMultiplier >= 0 && Number.isFinite(kellyMultiplier))) {
    throw new RangeError(`kellyMultiplier ${kellyMultiplier} is not a non-negative number`);
  }
  if (!isProbability(confidence)) throw new RangeError(`confidence ${confidence} is outside [0, 1]`);
  if (!isPositive(input.price)) throw new RangeError(`price ${input.price} is not a positive number`);
  if (!isPositive(input.multiplier)) {
    throw new RangeError(`multiplier ${input.multiplier} is not a positive number`);
  }
  if (!isPositive(input.lotSize)) throw new RangeError(`lotSize ${input.lotSize} is not a positive number`);
  if (input.maxBankrollFraction !== undefined && !(input.maxBankrollFraction >= 0)) {
    throw new RangeError(`maxBankrollFraction ${input.maxBankrollFraction} is not a non-negative number`);
  }
}

/**
 * Sizes an entry: kellyMultiplier·f*·confidence of the bankroll is put at risk, so the quantity
 * is that amount over loss·multiplier; it is then cut so the notional stays within
 * `maxNotionalPerMarket` and `maxBankrollFraction`·bankroll, and rounded down to whole lots.
 *
 * @throws RangeError on inputs no caller should send (a non-positive price, multiplier or lot
 *   size, a negative Kelly multiplier, a confidence outside [0, 1], a payoff `kellyFraction` refuses).
 */
export function sizeEntry(input: SizeEntryInput): EntrySize | SizeProblem {
  const kellyMultiplier = input.kellyMultiplier ?? 0.25;
  const confidence = input.confidence ?? 1;
  checkInput(input, kellyMultiplier, confidence);
  const full = kellyFraction(input.payoff);
  let fraction = dec(kellyMultiplier).times(full).times(confidence);
  if (!fraction.gt(0)) {
    return {
      problem: 'NO_EDGE',
      message: `The edge gives no positive fraction to bet: full Kelly is ${full}, scaled to ${fraction.toNumber()}.`,
    };
  }
  let clampedBy: EntrySize['clampedBy'];
  if (fraction.gt(1)) {
    fraction = ONE;
    clampedBy = 'kelly';
  }
  const bankroll = dec(input.bankroll);
  const riskPerUnit = dec(input.payoff.loss).times(input.multiplier);
  const notionalPerUnit = dec(input.binary ? input.payoff.loss : input.price).times(input.multiplier);
  let quantity = Decimal.max(fraction.times(bankroll).div(riskPerUnit), 0);
  if (input.maxNotionalPerMarket !== undefined) {
    const cap = dec(input.maxNotionalPerMarket).div(notionalPerUnit);
    if (cap.lt(quantity)) {
      quantity = Decimal.max(cap, 0);
      clampedBy = 'market';
    }
  }
  if (input.maxBankrollFraction !== undefined) {
    const cap = dec(input.maxBankrollFraction).times(bankroll).div(notionalPerUnit);
    if (cap.lt(quantity)) {
      quantity = Decimal.max(cap, 0);
      clampedBy = 'bankroll';
    }
  }
  const lot = dec(input.lotSize);
  const lots = quantity.div(lot).floor();
  if (lots.lt(1)) {
    return {
      problem: 'SIZE_TOO_SMALL',
      message: `The size ${quantity.toSignificantDigits(6).toFixed()} is less than one lot of ${input.lotSize}.`,
    };
  }
  const floored = lots.times(lot);
  if (floored.lt(quantity) && clampedBy === undefined) clampedBy = 'lot';
  const size = {
    quantity: floored.toNumber(),
    fraction: fraction.toNumber(),
    riskAmount: moneyString(floored.times(riskPerUnit)),
    notional: moneyString(floored.times(notionalPerUnit)),
  };
  return clampedBy === undefined ? size : { ...size, clampedBy };
}
