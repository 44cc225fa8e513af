import { WardenError } from '../domain/errors.ts';
import { formatSpan } from './inspect/explain.ts';
import { type ColumnAlign, formatTable } from './text-table.ts';
import type { AccountTrades, Trade, TradeReport } from './trade-report.ts';

/*
 * A trade report as text (the replay summary, `warden status`), CSV and JSON (`replay --report`).
 * Decimal strings are printed as they are, never through a float.
 *
 *   account  position                    symbol  side  qty  entry  exit  reason       closed                    held         PnL  fees   net
 *   TS1      01KJQFB950MD8YY34D644SVJ4C  ES      long    2   5000  5030  TAKE_PROFIT  2026-03-02T15:57:15.000Z  1h 26m 15s  3000     0  3000
 *   TS1      total                                                                                                          3000     0  3000  1 trade, 1 won, 0 lost
 */

const HEADER = [
  'account',
  'position',
  'symbol',
  'side',
  'qty',
  'entry',
  'exit',
  'reason',
  'closed',
  'held',
  'PnL',
  'fees',
  'net',
  '',
];
// Quantities, prices and money to the right, so that their digits line up.
const ALIGN: ColumnAlign[] = HEADER.map((h) =>
  ['qty', 'entry', 'exit', 'PnL', 'fees', 'net'].includes(h) ? 'right' : 'left',
);

/** `3 trades, 2 won, 1 lost`. */
function tally(a: AccountTrades): string {
  return `${a.trades} ${a.trades === 1 ? 'trade' : 'trades'}, ${a.won} won, ${a.lost} lost`;
}

/** One line over every account: `5 closed: 3 won, 2 lost` (won and lost by net PnL). */
export function tradeHeadline(report: TradeReport): string {
  const n = report.accounts.reduce((sum, a) => sum + a.trades, 0);
  if (n === 0) return 'none closed';
  const won = report.accounts.reduce((sum, a) => sum + a.won, 0);
  const lost = report.accounts.reduce((sum, a) => sum + a.lost, 0);
  return `${n} closed: ${won} won, ${lost} lost`;
}

/**
 * The report as an aligned table: per account its trades in the order they closed, then its
 * total. At most `limit` trades are listed (the latest); `more` says where the others are.
 * `account: false` leaves the account column out (a table under one account's name).
 */
export function formatTradeTable(
  report: TradeReport,
  options: { readonly limit?: number; readonly more?: string; readonly account?: boolean } = {},
): string[] {
  if (report.accounts.length === 0) return [];
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const listed = report.trades.slice(Math.max(0, report.trades.length - limit));
  const unlisted = report.omitted + report.trades.length - listed.length;
  const rows: string[][] = [];
  for (const a of report.accounts) {
    for (const t of listed) if (t.accountId === a.accountId) rows.push(tradeCells(t));
    rows.push([
      a.accountId,
      'total',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      a.realizedPnl,
      a.fees,
      a.netPnl,
      tally(a),
    ]);
  }
  const from = options.account === false ? 1 : 0;
  const lines = formatTable(
    HEADER.slice(from),
    rows.map((r) => r.slice(from)),
    ALIGN.slice(from),
  );
  if (unlisted > 0) {
    const what = `${unlisted} earlier closed ${unlisted === 1 ? 'trade' : 'trades'} not listed`;
    lines.push(`… ${what}${options.more !== undefined ? ` (${options.more})` : ''}`);
  }
  return lines;
}

function tradeCells(t: Trade): string[] {
  return [
    t.accountId,
    t.positionId,
    t.symbol,
    t.side,
    t.quantity,
    t.entryPrice,
    t.exitPrice,
    t.reason,
    t.closedAt,
    formatSpan(t.heldMs),
    t.realizedPnl,
    t.fees,
    t.netPnl,
  ];
}

/** The file formats of `--report`. */
export const REPORT_FORMATS = ['csv', 'json'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/**
 * The format of a report file: `--report-format` when given, else the file's extension. Throws
 * `WARDEN_CONFIG_INVALID` for anything else, before a replay starts.
 */
export function reportFormatOf(path: string, flag: string | undefined): ReportFormat {
  if (flag !== undefined) {
    const f = flag.toLowerCase();
    if ((REPORT_FORMATS as readonly string[]).includes(f)) return f as ReportFormat;
    throw new WardenError('WARDEN_CONFIG_INVALID', `--report-format must be csv or json, not "${flag}"`);
  }
  const ext = /\.([^./\\]+)$/.exec(path)?.[1]?.toLowerCase();
  if (ext === 'csv' || ext === 'json') return ext;
  throw new WardenError(
    'WARDEN_CONFIG_INVALID',
    `--report ${path}: cannot tell the format from the name; end it in .csv or .json, or add --report-format csv|json`,
  );
}

const CSV_COLUMNS: readonly [string, (t: Trade) => string][] = [
  ['account', (t) => t.accountId],
  ['position', (t) => t.positionId],
  ['symbol', (t) => t.symbol],
  ['side', (t) => t.side],
  ['quantity', (t) => t.quantity],
  ['entry_price', (t) => t.entryPrice],
  ['exit_price', (t) => t.exitPrice],
  ['exits', (t) => String(t.exits)],
  ['reason', (t) => t.reason],
  ['opened_at', (t) => t.openedAt],
  ['closed_at', (t) => t.closedAt],
  ['held_ms', (t) => String(t.heldMs)],
  ['realized_pnl', (t) => t.realizedPnl],
  ['fees', (t) => t.fees],
  ['net_pnl', (t) => t.netPnl],
];

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One row per closed trade, in the order they closed, with a header; ends with a newline. */
export function tradeReportCsv(report: TradeReport): string {
  const lines = [CSV_COLUMNS.map(([name]) => name).join(',')];
  for (const t of report.trades) lines.push(CSV_COLUMNS.map(([, get]) => csvField(get(t))).join(','));
  return `${lines.join('\n')}\n`;
}

/** The report in the chosen format, as the file's whole text. */
export function tradeReportText(report: TradeReport, format: ReportFormat): string {
  return format === 'csv' ? tradeReportCsv(report) : `${JSON.stringify(report, null, 2)}\n`;
}
