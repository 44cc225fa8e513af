import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { StatusReport } from '../../src/app/control/protocol.ts';
import { tradeReport, tradeReportSchema } from '../../src/app/trade-report.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import { startDaemon } from '../support/daemon-process.ts';
import { expectFlagRefused, STACK_FRAME, warden } from '../support/warden-cli.ts';

/*
 * Issue 12, item 10: what a user reads after a backtest. `warden replay` prints the closed trades
 * per account and position in its summary and writes them with `--report FILE` (CSV or JSON); a
 * daemon's `warden status` shows them too, those of its store included.
 */

const PROP = ['-c', 'examples/prop-firm.yaml', '-t', 'examples/data/prop-firm-ticks.csv'];
const EDGES = ['-e', 'examples/data/prop-firm-edges.jsonl'];

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-trade-report-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function envelopes(jsonl: string): Envelope[] {
  return jsonl
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Envelope);
}

describe.concurrent('warden replay --report', () => {
  it('prints the closed trades in the summary and writes them as CSV', async ({ expect }) => {
    const report = join(dir, 'trades.csv');
    const run = await warden('replay', ...PROP, ...EDGES, '-o', '/dev/null', '--report', report);
    expect(run.code, run.stderr).toBe(0);
    expect(await readFile(report, 'utf8')).toBe(
      [
        'account,position,symbol,side,quantity,entry_price,exit_price,exits,reason,opened_at,closed_at,held_ms,realized_pnl,fees,net_pnl',
        'TS1,01KJQFB950MD8YY34D644SVJ4C,ES,long,2,5000,5030,1,TAKE_PROFIT,2026-03-02T14:31:00.000Z,2026-03-02T15:57:15.000Z,5175000,3000,0,3000',
        'TS1,01KJT1ZAH0ZJCN1FAWM2PN3STQ,ES,long,2,5017.75,5005,1,CIRCUIT_BREAKER,2026-03-03T14:35:00.000Z,2026-03-03T15:00:15.000Z,1515000,-1275,0,-1275',
        'TS1,01KJWMC1H0X3ZXP7GS071V6KSM,ES,short,2,5000,4995,1,SESSION_END,2026-03-04T14:35:00.000Z,2026-03-04T21:10:00.000Z,23700000,500,0,500',
        '',
      ].join('\n'),
    );
    const summary = run.stderr;
    expect(summary).toMatch(/^ {2}trades +3 closed: 2 won, 1 lost$/m);
    expect(summary).toMatch(
      /^ {4}account +position +symbol +side +qty +entry +exit +reason +closed +held +PnL +fees +net$/m,
    );
    expect(summary).toMatch(
      /^ {4}TS1 +01KJQFB950MD8YY34D644SVJ4C +ES +long +2 +5000 +5030 +TAKE_PROFIT +2026-03-02T15:57:15\.000Z +1h 26m 15s +3000 +0 +3000$/m,
    );
    expect(summary).toMatch(/^ {4}TS1 +total +2225 +0 +2225 +3 trades, 2 won, 1 lost$/m);
  });

  it('writes JSON by extension or --report-format, the same report as the event stream gives', async ({
    expect,
  }) => {
    const out = join(dir, 'basic.jsonl');
    const json = join(dir, 'trades.json');
    const forced = join(dir, 'trades.report');
    const [byName, byFlag] = await Promise.all([
      warden(
        'replay',
        '-c',
        'examples/basic.yaml',
        '-t',
        'examples/data/basic-ticks.csv',
        '-o',
        out,
        '--report',
        json,
      ),
      warden(
        'replay',
        '-c',
        'examples/basic.yaml',
        '-t',
        'examples/data/basic-ticks.csv',
        '-o',
        '/dev/null',
        '--report',
        forced,
        '--report-format',
        'json',
      ),
    ]);
    expect(byName.code, byName.stderr).toBe(0);
    expect(byFlag.code, byFlag.stderr).toBe(0);
    const text = await readFile(json, 'utf8');
    expect(await readFile(forced, 'utf8')).toBe(text);
    const report = tradeReportSchema.parse(JSON.parse(text));
    expect(report).toEqual(tradeReport(envelopes(await readFile(out, 'utf8'))));
    expect(report.trades).toHaveLength(5);
    // Money, prices and quantities are decimal strings; per account the net PnL adds up to the
    // summary's realized PnL (net of fees, all accounts).
    expect(text).toContain('"quantity": "0.5"');
    expect(text).toContain('"fees": "6.244466"');
    const realized = /^ {2}realized PnL (\S+)/m.exec(byName.stderr)![1]!;
    const { Decimal } = await import('../../src/domain/money.ts');
    const total = report.accounts.reduce((sum, a) => sum.plus(a.netPnl), new Decimal(0));
    expect(total.toFixed()).toBe(realized);
  });

  it('refuses a report it cannot name the format of before the run, leaving no output behind', async ({
    expect,
  }) => {
    const out = join(dir, 'never.jsonl');
    const run = await warden('replay', ...PROP, '-o', out, '--report', join(dir, 'trades.txt'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('error [WARDEN_CONFIG_INVALID]: --report ');
    expect(run.stderr).toContain('end it in .csv or .json, or add --report-format csv|json');
    expect(run.stderr).not.toContain('replay summary');
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(existsSync(out)).toBe(false);
    expectFlagRefused(await warden('replay', ...PROP, '--report-format', 'csv'), '--report-format');
    expectFlagRefused(
      await warden('replay', ...PROP, '--report', join(dir, 'x.csv'), '--report-format', 'xml'),
      '--report-format',
    );
  });
});

describe('warden status', () => {
  it("shows the closed trades of the daemon's store, per account and position", async ({ expect }) => {
    const store = join(dir, 'daemon.db');
    const reportFile = join(dir, 'replayed.json');
    const replay = await warden(
      'replay',
      '-c',
      'examples/basic.yaml',
      '-t',
      'examples/data/basic-ticks.csv',
      '--store',
      store,
      '-o',
      '/dev/null',
      '--report',
      reportFile,
    );
    expect(replay.code, replay.stderr).toBe(0);
    const replayed = tradeReportSchema.parse(JSON.parse(await readFile(reportFile, 'utf8')));

    const socket = join(dir, 'w.sock');
    const daemon = startDaemon(
      '-c',
      'examples/basic.yaml',
      '--duration',
      '60',
      '--socket',
      socket,
      '--store',
      store,
    );
    try {
      // The daemon says when its control socket listens: wait for that line, not for time.
      await daemon.waitFor((l) => l.msg.startsWith('control socket: '), 'the control socket line');
      const json = await warden('status', '--socket', socket, '--json');
      expect(json.code, json.stderr).toBe(0);
      const status = JSON.parse(json.stdout) as StatusReport;
      for (const totals of replayed.accounts) {
        const account = status.accounts.find((a) => a.accountId === totals.accountId)!;
        const mine = replayed.trades.filter((t) => t.accountId === totals.accountId);
        // The store's trades first, in the order they closed (the daemon may have closed more since).
        expect(account.closedTrades?.recent.slice(0, mine.length)).toEqual(mine);
        expect(account.closedTrades!.trades).toBeGreaterThanOrEqual(totals.trades);
      }
      const text = await warden('status', '--socket', socket);
      expect(text.code, text.stderr).toBe(0);
      // (Counts may have grown since: the daemon trades on.)
      expect(text.stdout).toMatch(
        /^ {2}closed trades +\d+ trades?, \d+ won, \d+ lost; PnL \S+, fees \S+, net \S+$/m,
      );
      expect(text.stdout).toMatch(
        /^ {16}position +symbol +side +qty +entry +exit +reason +closed +held +PnL +fees +net$/m,
      );
      expect(text.stdout).toMatch(/^ {16}pos-2 +BTC-USD +short +0\.5 +64000 +62444\.66 +TAKE_PROFIT /m);
    } finally {
      daemon.kill('SIGTERM');
      expect((await daemon.exited).code).toBe(0);
    }
  });
});
