import { formatTable } from '../text-table.ts';
import type {
  AccountStanding,
  ChallengeStanding,
  Hold,
  LimitStanding,
  PositionStanding,
  StatusReport,
} from './protocol.ts';

/*
 * The text of `warden status`: one block per account. Decimal strings are printed as the daemon
 * sent them, never through a float.
 *
 *   A1: HALTED
 *     hold          HALTED: daily loss limit reached (since 2026-01-05T15:10:00.000Z, until …)
 *     preset        topstep-50k
 *     balance       48950.00
 *     equity        48900.00
 *     daily PnL     -1050.00 (trading day 2026-01-05)
 *     positions     1 open
 *                   symbol  side  quantity  entry   price  PnL  stop  target  position
 *                   ES      long         2   5000  4999.5  -50  4990    5030  01KJQFB950MD8YY34D644SVJ4C
 *     limits        rule            limit    value  headroom  unit
 *                   DailyLoss     1000.00  1050.00    -50.00  money      over the limit
 *                   MaxContracts        5        2         3  contracts
 *     challenge     phase-1, IN_PROGRESS
 *                   profit        1250.00 of 3000.00 (41.7%)
 *                   trading days  3/5
 *                   consistency   48.0% (limit 50.0%), best day 600.00
 */

const LABEL_WIDTH = 14;

/** One labelled part of an account's block: the label, then its lines one under the other. */
export interface StatusSection {
  readonly label: string;
  readonly lines: readonly string[];
}

/** Builds one section of an account's block from its standing, or undefined to leave it out. */
export type AccountSection = (a: AccountStanding) => StatusSection | undefined;

/**
 * The sections of an account's block, in order. A new part of the report (closed trades, …) is a
 * section of its own: pass `[...ACCOUNT_SECTIONS, mine]` to `formatStatus`.
 */
export const ACCOUNT_SECTIONS: readonly AccountSection[] = [
  (a) =>
    a.holds.length === 0
      ? undefined
      : { label: a.holds.length === 1 ? 'hold' : 'holds', lines: a.holds.map(formatHold) },
  (a) => (a.preset === undefined ? undefined : { label: 'preset', lines: [a.preset] }),
  (a) => ({ label: 'balance', lines: [a.balance] }),
  (a) => ({ label: 'equity', lines: [a.equity] }),
  (a) => ({ label: 'daily PnL', lines: [`${a.dailyPnl} (trading day ${a.tradingDay})`] }),
  (a) => ({ label: 'positions', lines: formatPositions(a.positions) }),
  (a) => ({ label: 'limits', lines: a.limits.length > 0 ? formatLimits(a.limits) : ['none'] }),
  (a) =>
    a.challenge === undefined ? undefined : { label: 'challenge', lines: formatChallenge(a.challenge) },
];

/** The status report as readable text, one block per account, ending with a newline. */
export function formatStatus(
  report: StatusReport,
  sections: readonly AccountSection[] = ACCOUNT_SECTIONS,
): string {
  const n = report.accounts.length;
  const lines = [`warden status at ${report.generatedAt}: ${n} ${n === 1 ? 'account' : 'accounts'}`];
  for (const account of report.accounts) lines.push('', ...formatAccount(account, sections));
  return `${lines.join('\n')}\n`;
}

function formatAccount(a: AccountStanding, sections: readonly AccountSection[]): string[] {
  const lines = [`${a.accountId}: ${a.state}`];
  for (const build of sections) {
    const section = build(a);
    if (section === undefined) continue;
    section.lines.forEach((value, i) => {
      lines.push(`  ${(i === 0 ? section.label : '').padEnd(LABEL_WIDTH)}${value}`.trimEnd());
    });
  }
  return lines;
}

function formatHold(h: Hold): string {
  const when = [`since ${h.since}`];
  if (h.until !== undefined) when.push(`until ${h.until}`);
  if (h.manualReset) when.push('until an operator resets it');
  return `${h.state}: ${h.reason} (${when.join(', ')})`;
}

/** "2 open", then a table of the positions: prices and PnL right-aligned, "-" where unset. */
function formatPositions(positions: readonly PositionStanding[]): string[] {
  if (positions.length === 0) return ['none'];
  const rows = positions.map((p) => [
    p.symbol,
    p.side,
    p.quantity,
    p.entryPrice,
    p.price ?? '-',
    p.unrealizedPnl,
    p.stopPrice ?? '-',
    p.targetPrice ?? '-',
    p.positionId,
  ]);
  return [
    `${positions.length} open`,
    ...formatTable(
      ['symbol', 'side', 'quantity', 'entry', 'price', 'PnL', 'stop', 'target', 'position'],
      rows,
      ['left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    ),
  ];
}

/** An aligned table: rule names left, numbers right, a note on a limit reached or passed. */
function formatLimits(limits: readonly LimitStanding[]): string[] {
  return formatTable(
    ['rule', 'limit', 'value', 'headroom', 'unit', ''],
    limits.map((l) => [l.rule, l.limit, l.value, l.headroom, l.unit, limitNote(l.headroom)]),
    ['left', 'right', 'right', 'right', 'left', 'left'],
  );
}

function limitNote(headroom: string): string {
  if (/^-?0+(\.0+)?$/.test(headroom)) return 'at the limit';
  return headroom.startsWith('-') ? 'over the limit' : '';
}

function formatChallenge(c: ChallengeStanding): string[] {
  const lines = [
    `${c.phase}, ${c.status}${c.failedReason !== undefined ? `: ${c.failedReason}` : ''}`,
    `profit        ${c.profit} of ${c.profitTarget} (${percent(c.progressPct)})`,
    `trading days  ${c.tradingDays}/${c.minTradingDays}`,
  ];
  if (c.consistencyPct === undefined) lines.push(`best day      ${c.bestDay}`);
  else {
    const limit = c.consistencyLimitPct;
    const over = limit !== undefined && c.consistencyPct > limit ? ', over the limit' : '';
    const of = limit !== undefined ? ` (limit ${percent(limit)}${over})` : '';
    lines.push(`consistency   ${percent(c.consistencyPct)}${of}, best day ${c.bestDay}`);
  }
  return lines;
}

function percent(value: number): string {
  return `${value.toFixed(1)}%`;
}
