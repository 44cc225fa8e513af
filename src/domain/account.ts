import type { Instrument } from './instrument.ts';
import { type Decimal, dec, ZERO } from './money.ts';
import type { Fill } from './order.ts';
import { applyFill, type FillEffect, type OpenAttributes, type Position, unrealizedPnl } from './position.ts';

/** Account trading state (see DESIGN.md "Risk"). */
export type TradingState = 'ACTIVE' | 'REDUCING' | 'HALTED';

/** One trading account: its cash ledger and its net positions, one per symbol. */
export interface Account {
  readonly id: string;
  /** Balance when Warden started watching the account (or at the last daily reset). */
  readonly startingBalance: Decimal;
  /** Gross PnL realized since `startingBalance`. */
  readonly realizedPnl: Decimal;
  /** Commissions paid since `startingBalance`. */
  readonly fees: Decimal;
  readonly positions: ReadonlyMap<string, Position>;
  readonly tradingState: TradingState;
}

export function createAccount(id: string, balance: Decimal | number | string): Account {
  return {
    id,
    startingBalance: dec(balance),
    realizedPnl: ZERO,
    fees: ZERO,
    positions: new Map(),
    tradingState: 'ACTIVE',
  };
}

/** Cash balance: starting balance + realized PnL − fees. */
export function accountBalance(account: Account): Decimal {
  return account.startingBalance.plus(account.realizedPnl).minus(account.fees);
}

/** The account after a fill, and what the fill did to the position in its symbol. */
export interface AccountFillResult {
  readonly account: Account;
  readonly effect: FillEffect;
}

export function applyFillToAccount(
  account: Account,
  fill: Fill,
  instrument: Instrument,
  newId: () => string,
  attrs?: OpenAttributes,
): AccountFillResult {
  const effect = applyFill(account.positions.get(fill.symbol), fill, instrument, newId, attrs);
  const positions = new Map(account.positions);
  let realized = ZERO;
  switch (effect.kind) {
    case 'opened':
    case 'increased':
      positions.set(fill.symbol, effect.position);
      break;
    case 'reduced':
      positions.set(fill.symbol, effect.position);
      realized = effect.realized;
      break;
    case 'closed':
      positions.delete(fill.symbol);
      realized = effect.realized;
      break;
    case 'flipped':
      positions.set(fill.symbol, effect.position);
      realized = effect.realized;
      break;
  }
  return {
    effect,
    account: {
      ...account,
      positions,
      realizedPnl: account.realizedPnl.plus(realized),
      fees: account.fees.plus(fill.fee),
    },
  };
}

/** Replaces one position (stop, target, profile changes) and returns the new account. */
export function withPosition(account: Account, position: Position): Account {
  const positions = new Map(account.positions);
  positions.set(position.symbol, position);
  return { ...account, positions };
}

/**
 * Net PnL of the account: realized − fees + unrealized at the given prices. A position whose
 * symbol has no price yet is marked at its entry (zero unrealized).
 */
export function accountPnl(
  account: Account,
  instruments: ReadonlyMap<string, Instrument>,
  prices: ReadonlyMap<string, number>,
): Decimal {
  let total = account.realizedPnl.minus(account.fees);
  for (const position of account.positions.values()) {
    const price = prices.get(position.symbol);
    const instrument = instruments.get(position.symbol);
    if (price === undefined || instrument === undefined) continue;
    total = total.plus(unrealizedPnl(position, instrument, price));
  }
  return total;
}

/** Equity: balance + unrealized PnL. */
export function accountEquity(
  account: Account,
  instruments: ReadonlyMap<string, Instrument>,
  prices: ReadonlyMap<string, number>,
): Decimal {
  return account.startingBalance.plus(accountPnl(account, instruments, prices));
}
