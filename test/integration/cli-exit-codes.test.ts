import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, type ExpectStatic, it } from 'vitest';
import { openEventStore } from '../../src/adapters/stores/open-store.ts';
import { type CliResult, ROOT, STACK_FRAME, warden } from '../support/warden-cli.ts';

/*
 * README "Exit codes": bad input exits 2, with one `error [CODE]: …` message and no stack, for
 * every command in src/cli/. One representative bad input per command (more where a command had
 * one that exited 1 or crashed), run through the real CLI. Writers never create a directory;
 * readers never create a store.
 */

const CONFIG = 'examples/basic.yaml';
const TICKS = 'examples/data/basic-ticks.csv';

let dir: string;
/** An empty SQLite store that exists. */
let empty: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-exit-codes-'));
  empty = join(dir, 'empty.db');
  await (await openEventStore(empty)).close();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Exit 2, nothing on stdout, one error with this code whose message contains `names`, no stack. */
function expectBadInput(expect: ExpectStatic, run: CliResult, code: string, ...names: string[]): void {
  expect(run.code, run.stderr).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(new RegExp(`^error \\[${code}\\]: `));
  for (const name of names) expect(run.stderr).toContain(name);
  expect(run.stderr).not.toMatch(STACK_FRAME);
  expect(run.stderr).not.toContain('WARDEN_INTERNAL');
}

const tooLongSocket = () => join(dir, `${'s'.repeat(120)}.sock`);

describe.concurrent('bad input exits 2', () => {
  it('run: a --store in a directory that does not exist, which is not created', async ({ expect }) => {
    const missing = join(dir, 'no-such-dir');
    const run = await warden('run', '--duration', '30', '--no-socket', '--store', join(missing, 'w.db'));
    expectBadInput(expect, run, 'WARDEN_STORE_NOT_FOUND', `the directory ${missing} does not exist`);
    expect(existsSync(missing)).toBe(false);
  });

  it('run: a --socket path too long to be a socket', async ({ expect }) => {
    const run = await warden('run', '--duration', '30', '--store', 'memory', '--socket', tooLongSocket());
    expectBadInput(expect, run, 'WARDEN_CONFIG_INVALID', '--socket ', 'bytes long');
  });

  it('status: a --socket path too long to be a socket', async ({ expect }) => {
    const run = await warden('status', '--socket', tooLongSocket());
    expectBadInput(expect, run, 'WARDEN_CONFIG_INVALID', '--socket ', 'bytes long');
  });

  it('state: an empty --socket path, and a state word that is not one', async ({ expect }) => {
    const [socket, word] = await Promise.all([
      warden('state', 'demo', 'halted', '--reason', 'news', '--socket', ''),
      warden('state', 'demo', 'paused', '--reason', 'news', '--socket', join(dir, 'w.sock')),
    ]);
    expectBadInput(expect, socket, 'WARDEN_CONFIG_INVALID', '--socket ', 'empty');
    expectBadInput(expect, word, 'WARDEN_CONFIG_INVALID', 'unknown trading state "paused"');
  });

  it('replay: a --store or an --out in a directory that does not exist, neither created', async ({
    expect,
  }) => {
    const missing = join(dir, 'no-such-replay-dir');
    const [store, out] = await Promise.all([
      warden('replay', '-c', CONFIG, '-t', TICKS, '-o', '/dev/null', '--store', join(missing, 'r.db')),
      warden('replay', '-c', CONFIG, '-t', TICKS, '-o', join(missing, 'events.jsonl')),
    ]);
    expectBadInput(expect, store, 'WARDEN_STORE_NOT_FOUND', `the directory ${missing} does not exist`);
    expectBadInput(expect, out, 'WARDEN_OUTPUT_NOT_WRITABLE', `the directory ${missing} does not exist`);
    // Refused before the run: no summary.
    expect(store.stderr).not.toContain('replay summary');
    expect(out.stderr).not.toContain('replay summary');
    expect(existsSync(missing)).toBe(false);
  });

  it('events: a store that does not exist, which is not created', async ({ expect }) => {
    const missing = join(dir, 'missing-events.db');
    const run = await warden('events', '--store', missing);
    expectBadInput(expect, run, 'WARDEN_STORE_NOT_FOUND', missing, 'does not exist');
    expect(existsSync(missing)).toBe(false);
  });

  it('events: a directory given as the store', async ({ expect }) => {
    const run = await warden('events', '--store', dir);
    expectBadInput(expect, run, 'WARDEN_STORE_NOT_FOUND', dir, 'directory');
  });

  it('explain: a position the store does not hold', async ({ expect }) => {
    const run = await warden('explain', 'UNKNOWN', '--store', empty);
    expectBadInput(expect, run, 'WARDEN_UNKNOWN_POSITION', 'UNKNOWN', empty);
  });

  it('decisions: a store that does not exist, which is not created', async ({ expect }) => {
    const missing = join(dir, 'missing-decisions.db');
    const run = await warden('decisions', '--store', missing);
    expectBadInput(expect, run, 'WARDEN_STORE_NOT_FOUND', missing);
    expect(existsSync(missing)).toBe(false);
  });

  it('audit verify: a store that does not exist, which is not created', async ({ expect }) => {
    const missing = join(dir, 'missing-audit.db');
    const run = await warden('audit', 'verify', '--store', missing);
    expectBadInput(expect, run, 'WARDEN_STORE_NOT_FOUND', missing);
    expect(existsSync(missing)).toBe(false);
  });

  it('validate-config: a file that does not exist', async ({ expect }) => {
    const missing = join(dir, 'missing.yaml');
    const run = await warden('validate-config', missing);
    expectBadInput(expect, run, 'WARDEN_CONFIG_NOT_FOUND', missing);
  });

  it('generate-ticks: an --out in a directory that does not exist, which is not created', async ({
    expect,
  }) => {
    const missing = join(dir, 'no-such-ticks-dir');
    const run = await warden(
      'generate-ticks',
      '-c',
      CONFIG,
      '-n',
      '10',
      '-s',
      '2026-01-05T14:00:00Z',
      '-o',
      join(missing, 'ticks.csv'),
    );
    expectBadInput(expect, run, 'WARDEN_OUTPUT_NOT_WRITABLE', join(missing, 'ticks.csv'));
    expect(existsSync(missing)).toBe(false);
  });
});

describe('the default store', () => {
  it('is data/warden.db under the working directory, whose data/ warden run creates', async ({ expect }) => {
    const cwd = await mkdtemp(join(dir, 'fresh-checkout-'));
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [join(ROOT, 'bin/warden.js'), 'run', '--duration', '1', '--no-socket'],
        {
          cwd,
          env: { ...process.env, WARDEN_DEBUG: '', WARDEN_STORE: '' },
          stdio: 'ignore',
        },
      );
      child.on('error', reject);
      child.on('close', resolve);
    });
    expect(code).toBe(0);
    expect(existsSync(join(cwd, 'data', 'warden.db'))).toBe(true);
  });
});
