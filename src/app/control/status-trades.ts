import { closedTradesOf, type TradeReport } from '../trade-report.ts';
import { formatTradeTable } from '../trade-report-format.ts';
import type { AccountSection } from './format-status.ts';
import type { StatusReport } from './protocol.ts';

/*
 * Closed trades in `warden status`: each account's totals and latest trades (a daemon keeps the
 * trades of its store, see `loadTradeLedger`), as an optional part of the report and a section of
 * each account's block:
 *
 *   closed trades 1 trade, 1 won, 0 lost; PnL 3000, fees 0, net 3000
 *                 position                    symbol  side  qty  entry  exit  reason       closed                    held        PnL  fees   net
 *                 01KJQFB950MD8YY34D644SVJ4C  ES      long    2   5000  5030  TAKE_PROFIT  2026-03-02T15:57:15.000Z  1h 26m 15s  3000     0  3000
 */

/** Closed trades listed per account in the text; `--json` has every trade the daemon keeps. */
const LISTED = 20;
/** The latest closed trades a daemon keeps, over every account (all count in the totals). */
export const DAEMON_TRADES_KEPT = 500;

/** The status report with each account's closed trades from `trades`. */
export function withClosedTrades(report: StatusReport, trades: TradeReport): StatusReport {
  return {
    ...report,
    accounts: report.accounts.map((a) => ({ ...a, closedTrades: closedTradesOf(trades, a.accountId) })),
  };
}

/** The `closed trades` section of an account's block (see `formatStatus`); none without the data. */
export const closedTradesSection: AccountSection = (a) => {
  const c = a.closedTrades;
  if (c === undefined) return undefined;
  const tally = `${c.trades} ${c.trades === 1 ? 'trade' : 'trades'}, ${c.won} won, ${c.lost} lost`;
  if (c.trades === 0) return { label: 'closed trades', lines: ['none'] };
  const table = formatTradeTable(
    {
      accounts: [
        {
          accountId: a.accountId,
          trades: c.trades,
          won: c.won,
          lost: c.lost,
          realizedPnl: c.realizedPnl,
          fees: c.fees,
          netPnl: c.netPnl,
        },
      ],
      trades: c.recent,
      omitted: c.omitted,
    },
    {
      account: false,
      limit: LISTED,
      more: `warden status --json lists the latest ${DAEMON_TRADES_KEPT} of all accounts`,
    },
  );
  return {
    label: 'closed trades',
    // The table's total row repeats the tally: it is the headline here.
    lines: [
      `${tally}; PnL ${c.realizedPnl}, fees ${c.fees}, net ${c.netPnl}`,
      ...table.filter((l) => !l.startsWith('total')),
    ],
  };
};
