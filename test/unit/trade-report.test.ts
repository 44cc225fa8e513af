import { describe, expect, it } from 'vitest';
import { accountStandingSchema, type StatusReport } from '../../src/app/control/protocol.ts';
import { closedTradesSection, withClosedTrades } from '../../src/app/control/status-trades.ts';
import { TradeLedger, tradeReport, tradeReportSchema } from '../../src/app/trade-report.ts';
import {
  formatTradeTable,
  reportFormatOf,
  tradeHeadline,
  tradeReportCsv,
  tradeReportText,
} from '../../src/app/trade-report-format.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';

/*
 * The trade report is a pure function of the event stream: these streams are written by hand,
 * shaped as the engine emits them (a fill, then the position event it causes).
 */

let n = 0;
function event(type: string, ts: string, data: Record<string, unknown>, causationId?: string): Envelope {
  n += 1;
  return {
    id: `E${String(n).padStart(4, '0')}`,
    type,
    key: String(data.accountId),
    ts,
    ...(causationId !== undefined ? { causationId } : {}),
    data,
  };
}

/** A fill and the position event it caused. */
function filled(fee: string, ts: string, type: string, data: Record<string, unknown>): Envelope[] {
  const fill = event('Trading.Order.Filled.v1', ts, { accountId: data.accountId, fee });
  return [fill, event(type, ts, data, fill.id)];
}

const ref = (positionId: string, accountId = 'A1', symbol = 'ES', side = 'long') => ({
  positionId,
  accountId,
  symbol,
  side,
});

/** Long 2 @ 100, add 1 @ 130, sell 1 @ 140, close 2 @ 150: fees 1 + 0.5 + 0.25 + 0.75. */
function scaledTrade(): Envelope[] {
  return [
    ...filled('1', '2026-01-05T14:00:00.000Z', 'Trading.Position.Opened.v1', {
      ...ref('p1'),
      quantity: 2,
      entryPrice: 100,
      openedAt: '2026-01-05T14:00:00.000Z',
      source: 'fill',
    }),
    ...filled('0.5', '2026-01-05T14:10:00.000Z', 'Trading.Position.Increased.v1', {
      ...ref('p1'),
      addedQuantity: 1,
      fillPrice: 130,
      quantity: 3,
      entryPrice: 110,
    }),
    event('Position.Stop.Approaching.v1', '2026-01-05T14:15:00.000Z', { ...ref('p1'), price: 101 }),
    ...filled('0.25', '2026-01-05T14:20:00.000Z', 'Trading.Position.Reduced.v1', {
      ...ref('p1'),
      reducedQuantity: 1,
      quantity: 2,
      exitPrice: 140,
      realizedPnl: '30',
    }),
    ...filled('0.75', '2026-01-05T15:30:00.250Z', 'Trading.Position.Closed.v1', {
      ...ref('p1'),
      reason: 'TAKE_PROFIT',
      quantity: 2,
      entryPrice: 110,
      exitPrice: 150,
      realizedPnl: '110',
      openedAt: '2026-01-05T14:00:00.000Z',
    }),
  ];
}

describe('tradeReport', () => {
  it('reports a closed position from its first entry to its last exit, in decimal strings', () => {
    const report = tradeReport(scaledTrade());
    expect(tradeReportSchema.parse(report)).toEqual(report);
    expect(report.trades).toEqual([
      {
        accountId: 'A1',
        positionId: 'p1',
        symbol: 'ES',
        side: 'long',
        quantity: '3',
        // (2 × 100 + 1 × 130) / 3, rounded to 8 places; the exits (1 × 140 + 2 × 150) / 3.
        entryPrice: '110',
        exitPrice: '146.66666667',
        exits: 2,
        reason: 'TAKE_PROFIT',
        openedAt: '2026-01-05T14:00:00.000Z',
        closedAt: '2026-01-05T15:30:00.250Z',
        heldMs: 5_400_250,
        realizedPnl: '110',
        fees: '2.5',
        netPnl: '107.5',
      },
    ]);
    expect(report.accounts).toEqual([
      { accountId: 'A1', trades: 1, won: 1, lost: 0, realizedPnl: '110', fees: '2.5', netPnl: '107.5' },
    ]);
  });

  it('sums exactly per account, orders accounts by id and counts wins and losses by net PnL', () => {
    const closed = (id: string, account: string, pnl: string, fee: string, ts: string) =>
      filled(fee, ts, 'Trading.Position.Closed.v1', {
        ...ref(id, account),
        reason: 'STOP_LOSS',
        quantity: 1,
        entryPrice: 100,
        exitPrice: 99,
        realizedPnl: pnl,
        openedAt: '2026-01-05T14:00:00.000Z',
      });
    const report = tradeReport([
      ...closed('q1', 'B', '0.1', '0', '2026-01-05T14:01:00.000Z'),
      ...closed('q2', 'A', '0.2', '0.3', '2026-01-05T14:02:00.000Z'),
      ...closed('q3', 'B', '0.2', '0', '2026-01-05T14:03:00.000Z'),
      ...closed('q4', 'B', '0', '0', '2026-01-05T14:04:00.000Z'),
    ]);
    expect(report.accounts).toEqual([
      { accountId: 'A', trades: 1, won: 0, lost: 1, realizedPnl: '0.2', fees: '0.3', netPnl: '-0.1' },
      { accountId: 'B', trades: 3, won: 2, lost: 0, realizedPnl: '0.3', fees: '0', netPnl: '0.3' },
    ]);
    expect(report.trades.map((t) => t.positionId)).toEqual(['q1', 'q2', 'q3', 'q4']);
    // Opened was never seen: the close's own figures stand in.
    expect(report.trades[0]).toMatchObject({ quantity: '1', entryPrice: '100', exitPrice: '99', exits: 1 });
  });

  it('charges the fee of a fill that flips a position once, to the close', () => {
    const [fill, closed] = filled('2', '2026-01-05T14:30:00.000Z', 'Trading.Position.Closed.v1', {
      ...ref('f1'),
      reason: 'MANUAL',
      quantity: 1,
      entryPrice: 100,
      exitPrice: 105,
      realizedPnl: '5',
      openedAt: '2026-01-05T14:00:00.000Z',
    }) as [Envelope, Envelope];
    const reopened = event(
      'Trading.Position.Opened.v1',
      '2026-01-05T14:30:00.000Z',
      { ...ref('f2', 'A1', 'ES', 'short'), quantity: 1, entryPrice: 105, source: 'fill' },
      fill.id,
    );
    const reclosed = filled('1', '2026-01-05T14:40:00.000Z', 'Trading.Position.Closed.v1', {
      ...ref('f2', 'A1', 'ES', 'short'),
      reason: 'TAKE_PROFIT',
      quantity: 1,
      entryPrice: 105,
      exitPrice: 100,
      realizedPnl: '5',
      openedAt: '2026-01-05T14:30:00.000Z',
    });
    const report = tradeReport([fill, closed, reopened, ...reclosed]);
    expect(report.trades.map((t) => [t.positionId, t.side, t.fees, t.netPnl])).toEqual([
      ['f1', 'long', '2', '3'],
      ['f2', 'short', '1', '4'],
    ]);
  });

  it('lists only the latest trades when told to keep a few, and still counts them all', () => {
    const ledger = new TradeLedger(2);
    for (const i of [1, 2, 3]) {
      for (const e of filled('0', `2026-01-05T14:0${i}:00.000Z`, 'Trading.Position.Closed.v1', {
        ...ref(`k${i}`),
        reason: 'MANUAL',
        quantity: 1,
        entryPrice: 100,
        exitPrice: 101,
        realizedPnl: '1',
        openedAt: '2026-01-05T14:00:00.000Z',
      }))
        ledger.emit(e);
    }
    const report = ledger.report();
    expect(report.trades.map((t) => t.positionId)).toEqual(['k2', 'k3']);
    expect(report.omitted).toBe(1);
    expect(report.accounts[0]).toMatchObject({ trades: 3, won: 3, netPnl: '3' });
    expect(formatTradeTable(report).at(-1)).toBe('… 1 earlier closed trade not listed');
  });
});

describe('trade report formats', () => {
  it('writes CSV with a header, one row per trade and a final newline', () => {
    const csv = tradeReportCsv(tradeReport(scaledTrade()));
    expect(csv).toBe(
      'account,position,symbol,side,quantity,entry_price,exit_price,exits,reason,opened_at,closed_at,held_ms,realized_pnl,fees,net_pnl\n' +
        'A1,p1,ES,long,3,110,146.66666667,2,TAKE_PROFIT,2026-01-05T14:00:00.000Z,2026-01-05T15:30:00.250Z,5400250,110,2.5,107.5\n',
    );
    expect(tradeReportText(tradeReport([]), 'csv').split('\n')).toHaveLength(2);
  });

  it('writes JSON with money, prices and quantities as decimal strings', () => {
    const json = tradeReportText(tradeReport(scaledTrade()), 'json');
    expect(json.endsWith('}\n')).toBe(true);
    const parsed = tradeReportSchema.parse(JSON.parse(json));
    expect(parsed.trades[0]?.exitPrice).toBe('146.66666667');
  });

  it('takes the format from --report-format, else from the extension, and refuses a guess', () => {
    expect(reportFormatOf('trades.csv', undefined)).toBe('csv');
    expect(reportFormatOf('out/Trades.JSON', undefined)).toBe('json');
    expect(reportFormatOf('trades.txt', 'CSV')).toBe('csv');
    expect(() => reportFormatOf('trades.txt', undefined)).toThrow(/end it in \.csv or \.json/);
    expect(() => reportFormatOf('trades.csv', 'xml')).toThrow(/--report-format must be csv or json/);
  });

  it('prints a table per account with its total', () => {
    const lines = formatTradeTable(tradeReport(scaledTrade()));
    expect(tradeHeadline(tradeReport(scaledTrade()))).toBe('1 closed: 1 won, 0 lost');
    expect(lines[0]).toMatch(
      /^account +position +symbol +side +qty +entry +exit +reason +closed +held +PnL +fees +net$/,
    );
    expect(lines[1]).toMatch(
      /^A1 +p1 +ES +long +3 +110 +146\.66666667 +TAKE_PROFIT +2026-01-05T15:30:00\.250Z +1h 30m 0s +110 +2\.5 +107\.5$/,
    );
    expect(lines[2]).toMatch(/^A1 +total +110 +2\.5 +107\.5 +1 trade, 1 won, 0 lost$/);
    // Numbers are right-aligned: the net column ends at the same place on every line.
    expect(lines[1]!.indexOf('107.5') + 5).toBe(lines[0]!.indexOf('net') + 3);
  });
});

describe('closed trades in warden status', () => {
  const status: StatusReport = {
    generatedAt: '2026-01-05T16:00:00.000Z',
    accounts: [
      {
        accountId: 'A1',
        state: 'ACTIVE',
        holds: [],
        balance: '1000',
        equity: '1000',
        dailyPnl: '0',
        tradingDay: '2026-01-05',
        openPositions: 0,
        positions: [],
        limits: [],
      },
    ] as unknown as StatusReport['accounts'],
  };

  it("adds each account's totals and trades, valid against the protocol, and a section", () => {
    const report = withClosedTrades(status, tradeReport(scaledTrade()));
    const account = report.accounts[0]!;
    // The protocol carries it (the rest of the standing is another test's business).
    expect(accountStandingSchema.shape.closedTrades.parse(account.closedTrades)).toEqual(
      account.closedTrades,
    );
    expect(account.closedTrades).toMatchObject({ trades: 1, won: 1, netPnl: '107.5', omitted: 0 });
    expect(account.closedTrades?.recent.map((t) => t.positionId)).toEqual(['p1']);
    const section = closedTradesSection(account);
    expect(section?.label).toBe('closed trades');
    expect(section?.lines[0]).toBe('1 trade, 1 won, 0 lost; PnL 110, fees 2.5, net 107.5');
    expect(section?.lines[1]).toMatch(/^position +symbol/);
    expect(section?.lines[2]).toMatch(/^p1 +ES +long/);
    expect(section?.lines).toHaveLength(3);
    expect(closedTradesSection(withClosedTrades(status, tradeReport([])).accounts[0]!)?.lines).toEqual([
      'none',
    ]);
  });
});
