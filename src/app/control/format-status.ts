import type { AccountStanding, ChallengeStanding, Hold, LimitStanding, StatusReport } from './protocol.ts';

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
 *     positions     1 open, 2 contracts
 *     limits        rule            limit    value  headroom  unit
 *                   DailyLoss     1000.00  1050.00    -50.00  money      over the limit
 *                   MaxContracts        5        2         3  contracts
 *     challenge     phase-1, IN_PROGRESS
 *                   profit        1250.00 of 3000.00 (41.7%)
 *                   trading days  3/5
 *                   consistency   48.0% (limit 50.0%), best day 600.00
 */

const LABEL_WIDTH = 14;

/** The status report as readable text, one block per account, ending with a newline. */
export function formatStatus(report: StatusReport): string {
  const n = report.accounts.length;
  const lines = [`warden status at ${report.generatedAt}: ${n} ${n === 1 ? 'account' : 'accounts'}`];
  for (const account of report.accounts) lines.push('', ...formatAccount(account));
  return `${lines.join('\n')}\n`;
}

function formatAccount(a: AccountStanding): string[] {
  const lines = [`${a.accountId}: ${a.state}`];
  const field = (label: string, values: readonly string[]) => {
    values.forEach((value, i) => {
      lines.push(`  ${(i === 0 ? label : '').padEnd(LABEL_WIDTH)}${value}`.trimEnd());
    });
  };
  if (a.holds.length > 0) field(a.holds.length === 1 ? 'hold' : 'holds', a.holds.map(formatHold));
  if (a.preset !== undefined) field('preset', [a.preset]);
  field('balance', [a.balance]);
  field('equity', [a.equity]);
  field('daily PnL', [`${a.dailyPnl} (trading day ${a.tradingDay})`]);
  field('positions', [
    `${a.openPositions} open, ${a.contracts} ${a.contracts === 1 ? 'contract' : 'contracts'}`,
  ]);
  field('limits', a.limits.length > 0 ? formatLimits(a.limits) : ['none']);
  if (a.challenge !== undefined) field('challenge', formatChallenge(a.challenge));
  return lines;
}

function formatHold(h: Hold): string {
  const when = [`since ${h.since}`];
  if (h.until !== undefined) when.push(`until ${h.until}`);
  if (h.manualReset) when.push('until an operator resets it');
  return `${h.state}: ${h.reason} (${when.join(', ')})`;
}

/** An aligned table: rule names left, numbers right, a note on a limit reached or passed. */
function formatLimits(limits: readonly LimitStanding[]): string[] {
  const header = ['rule', 'limit', 'value', 'headroom', 'unit'];
  const rows = limits.map((l) => [l.rule, l.limit, l.value, l.headroom, l.unit]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => {
        const width = widths[i] as number;
        return i === 0 || i === 4 ? cell.padEnd(width) : cell.padStart(width);
      })
      .join('  ');
  return [
    line(header).trimEnd(),
    ...rows.map((row, i) => {
      const note = limitNote((limits[i] as LimitStanding).headroom);
      return `${line(row)}${note === '' ? '' : `  ${note}`}`.trimEnd();
    }),
  ];
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
