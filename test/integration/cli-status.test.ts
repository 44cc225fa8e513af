import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StatusReport } from '../../src/app/control/protocol.ts';
import { startDaemon } from '../support/daemon-process.ts';
import { STACK_FRAME, warden } from '../support/warden-cli.ts';

/*
 * What `warden status` and `warden replay --status` show a user: each open position with its
 * price, PnL, stop and target, quantities as exact decimal strings (never summed as floats nor
 * called contracts), and a hold's `since` that a repeated `warden state` does not move.
 */

const DECIMAL = /^-?\d+(\.\d+)?$/;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-cli-status-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('warden replay --status', () => {
  it('lists the positions still open at the end, with exact quantities', async () => {
    const config = join(dir, 'open.yaml');
    await writeFile(
      config,
      `
engine: { seed: 1, candleIntervals: [] }
accounts:
  - id: A1
    balance: 100000
    rules:
      maxContracts: { limit: 5 }
instruments:
  - { symbol: BTC-USD, tickSize: 0.01, lotSize: 0.001 }
  - { symbol: ETH-USD, tickSize: 0.01, lotSize: 0.001 }
positions:
  - { id: pos-btc, account: A1, symbol: BTC-USD, side: long, quantity: 0.546, entryPrice: 64000, stopPrice: 63000, targetPrice: 66000, openedAt: 2026-01-05T13:00:00Z }
  - { id: pos-eth, account: A1, symbol: ETH-USD, side: short, quantity: 1.092, entryPrice: 3200, stopPrice: 3300, openedAt: 2026-01-05T13:30:00Z }
`,
    );
    const ticks = join(dir, 'open.csv');
    await writeFile(
      ticks,
      'ts,symbol,price\n2026-01-05T14:00:00Z,BTC-USD,64100\n2026-01-05T14:00:01Z,ETH-USD,3190.5\n',
    );
    const { code, stdout, stderr } = await warden(
      'replay',
      '-c',
      config,
      '-t',
      ticks,
      '--status',
      '-o',
      join(dir, 'open.jsonl'),
    );
    expect(code, stderr).toBe(0);
    expect(stdout).toBe('');
    const status = stderr.slice(stderr.indexOf('warden status at '));
    // BTC long 0.546 from 64,000 at 64,100: +54.6; ETH short 1.092 from 3,200 at 3,190.5: +10.374.
    expect(status).toContain(
      [
        '  positions     2 open',
        '                symbol   side   quantity  entry   price     PnL   stop  target  position',
        '                BTC-USD  long      0.546  64000   64100    54.6  63000   66000  pos-btc',
        '                ETH-USD  short     1.092   3200  3190.5  10.374   3300       -  pos-eth',
      ].join('\n'),
    );
    // 0.546 + 1.092 = 1.638, where floats give 1.6380000000000001; nothing is "contracts" but the limit.
    expect(status).toMatch(/MAX_CONTRACTS +5 +1\.638 +3\.362 +contracts\n/);
    expect(status).not.toContain('1.6380000000000001');
    expect(status).not.toMatch(/open, [\d.]+ contracts?/);
  });
});

describe('warden status against a running daemon', () => {
  it('lists the open positions, and keeps the time of a halt asked for twice', async () => {
    const socket = join(dir, 'w.sock');
    const daemon = startDaemon('--duration', '170', '--socket', socket, '--store', 'memory');
    try {
      // The daemon says when its control socket listens: wait for that line, not for time.
      await daemon.waitFor((l) => l.msg.startsWith('control socket: '), 'the control socket line');
      // The demo opens a position within seconds: ask until one is there (a hang guard, not a wait).
      let report: StatusReport | undefined;
      for (let i = 0; i < 100 && !report?.accounts[0]?.positions.length; i++) {
        const run = await warden('status', '--socket', socket, '--json');
        expect(run.code, run.stderr).toBe(0);
        report = JSON.parse(run.stdout) as StatusReport;
      }
      const account = report!.accounts[0]!;
      expect(account.positions.length).toBeGreaterThan(0);
      expect(account).not.toHaveProperty('contracts');
      expect(account.openPositions).toBe(account.positions.length);
      for (const p of account.positions) {
        for (const value of [p.quantity, p.entryPrice, p.unrealizedPnl, p.stopPrice, p.targetPrice])
          expect(value).toMatch(DECIMAL);
      }

      const text = await warden('status', '--socket', socket);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(
        /\n {2}positions {5}\d+ open\n {16}symbol +side +quantity +entry +price +PnL +stop +target +position\n/,
      );
      const first = account.positions[0]!;
      const row = text.stdout.split('\n').find((l) => l.endsWith(`  ${first.positionId}`));
      expect(row, text.stdout).toMatch(
        new RegExp(`^ {16}${first.symbol.replace('-', '\\-')} +${first.side} +`),
      );

      const halt = await warden('state', 'demo', 'halted', '--reason', 'news at 14:30', '--socket', socket);
      expect(halt.stdout).toBe('demo: ACTIVE -> HALTED (reason: "news at 14:30")\n');
      const halted = JSON.parse(
        (await warden('status', '--socket', socket, '--json')).stdout,
      ) as StatusReport;
      const hold = halted.accounts[0]!.holds[0]!;
      expect(hold).toMatchObject({ reason: 'MANUAL: news at 14:30', state: 'HALTED' });
      // Asked again later: nothing changes, the hold keeps its time and its reason.
      const again = await warden('state', 'demo', 'halted', '--reason', 'still news', '--socket', socket);
      expect(again.stdout).toBe('demo: already HALTED\n');
      const after = JSON.parse((await warden('status', '--socket', socket, '--json')).stdout) as StatusReport;
      expect(after.generatedAt > hold.since).toBe(true);
      expect(after.accounts[0]!.holds).toEqual([hold]);
    } finally {
      daemon.kill('SIGTERM');
    }
    expect((await daemon.exited).code).toBe(0);
  });

  it('shows no stack for a daemon that is not there', async () => {
    const run = await warden('status', '--socket', join(dir, 'nobody.sock'));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error \[WARDEN_CONTROL_UNAVAILABLE\]: /);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });
});
