import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type CliResult, STACK_FRAME, warden } from '../support/warden-cli.ts';

/*
 * Runs the real CLI (`node bin/warden.js …`) as a child process. Each test spawns its own
 * processes and the tests run concurrently, so the file costs about as much as its slowest test
 * (`run --duration 3`).
 */

const CONFIG = 'examples/basic.yaml';
const TICKS = 'examples/data/basic-ticks.csv';

function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes a file in the temp directory and returns its path. */
async function temp(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

// First, so the slowest test starts first.
describe.concurrent('warden run', () => {
  it('opens a demo position and stops by itself after --duration', async ({ expect }) => {
    const store = join(dir, 'run.db');
    const { code, stdout, stderr } = await warden('run', '--duration', '3', '--store', store);
    expect(code, stderr).toBe(0);
    // Not a terminal, so the log is JSON lines.
    const messagesOf = (out: string) =>
      out
        .trimEnd()
        .split('\n')
        .map((line) => (JSON.parse(line) as { msg: string }).msg);
    const messages = messagesOf(stdout);
    expect(messages.some((m) => m.startsWith('opened '))).toBe(true);
    expect(messages).toContain(`store ${store}: new, 0 position(s) from the configuration`);
    expect(messages).toContain(`snapshot written to ${store}`);
    expect(messages.some((m) => m.startsWith('stopped'))).toBe(true);

    // A second start on the same store recovers what the first left open, and reconciles.
    const open = /stopped; (\d+) position\(s\) still open/.exec(
      messages.find((m) => m.startsWith('stopped'))!,
    );
    const again = await warden('run', '--duration', '1', '--store', store);
    expect(again.code, again.stderr).toBe(0);
    const after = messagesOf(again.stdout);
    expect(
      after.some((m) =>
        m.startsWith(`store ${store}: recovered ${open![1]} open position(s) from the snapshot at event `),
      ),
    ).toBe(true);
    expect(after).toContain('reconciled with the venue: no discrepancy');
  });
});

describe.concurrent('warden replay', () => {
  it('writes byte-identical JSONL on every run, to stdout and to --out', async ({ expect }) => {
    const outA = join(dir, 'events-a.jsonl');
    const outB = join(dir, 'events-b.jsonl');
    const runs = await Promise.all([
      warden('replay', '--config', CONFIG, '--ticks', TICKS),
      warden('replay', '--config', CONFIG, '--ticks', TICKS),
      warden('replay', '-c', CONFIG, '-t', TICKS, '--out', outA),
      warden('replay', '-c', CONFIG, '-t', TICKS, '--out', outB),
    ]);
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const [first, second, toFileA, toFileB] = runs as [CliResult, CliResult, CliResult, CliResult];

    expect(first.stdout.length).toBeGreaterThan(0);
    expect(sha256(second.stdout)).toBe(sha256(first.stdout));
    expect(toFileA.stdout).toBe('');
    expect(toFileB.stdout).toBe('');
    const [fileA, fileB] = await Promise.all([readFile(outA), readFile(outB)]);
    expect(sha256(fileA)).toBe(sha256(first.stdout));
    expect(sha256(fileB)).toBe(sha256(first.stdout));

    const lines = first.stdout.trimEnd().split('\n');
    expect(first.stdout.endsWith('\n')).toBe(true);
    for (const line of lines) {
      const event = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(event)).toEqual(expect.arrayContaining(['id', 'type', 'key', 'ts', 'data']));
      expect(typeof event.id).toBe('string');
      expect(typeof event.type).toBe('string');
      expect(typeof event.key).toBe('string');
      expect(typeof event.ts).toBe('string');
      expect(typeof event.data).toBe('object');
    }

    for (const { stderr } of runs) {
      expect(stderr).toMatch(/^replay summary$/m);
      expect(stderr).toMatch(/^ {2}ticks +20000 read, 20000 accepted, 0 skipped$/m);
      expect(stderr).toMatch(new RegExp(`^ {2}events +${lines.length}$`, 'm'));
      expect(stderr).toMatch(/^ {2}positions +\d+ opened, \d+ closed, \d+ still open$/m);
      expect(stderr).toMatch(/^ {2}realized PnL -?\d+(\.\d+)? /m);
      expect(stderr).toMatch(/^ {2}wall time +\d+\.\d{3} s$/m);
      expect(stderr).toMatch(/^ {2}throughput +\d+ ticks\/s$/m);
      expect(stderr).not.toMatch(/^skipped /m);
    }
  });

  describe('over a tick file with bad rows', () => {
    // Each bad row is followed by the line number and code it must be reported with.
    const rows: [row: string, line?: number, code?: string][] = [
      ['ts,symbol,price,volume'],
      ['2026-01-05T14:00:00.000Z,BTC-USD,64000,58'],
      ['2026-01-05T14:00:00.500Z,ES,5000,3'],
      ['2026-01-05T14:00:01.000Z,BTC-USD,63980', 4, 'WARDEN_TICK_MALFORMED'],
      ['2026-01-05T14:00:01.500Z,ES,NaN,2', 5, 'WARDEN_TICK_BAD_PRICE'],
      ['2026-01-05T14:00:02.000Z,ES,0,2', 6, 'WARDEN_TICK_BAD_PRICE'],
      ['2026-01-05T14:00:02.500Z,ES,-5,2', 7, 'WARDEN_TICK_BAD_PRICE'],
      ['2026-01-05T14:00:03.000Z,ETH-USD,3000,2', 8, 'WARDEN_TICK_UNKNOWN_SYMBOL'],
      ['2026-01-05T14:00:03.500Z,ES,4999,2'],
      ['2026-01-05T14:00:03.000Z,BTC-USD,63990,1', 10, 'WARDEN_TICK_OUT_OF_ORDER'],
      ['2026-01-05T14:00:03.500Z,ES,4999,2', 11, 'WARDEN_TICK_DUPLICATE'],
      ['2026-01-05T14:00:04.000Z,BTC-USD,63995,1'],
    ];
    const bad = rows.filter((r) => r[1] !== undefined) as [string, number, string][];
    const csv = `${rows.map((r) => r[0]).join('\n')}\n`;

    it('skips and reports each bad row, then counts them by code', async ({ expect }) => {
      const ticks = await temp('bad-ticks.csv', csv);
      // Most of this file is bad: --allow-skips lets the run succeed (see replay-input-checks.test.ts).
      const { code, stderr } = await warden('replay', '-c', CONFIG, '-t', ticks, '--allow-skips');
      expect(code, stderr).toBe(0);
      for (const [, line, reason] of bad) {
        expect(stderr).toMatch(new RegExp(`^skipped line ${line}: .+ \\[${reason}\\]$`, 'm'));
      }
      // The line number is given once, not once by the reader and again by the CLI.
      expect(stderr).not.toMatch(/line (\d+): line \1:/);
      expect(stderr.match(/^skipped /gm)).toHaveLength(bad.length);
      const accepted = rows.length - 1 - bad.length;
      expect(stderr).toMatch(
        new RegExp(`^ {2}ticks +${rows.length - 1} read, ${accepted} accepted, ${bad.length} skipped$`, 'm'),
      );
      const perCode = new Map<string, number>();
      for (const [, , reason] of bad) perCode.set(reason, (perCode.get(reason) ?? 0) + 1);
      for (const [reason, n] of perCode) expect(stderr).toMatch(new RegExp(`^ {4}${reason} +${n}$`, 'm'));
      expect(stderr).not.toMatch(STACK_FRAME);
    });

    it('with --strict, stops at the first bad row with exit code 2', async ({ expect }) => {
      const ticks = await temp('bad-ticks-strict.csv', csv);
      const { code, stderr } = await warden('replay', '-c', CONFIG, '-t', ticks, '--strict');
      expect(code, stderr).toBe(2);
      expect(stderr).toContain('error [WARDEN_INPUT_STRICT_ABORT]: line 4: expected 4 columns');
      expect(stderr).toContain('[WARDEN_TICK_MALFORMED]');
      expect(stderr).not.toMatch(/line 5/);
      expect(stderr).not.toMatch(/^replay summary$/m);
      expect(stderr).not.toMatch(STACK_FRAME);
      expect(stderr).not.toContain('WARDEN_INTERNAL');
    });
  });
});

describe.concurrent('bad configuration and missing files', () => {
  const invalid = `
engine:
  seed: 1
  sede: 3
accounts:
  - id: acc-1
    balance: 1000
instruments:
  - symbol: ES
    tickSize: 0.25
positions:
  - id: p1
    account: acc-9
    symbol: ES
    side: long
    quantity: 1
    entryPrice: 5000
    stopPrice: 5010
`;
  const problems = [
    'engine.sede: unknown key',
    'positions[0].account: unknown account "acc-9"',
    'positions[0].stopPrice: must be below entryPrice for a long position',
  ];

  it('validate-config and replay list every problem with its path and exit 2', async ({ expect }) => {
    const config = await temp('invalid.yaml', invalid);
    const runs = await Promise.all([
      warden('validate-config', config),
      warden('replay', '-c', config, '-t', TICKS),
    ]);
    for (const { code, stdout, stderr } of runs) {
      expect(code, stderr).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toContain(`error [WARDEN_CONFIG_INVALID]: ${config}: ${problems.length} problems`);
      for (const problem of problems) expect(stderr).toContain(`  - ${problem}`);
      expect(stderr).not.toMatch(STACK_FRAME);
    }
  });

  it('a missing config file exits 2 with WARDEN_CONFIG_NOT_FOUND', async ({ expect }) => {
    const missing = join(dir, 'no-such-config.yaml');
    const runs = await Promise.all([
      warden('validate-config', missing),
      warden('replay', '-c', missing, '-t', TICKS),
    ]);
    for (const { code, stderr } of runs) {
      expect(code, stderr).toBe(2);
      expect(stderr).toContain('WARDEN_CONFIG_NOT_FOUND');
      expect(stderr).toContain(missing);
      expect(stderr).not.toMatch(STACK_FRAME);
    }
  });

  it('a missing tick file exits 2 with WARDEN_INPUT_NOT_FOUND', async ({ expect }) => {
    const missing = join(dir, 'no-such-ticks.csv');
    const { code, stderr } = await warden('replay', '-c', CONFIG, '-t', missing);
    expect(code, stderr).toBe(2);
    expect(stderr).toContain('WARDEN_INPUT_NOT_FOUND');
    expect(stderr).toContain(missing);
    expect(stderr).not.toMatch(STACK_FRAME);
  });

  it('a bad --duration is bad input, not a bug', async ({ expect }) => {
    const { code, stderr } = await warden('run', '--duration', 'soon');
    expect(code, stderr).toBe(2);
    expect(stderr).toContain('error [WARDEN_CONFIG_INVALID]: --duration must be a positive number');
    expect(stderr).not.toContain('WARDEN_INTERNAL');
  });
});

describe.concurrent('warden validate-config, help and generate-ticks', () => {
  it('accepts the example configuration', async ({ expect }) => {
    const { code, stdout, stderr } = await warden('validate-config', CONFIG);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`${CONFIG}: valid`);
  });

  it('prints help with examples for the program and every command', async ({ expect }) => {
    const commands = ['run', 'replay', 'validate-config', 'generate-ticks'];
    const [program, ...each] = await Promise.all([
      warden('--help'),
      ...commands.map((command) => warden(command, '--help')),
    ]);
    expect(program?.code, program?.stderr).toBe(0);
    for (const command of commands) expect(program?.stdout).toMatch(new RegExp(`^ {2}${command}\\b`, 'm'));
    for (const [i, help] of each.entries()) {
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toContain(`Usage: warden ${commands[i]}`);
      expect(help.stdout).toContain('Examples:');
    }
  });

  it('generates the same ticks for the same arguments, and they replay cleanly', async ({ expect }) => {
    const args = ['generate-ticks', '-c', CONFIG, '-n', '2000', '-s', '2026-01-05T14:00:00Z'];
    const file = join(dir, 'generated.csv');
    const [toStdout, again, toFile] = await Promise.all([
      warden(...args),
      warden(...args),
      warden(...args, '-o', file),
    ]);
    for (const run of [toStdout, again, toFile]) expect(run.code, run.stderr).toBe(0);
    expect(toStdout.stdout.split('\n')[0]).toBe('ts,symbol,price,volume');
    expect(toStdout.stdout.trimEnd().split('\n')).toHaveLength(2001);
    expect(sha256(again.stdout)).toBe(sha256(toStdout.stdout));
    expect(sha256(await readFile(file))).toBe(sha256(toStdout.stdout));

    const replay = await warden('replay', '-c', CONFIG, '-t', file);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stderr).toMatch(/^ {2}ticks +2000 read, 2000 accepted, 0 skipped$/m);
    expect(replay.stderr).not.toMatch(/^skipped /m);
  });
});
