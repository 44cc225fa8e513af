import { type ChildProcess, spawn } from 'node:child_process';
import { ROOT } from './warden-cli.ts';

/** A child process holding a store's writer lock (test/support/hold-writer-lock.ts). */
export interface LockHolder {
  readonly pid: number;
  /** Kills it with SIGKILL, as a crash would, and waits until it is gone. */
  kill(): Promise<void>;
}

/** How long a holder may take to start and lock: a hang guard on a loaded machine, not a check. */
const START_TIMEOUT_MS = 60_000;

/**
 * Starts a process that opens the store `spec` names (as `openEventStore` does), takes its writer
 * lock and holds it; resolves once it says it holds it.
 */
export async function startLockHolder(spec: string): Promise<LockHolder> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/support/hold-writer-lock.ts', spec],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const gone = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the lock holder did not lock within ${START_TIMEOUT_MS} ms:\n${output}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('locked ')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`the lock holder ended (${code}) before locking:\n${output}`));
    });
  });
  return {
    pid: child.pid!,
    async kill() {
      child.kill('SIGKILL');
      await gone;
    },
  };
}
