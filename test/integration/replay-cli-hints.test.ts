import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { STACK_FRAME, warden } from '../support/warden-cli.ts';

/*
 * Issue 12, item 9 (the replay parts): what the CLI tells a new user must be true and must work.
 */

const CONFIG = 'examples/basic.yaml';
const TICKS = 'examples/data/basic-ticks.csv';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-cli-hints-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.concurrent('warden CLI hints', () => {
  it('names a mistyped option and suggests the one meant, even when a required option is missing', async ({
    expect,
  }) => {
    const run = await warden('replay', '--confg', 'x');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: unknown option '--confg'\n\(Did you mean --config\?\)$/m);
    expect(run.stderr).not.toContain('required option');
    // Required options are still required once every option is known.
    const missing = await warden('replay', '-c', CONFIG);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("error: required option '-t, --ticks <file>' not specified");
  });

  it('suggests the meant option for every command', async ({ expect }) => {
    const typos: [command: string[], typo: string, meant: string][] = [
      [['run'], '--duraton', '--duration'],
      [['replay'], '--ticsk', '--ticks'],
      [['events'], '--jsno', '--json'],
      [['explain', 'p1'], '--stor', '--store'],
      [['decisions'], '--positon', '--position'],
      [['audit', 'verify'], '--jsn', '--json'],
      [['status'], '--sockt', '--socket'],
      [['state', 'A1', 'halted'], '--reson', '--reason'],
      [['validate-config', CONFIG], '--hlp', '--help'],
      [['generate-ticks'], '--volatilty', '--volatility'],
    ];
    const runs = await Promise.all(typos.map(([command, typo]) => warden(...command, typo, 'x')));
    for (const [i, run] of runs.entries()) {
      const [command, typo, meant] = typos[i]!;
      expect(run.code, command.join(' ')).toBe(2);
      expect(run.stderr, command.join(' ')).toContain(
        `error: unknown option '${typo}'\n(Did you mean ${meant}?)`,
      );
    }
  });

  it('prints the replay --help examples one command a line, continued lines with a backslash', async ({
    expect,
  }) => {
    const help = await warden('replay', '--help');
    expect(help.code).toBe(0);
    const examples = help.stdout.slice(help.stdout.indexOf('Examples:'));
    expect(examples).toContain(
      '  $ warden replay -c examples/prop-firm.yaml -t examples/data/prop-firm-ticks.csv \\\n      --edges examples/data/prop-firm-edges.jsonl',
    );
    // No example runs two lines into one.
    for (const line of examples.split('\n')) expect(line).not.toMatch(/\S {3,}--/);
  });

  it('writes generated ticks with a final newline, to stdout and to a file, with and without quotes', async ({
    expect,
  }) => {
    const args = ['generate-ticks', '-c', CONFIG, '-n', '5', '-s', '2026-01-05T14:00:00Z'];
    const file = join(dir, 'quoted.csv');
    const [plain, quoted] = await Promise.all([
      warden(...args),
      warden(...args, '--spread-bps', '2', '-o', file),
    ]);
    expect(plain.code, plain.stderr).toBe(0);
    expect(quoted.code, quoted.stderr).toBe(0);
    for (const text of [plain.stdout, await readFile(file, 'utf8')]) {
      expect(text.endsWith('\n')).toBe(true);
      expect(text.endsWith('\n\n')).toBe(false);
      expect(text.split('\n')).toHaveLength(7);
    }
  });

  it('refuses a new run into a finished store with advice that works', async ({ expect }) => {
    const store = join(dir, 'finished.db');
    const first = await warden('replay', '-c', CONFIG, '-t', TICKS, '--store', store, '-o', '/dev/null');
    expect(first.code, first.stderr).toBe(0);
    // Another config into the finished store: --resume cannot help, so it is not suggested.
    const other = await warden('replay', '-c', 'examples/monitoring.yaml', '-t', TICKS, '--store', store);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(
      `error [WARDEN_RESUME_MISMATCH]: ${store} already holds a finished replay (`,
    );
    expect(other.stderr).toContain(`replay into a new store (another --store path, or delete ${store})`);
    expect(other.stderr).not.toContain('--resume');
    expect(other.stderr).not.toMatch(STACK_FRAME);
    // What it suggests works.
    const fresh = await warden(
      'replay',
      '-c',
      'examples/monitoring.yaml',
      '-t',
      'examples/data/monitoring-ticks.csv',
      '--store',
      join(dir, 'another.db'),
      '-o',
      '/dev/null',
    );
    expect(fresh.code, fresh.stderr).toBe(0);
  });
});
