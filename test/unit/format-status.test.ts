import { describe, expect, it } from 'vitest';
import { ACCOUNT_SECTIONS, type AccountSection, formatStatus } from '../../src/app/control/format-status.ts';
import type { AccountStanding, StatusReport } from '../../src/app/control/protocol.ts';
import { SAMPLE_POSITION } from '../support/status-fixtures.ts';

const halted: AccountStanding = {
  accountId: 'A1',
  state: 'HALTED',
  holds: [
    {
      reason: 'daily loss limit reached',
      state: 'HALTED',
      since: '2026-01-05T15:10:00.000Z',
      until: '2026-01-05T23:00:00.000Z',
      manualReset: false,
    },
    { reason: 'news event', state: 'REDUCING', since: '2026-01-05T14:00:00.000Z', manualReset: true },
  ],
  preset: 'topstep-50k',
  balance: '48950.00',
  equity: '48900.00',
  dailyPnl: '-1050.00',
  tradingDay: '2026-01-05',
  openPositions: 1,
  positions: [SAMPLE_POSITION],
  limits: [
    { rule: 'DailyLoss', limit: '1000.00', value: '1050.00', headroom: '-50.00', unit: 'money' },
    { rule: 'MaxContracts', limit: '5', value: '2', headroom: '3', unit: 'contracts' },
    { rule: 'TradeFrequency', limit: '10', value: '10', headroom: '0', unit: 'count' },
  ],
  challenge: {
    phase: 'phase-1',
    status: 'IN_PROGRESS',
    profitTarget: '3000.00',
    profit: '1250.00',
    progressPct: 41.666,
    tradingDays: 3,
    minTradingDays: 5,
    bestDay: '600.00',
    consistencyPct: 48,
    consistencyLimitPct: 50,
  },
};

const active: AccountStanding = {
  accountId: 'A2',
  state: 'ACTIVE',
  holds: [],
  balance: '10000',
  equity: '10012.5',
  dailyPnl: '12.5',
  tradingDay: '2026-01-05',
  openPositions: 1,
  positions: [
    {
      positionId: '01KJQFB950MD8YY34D644SVJ4C',
      symbol: 'BTC',
      side: 'short',
      quantity: '1.638',
      entryPrice: '97250.5',
      unrealizedPnl: '0',
      openedAt: '2026-01-05T15:00:00.000Z',
    },
  ],
  limits: [],
};

function report(...accounts: AccountStanding[]): StatusReport {
  return { generatedAt: '2026-01-05T15:12:30.000Z', accounts };
}

describe('formatStatus', () => {
  it('starts with the time of the report and the number of accounts', () => {
    expect(formatStatus(report(halted, active)).split('\n')[0]).toBe(
      'warden status at 2026-01-05T15:12:30.000Z: 2 accounts',
    );
    expect(formatStatus(report())).toBe('warden status at 2026-01-05T15:12:30.000Z: 0 accounts\n');
  });

  it('writes a halted account with its holds, money, positions, limits and challenge', () => {
    const expected = [
      'A1: HALTED',
      '  holds         HALTED: daily loss limit reached (since 2026-01-05T15:10:00.000Z, until 2026-01-05T23:00:00.000Z)',
      '                REDUCING: news event (since 2026-01-05T14:00:00.000Z, until an operator resets it)',
      '  preset        topstep-50k',
      '  balance       48950.00',
      '  equity        48900.00',
      '  daily PnL     -1050.00 (trading day 2026-01-05)',
      '  positions     1 open',
      '                symbol  side  quantity  entry   price  PnL  stop  target  position',
      '                ES      long         2   5000  4999.5  -50  4990    5030  P1',
      '  limits        rule              limit    value  headroom  unit',
      '                DailyLoss       1000.00  1050.00    -50.00  money      over the limit',
      '                MaxContracts          5        2         3  contracts',
      '                TradeFrequency       10       10         0  count      at the limit',
      '  challenge     phase-1, IN_PROGRESS',
      '                profit        1250.00 of 3000.00 (41.7%)',
      '                trading days  3/5',
      '                consistency   48.0% (limit 50.0%), best day 600.00',
    ];
    expect(formatStatus(report(halted, active))).toContain(`\n\n${expected.join('\n')}\n\n`);
  });

  it('writes an active account without holds, preset, limits or challenge', () => {
    const expected = [
      'A2: ACTIVE',
      '  balance       10000',
      '  equity        10012.5',
      '  daily PnL     12.5 (trading day 2026-01-05)',
      '  positions     1 open',
      '                symbol  side   quantity    entry  price  PnL  stop  target  position',
      '                BTC     short     1.638  97250.5      -    0     -       -  01KJQFB950MD8YY34D644SVJ4C',
      '  limits        none',
    ];
    const text = formatStatus(report(halted, active));
    expect(text.endsWith(`\n\n${expected.join('\n')}\n`)).toBe(true);
    expect(text.slice(text.indexOf('A2: ACTIVE'))).not.toMatch(/hold|preset|challenge/);
  });

  it('writes a single hold under "hold", and a hold with both an end time and a manual reset', () => {
    const text = formatStatus(
      report({
        ...halted,
        holds: [
          {
            reason: 'max loss',
            state: 'HALTED',
            since: '2026-01-05T15:10:00.000Z',
            until: '2026-01-06T23:00:00.000Z',
            manualReset: true,
          },
        ],
      }),
    );
    expect(text).toContain(
      '\n  hold          HALTED: max loss (since 2026-01-05T15:10:00.000Z, until 2026-01-06T23:00:00.000Z, until an operator resets it)\n',
    );
  });

  it('says when a failed challenge failed, and flags a consistency over its limit', () => {
    const text = formatStatus(
      report({
        ...halted,
        challenge: {
          phase: 'evaluation',
          status: 'FAILED',
          profitTarget: '3000',
          profit: '-2100',
          progressPct: -70,
          tradingDays: 7,
          minTradingDays: 5,
          bestDay: '900',
          consistencyPct: 62.5,
          consistencyLimitPct: 50,
          failedReason: 'max trailing loss breached',
        },
      }),
    );
    expect(text).toContain('\n  challenge     evaluation, FAILED: max trailing loss breached\n');
    expect(text).toContain('\n                profit        -2100 of 3000 (-70.0%)\n');
    expect(text).toContain('\n                trading days  7/5\n');
    expect(text).toContain(
      '\n                consistency   62.5% (limit 50.0%, over the limit), best day 900\n',
    );
  });

  it('shows the best day alone when there is no consistency figure', () => {
    const text = formatStatus(
      report({
        ...halted,
        challenge: {
          phase: 'funded',
          status: 'PASSED',
          profitTarget: '3000',
          profit: '3150.25',
          progressPct: 100,
          tradingDays: 5,
          minTradingDays: 5,
          bestDay: '1200',
        },
      }),
    );
    expect(text).toContain('\n  challenge     funded, PASSED\n');
    expect(text).toContain('\n                profit        3150.25 of 3000 (100.0%)\n');
    expect(text).toContain('\n                best day      1200\n');
    expect(text).not.toContain('consistency');
  });

  it('prints money exactly as the daemon sent it', () => {
    const text = formatStatus(report({ ...active, balance: '12345678901234567890.123456789' }));
    expect(text).toContain('\n  balance       12345678901234567890.123456789\n');
  });

  it('says "none" for an account without open positions, and never counts contracts', () => {
    const text = formatStatus(report({ ...active, openPositions: 0, positions: [] }));
    expect(text).toContain('\n  positions     none\n');
    // The MaxContracts limit is in contracts; quantities of BTC are not counted as contracts.
    expect(formatStatus(report(halted, active))).not.toMatch(/open, [\d.]+ contracts?/);
  });

  it('appends a section given after the standard ones, under its label', () => {
    const trades: AccountSection = (a) => ({ label: 'closed trades', lines: [`none on ${a.accountId}`] });
    const text = formatStatus(report(active), [...ACCOUNT_SECTIONS, trades]);
    expect(text.endsWith('\n  limits        none\n  closed trades none on A2\n')).toBe(true);
  });
});
