import type { Decimal } from '../money.ts';

// The daily reset (DESIGN.md "Risk"): at the account's daily boundary the trading day is closed.

/** One closed trading day: its PnL (balance change) and whether the account traded. */
export interface ClosedDay {
  readonly day: string;
  readonly pnl: Decimal;
  readonly traded: boolean;
}

/** What an account carries from one trading day into the next. */
export interface DayBook {
  readonly tradingDay: string;
  readonly dayStartBalance: Decimal;
  readonly eodHigh: Decimal;
  readonly tradedToday: boolean;
}

/** The account's day book after closing its day at `balance`, and the day it closed. */
export interface DayClose {
  readonly closed: ClosedDay;
  /** The highest end-of-day balance so far: the trailing maximum loss follows it, it never falls. */
  readonly eodHigh: Decimal;
  /** The new day starts at the closing balance: daily PnL counts from here. */
  readonly dayStartBalance: Decimal;
  readonly tradingDay: string;
}

/** Closes `book`'s trading day at `balance` and opens `nextDay`. */
export function closeDay(book: DayBook, balance: Decimal, nextDay: string): DayClose {
  return {
    closed: { day: book.tradingDay, pnl: balance.minus(book.dayStartBalance), traded: book.tradedToday },
    eodHigh: balance.gt(book.eodHigh) ? balance : book.eodHigh,
    dayStartBalance: balance,
    tradingDay: nextDay,
  };
}

/** Hold reasons that last until the day's end. */
const DAY_HOLDS: ReadonlySet<string> = new Set(['DAILY_LOSS', 'DAILY_PROFIT_LOCK', 'TRADE_FREQUENCY']);

/** Whether the daily reset lifts a hold: a day hold that does not wait for a person. */
export function liftsAtDailyReset(hold: { readonly reason: string; readonly manualReset: boolean }): boolean {
  return !hold.manualReset && DAY_HOLDS.has(hold.reason);
}
