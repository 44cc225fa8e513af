import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { type DaemonProcess, daemonScope } from '../support/daemon-process.ts';
import { requireService, testSchemas } from '../support/services.ts';
import { STACK_FRAME, warden } from '../support/warden-cli.ts';

/*
 * One writer per store, through the real CLI: a second `warden run` or a `warden replay --store`
 * on a store a daemon writes is refused, naming the daemon; readers work meanwhile; a daemon
 * killed with SIGKILL leaves nothing that keeps the next one out.
 */

const { available: postgres, url } = await requireService('postgres');

const schemas = postgres ? testSchemas(url, 'warden_lock') : undefined;
const scope = daemonScope('warden-lock-', async () => {
  await schemas?.dropAll();
});
const daemon = (...args: string[]): DaemonProcess => scope.daemon(...args);

const started = (d: DaemonProcess) => d.waitFor((l) => l.msg.startsWith('warden started'), 'the start line');

/** The refusal of a second writer while `holder` writes: exit 1, naming the holder. */
function expectLocked(
  run: { code: number | null; stdout: string; stderr: string },
  holder: DaemonProcess,
): void {
  if (run.code !== 1) throw new Error(`expected exit 1, got ${run.code}:\n${run.stderr}\n${run.stdout}`);
  const first = run.stderr.split('\n')[0]!;
  if (!first.startsWith('error [WARDEN_STORE_LOCKED]: '))
    throw new Error(`not refused as locked:\n${run.stderr}`);
  if (!first.includes(`warden run (pid ${holder.pid} on ${hostname()}, since `)) {
    throw new Error(`the refusal does not name the holder (pid ${holder.pid}):\n${first}`);
  }
  if (STACK_FRAME.test(run.stderr)) throw new Error(`a stack trace:\n${run.stderr}`);
}

describe.concurrent('one writer per SQLite store', () => {
  it('refuses a second daemon and a replay on a store in use, serves the readers, and lets the next daemon in after a crash', async ({
    expect,
  }) => {
    const store = join(scope.dir(), 'shared.db');
    const first = daemon('--store', store, '--socket', join(scope.dir(), 'first.sock'));
    await started(first);
    const opened = await first.waitFor((l) => l.msg.startsWith('opened '), 'a position opened');

    // Before: the second daemon ran beside the first on the same file, and nothing warned.
    const second = await warden('run', '--store', store, '--socket', join(scope.dir(), 'second.sock'));
    expectLocked(second, first);
    const replay = await warden(
      'replay',
      '--config',
      'examples/basic.yaml',
      '--ticks',
      'examples/data/basic-ticks.csv',
      '--store',
      store,
      '--out',
      join(scope.dir(), 'replay.jsonl'),
    );
    expectLocked(replay, first);

    // Readers need no lock.
    const events = await warden('events', '--store', store, '--limit', '3');
    expect(events.code, events.stderr).toBe(0);
    expect(events.stdout).toContain('Trading.Order.Placed.v1');
    const explain = await warden('explain', String(opened.positionId), '--store', store);
    expect(explain.code, explain.stderr).toBe(0);
    expect(explain.stdout).toContain(`position ${String(opened.positionId)}`);
    const audit = await warden('audit', 'verify', '--store', store);
    expect(audit.code, audit.stderr).toBe(0);
    const decisions = await warden('decisions', '--store', store);
    expect(decisions.code, decisions.stderr).toBe(0);

    // The first daemon is still the writer, undisturbed.
    const status = await warden('status', '--socket', join(scope.dir(), 'first.sock'), '--json');
    expect(status.code, status.stderr).toBe(0);

    // Killed outright, it releases nothing by hand: the lock goes with the process.
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const next = await warden(
      'run',
      '--duration',
      '1',
      '--store',
      store,
      '--socket',
      join(scope.dir(), 'next.sock'),
    );
    expect(next.code, next.stderr).toBe(0);
    const messages = next.stdout
      .trimEnd()
      .split('\n')
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages.some((m) => m.startsWith(`store ${store}: recovered `))).toBe(true);
  });

  it('lets the next writer in once a daemon stopped', async ({ expect }) => {
    const store = join(scope.dir(), 'sequential.db');
    const first = await warden('run', '--duration', '1', '--no-socket', '--store', store);
    expect(first.code, first.stderr).toBe(0);
    const second = await warden('run', '--duration', '1', '--no-socket', '--store', store);
    expect(second.code, second.stderr).toBe(0);
  });
});

describe.skipIf(!postgres)('one writer per PostgreSQL store', () => {
  it('refuses a second daemon on the same schema, naming the first, and takes over after a crash', async ({
    expect,
  }) => {
    const spec = new URL(url);
    spec.searchParams.set('schema', schemas!.next());
    const store = spec.toString();
    const first = daemon('--store', store, '--no-socket');
    await started(first);

    const second = await warden('run', '--store', store, '--no-socket');
    expectLocked(second, first);
    const events = await warden('events', '--store', store, '--limit', '1');
    expect(events.code, events.stderr).toBe(0);

    first.kill('SIGKILL');
    await first.exited;
    // The server ends the dead daemon's session, and its advisory lock with it, once it sees the
    // connection drop: at once here, but poll rather than assume (bounded: a hang guard).
    let next = await warden('run', '--duration', '1', '--no-socket', '--store', store);
    for (
      let attempt = 0;
      next.code === 1 && next.stderr.includes('WARDEN_STORE_LOCKED') && attempt < 20;
      attempt++
    ) {
      next = await warden('run', '--duration', '1', '--no-socket', '--store', store);
    }
    expect(next.code, next.stderr).toBe(0);
  });
});
