import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { expect } from 'vitest';

/** The repository root, where `bin/warden.js` runs from. */
export const ROOT = new URL('../..', import.meta.url).pathname;
/** Kills a CLI run that hangs; far above what any run takes even on a loaded machine. */
const SPAWN_TIMEOUT_MS = 150_000;
/**
 * CLI runs at once per test file. Tests start many runs concurrently; more processes than cores
 * only make each slower (and on a loaded machine every one of them late), so they queue here.
 */
const MAX_RUNNING = Math.max(2, availableParallelism());
let running = 0;
const queued: (() => void)[] = [];

async function slot(): Promise<() => void> {
  if (running >= MAX_RUNNING) await new Promise<void>((resolve) => queued.push(resolve));
  running++;
  return () => {
    running--;
    queued.shift()?.();
  };
}
/** A Node stack frame, as printed by `error.stack`. */
export const STACK_FRAME = /^ {4}at /m;

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node bin/warden.js …args` in the repository root and collects its output. */
export async function warden(...args: string[]): Promise<CliResult> {
  const release = await slot();
  try {
    return await run(args);
  } finally {
    release();
  }
}

function run(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/warden.js', ...args], {
      cwd: ROOT,
      // WARDEN_DEBUG would print stacks; the tests check that none appear.
      env: { ...process.env, WARDEN_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: SPAWN_TIMEOUT_MS,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const stderr = Buffer.concat(err).toString('utf8');
      if (signal !== null) reject(new Error(`warden ${args.join(' ')} ended by ${signal}\n${stderr}`));
      else resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr });
    });
  });
}

/** A refused flag: exit 2, nothing on stdout, one `WARDEN_CONFIG_INVALID` error naming it, no stack. */
export function expectFlagRefused(run: CliResult, flag: string): void {
  expect(run.code).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(new RegExp(`^error \\[WARDEN_CONFIG_INVALID\\]: ${flag} `));
  expect(run.stderr).not.toMatch(STACK_FRAME);
}
