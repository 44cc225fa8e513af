import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon } from '../support/daemon-process.ts';
import { STACK_FRAME, warden } from '../support/warden-cli.ts';

/*
 * `warden replay --edges … --status` through the real CLI (`node bin/warden.js`), as in
 * test/integration/cli.test.ts: the prop-firm example, and edges files that are wrong.
 */

const CONFIG = 'examples/prop-firm.yaml';
const TICKS = 'examples/data/prop-firm-ticks.csv';
const EDGES = 'examples/data/prop-firm-edges.jsonl';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-cli-risk-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function temp(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

const occurrences = (text: string, part: string): number => text.split(part).length - 1;

describe.concurrent('warden replay --edges --status', () => {
  it('runs the prop-firm example and prints the standing of TS1', async ({ expect }) => {
    const out = join(dir, 'prop-firm.jsonl');
    const { code, stdout, stderr } = await warden(
      'replay',
      '--config',
      CONFIG,
      '--ticks',
      TICKS,
      '--edges',
      EDGES,
      '--status',
      '-o',
      out,
    );
    expect(code, stderr).toBe(0);
    expect(stdout).toBe('');
    expect(stderr).not.toMatch(STACK_FRAME);
    // The summary, then the status block.
    expect(stderr).toMatch(/^replay summary\n/);
    expect(stderr).toMatch(/Entry\.Edge\.Evaluated\.v1 +6\n/);
    expect(stderr).toMatch(/Risk\.Order\.Denied\.v1 +3\n/);
    const status = stderr.slice(stderr.indexOf('warden status at '));
    expect(status).toMatch(/^warden status at 2026-03-05T16:00:00\.000Z: 1 account\n/);
    expect(status).toContain('\nTS1: ACTIVE\n');
    expect(status).toMatch(/ preset +topstep-50k\n/);
    expect(status).toMatch(/ balance +52225\n/);
    // Limits: the daily loss of the config, Topstep's maximum loss (50,000 − 2,000 trailed up to
    // the starting balance) and its 5 contracts.
    expect(status).toMatch(/DAILY_LOSS +-1000 +0 +1000 +money\n/);
    expect(status).toMatch(/MAX_LOSS +50000 +52225 +2225 +money\n/);
    expect(status).toMatch(/MAX_CONTRACTS +5 +0 +5 +contracts\n/);
    expect(status).toMatch(/profit +2225 of 3000 \(74\.2%\)/);
    // The events went to the file, one JSON object a line.
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n');
    const types = lines.map((line) => (JSON.parse(line) as { type: string }).type);
    expect(types.filter((t) => t === 'Entry.Edge.Evaluated.v1')).toHaveLength(6);
  });

  it('prints no status block without --status', async ({ expect }) => {
    const out = join(dir, 'no-status.jsonl');
    const { code, stderr } = await warden('replay', '-c', CONFIG, '-t', TICKS, '-e', EDGES, '-o', out);
    expect(code, stderr).toBe(0);
    expect(stderr).not.toContain('warden status at');
    expect(stderr).not.toContain('TS1:');
  });

  it('refuses a bad edges file with exit 2, every problem once with its line, and no output', async ({
    expect,
  }) => {
    const edges = await temp(
      'bad-edges.jsonl',
      [
        '# two bad lines',
        '{"ts":"2026-03-02T14:30:00Z","market":"ES","side":"long","probability":0.6,"stopPrice":4990,"targetPrice":5030}',
        '{"ts":"2026-03-02T14:31:00Z","market":"ES","probability":0.6,"stopPrice":4990,"targetPrice":5030}',
        'not json',
        '{"ts":"2026-03-02T14:32:00Z","market":"ES","side":"long","probability":1.5,"stopPrice":4990}',
        '{"ts":"2026-03-02T14:33:00Z","market":"NQ","side":"long","probability":0.6,"stopPrice":4990}',
      ].join('\n'),
    );
    const out = join(dir, 'never.jsonl');
    const { code, stdout, stderr } = await warden(
      'replay',
      '-c',
      CONFIG,
      '-t',
      TICKS,
      '--edges',
      edges,
      '-o',
      out,
    );
    expect(code, stderr).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).not.toMatch(STACK_FRAME);
    expect(stderr).not.toContain('WARDEN_INTERNAL');
    expect(stderr).toContain(`error [WARDEN_EDGES_INVALID]: ${edges}: 4 problems`);
    for (const problem of [
      'line 3: side: ',
      'line 4: not valid JSON',
      'line 5: probability: ',
      'line 6: market: NQ is not a configured instrument',
    ])
      expect(occurrences(stderr, problem), `${problem} in\n${stderr}`).toBe(1);
    expect(stderr).not.toContain('line 2:');
    // Nothing ran: no summary, no output file.
    expect(stderr).not.toContain('replay summary');
    await expect(stat(out)).rejects.toThrow();
  });

  it('refuses a missing edges file with exit 2', async ({ expect }) => {
    const missing = join(dir, 'missing.jsonl');
    const { code, stderr } = await warden('replay', '-c', CONFIG, '-t', TICKS, '--edges', missing);
    expect(code).toBe(2);
    expect(stderr).toContain(`error [WARDEN_INPUT_NOT_FOUND]: ${missing}`);
    expect(stderr).not.toMatch(STACK_FRAME);
  });
});

describe('warden status and warden state against a running daemon', () => {
  it('reports the standing, sets a state by hand and refuses an unknown account', async () => {
    const socket = join(dir, 'w.sock');
    const daemon = startDaemon('--duration', '60', '--socket', socket, '--store', 'memory');
    try {
      // The daemon says when its control socket listens: wait for that line, not for time.
      await daemon.waitFor((l) => l.msg.startsWith('control socket: '), 'the control socket line');
      const status = await warden('status', '--socket', socket, '--json');
      expect(status.code).toBe(0);
      const report = JSON.parse(status.stdout) as { accounts: { accountId: string; state: string }[] };
      expect(report.accounts.map((a) => [a.accountId, a.state])).toEqual([['demo', 'ACTIVE']]);

      const halt = await warden('state', 'demo', 'halted', '--reason', 'news at 14:30', '--socket', socket);
      expect(halt.code).toBe(0);
      expect(halt.stdout).toContain('demo: ACTIVE -> HALTED');
      const after = JSON.parse((await warden('status', '--socket', socket, '--json')).stdout) as {
        accounts: { state: string; holds: { reason: string; manualReset: boolean }[] }[];
      };
      expect(after.accounts[0]).toMatchObject({
        state: 'HALTED',
        holds: [{ reason: 'MANUAL: news at 14:30', manualReset: true }],
      });
      const resume = await warden('state', 'demo', 'active', '--reason', 'all clear', '--socket', socket);
      expect(resume.stdout).toContain('demo: HALTED -> ACTIVE');

      const unknown = await warden('state', 'nobody', 'halted', '--reason', 'x', '--socket', socket);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('unknown account nobody');
    } finally {
      daemon.kill('SIGTERM');
      expect((await daemon.exited).code).toBe(0);
    }
  });
});
