import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { ROOT } from './warden-cli.ts';

/**
 * How long a daemon may take to log a line the test waits for. A hang guard for a loaded 2-core
 * machine, not a timing check: the lines come within a few seconds.
 */
const WAIT_MS = 90_000;

/** One JSON log line of the daemon (stdout is not a terminal, so the log is JSON lines). */
export interface LogLine {
  readonly msg: string;
  readonly level: number;
  readonly time: string;
  readonly [field: string]: unknown;
}

/** A `warden run` started as a child process, with its log as it comes. */
export interface DaemonProcess {
  readonly pid: number;
  /** Every log line so far, parsed. */
  readonly lines: readonly LogLine[];
  /** Everything it wrote on stderr so far. */
  readonly stderr: () => string;
  /** Resolves with the first line (already logged or still to come) that matches. */
  waitFor(match: (line: LogLine) => boolean, what: string): Promise<LogLine>;
  /** Resolves with its exit code (null when a signal ended it) and the signal. */
  readonly exited: Promise<{ readonly code: number | null; readonly signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

/** Starts `node bin/warden.js run …args` in the repository root. */
export function startDaemon(...args: string[]): DaemonProcess {
  const child: ChildProcess = spawn(process.execPath, ['bin/warden.js', 'run', ...args], {
    cwd: ROOT,
    env: { ...process.env, WARDEN_DEBUG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let err = '';
  let partial = '';
  const waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  child.stdout?.on('data', (chunk: Buffer) => {
    partial += chunk.toString('utf8');
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    for (const text of complete) {
      if (text === '') continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { msg: text, level: 0, time: '' };
      }
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.match(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => {
    done = true;
  });
  return {
    pid: child.pid!,
    lines,
    stderr: () => err,
    exited,
    kill: (signal) => {
      if (!done) child.kill(signal);
    },
    waitFor(match, what) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      const log = () => `${lines.map((l) => l.msg).join('\n')}\n${err}`;
      return new Promise<LogLine>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${what} within ${WAIT_MS} ms:\n${log()}`)),
          WAIT_MS,
        );
        waiters.push({
          match,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then(({ code }) => {
          clearTimeout(timer);
          reject(new Error(`the daemon exited (${code}) before ${what}:\n${log()}`));
        });
      });
    },
  };
}

/** A test file's daemons and its temporary folder. */
export interface DaemonScope {
  /** The folder, created before the file's tests. */
  dir(): string;
  /** Starts a daemon that is killed (SIGKILL) after the file's tests, if still running. */
  daemon(...args: string[]): DaemonProcess;
}

/**
 * Registers the file's hooks: a temporary folder named after `prefix` before its tests; after
 * them, every daemon it started killed and awaited, then `after` (dropping schemas a daemon
 * used), then the folder removed.
 */
export function daemonScope(prefix: string, after?: () => Promise<void>): DaemonScope {
  let dir: string | undefined;
  const daemons: DaemonProcess[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    for (const d of daemons) d.kill('SIGKILL');
    await Promise.all(daemons.map((d) => d.exited));
    await after?.();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir!,
    daemon(...args) {
      const d = startDaemon(...args);
      daemons.push(d);
      return d;
    },
  };
}
