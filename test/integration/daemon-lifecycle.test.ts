import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { describe, it } from 'vitest';
import { type DaemonProcess, daemonScope } from '../support/daemon-process.ts';
import { requireService, testSchemas } from '../support/services.ts';
import { STACK_FRAME, warden } from '../support/warden-cli.ts';

/*
 * `warden run` as a new user meets it: started as a child process, stopped by a signal, or
 * failing to start. Every wait is for a log line or an exit (bounded generously), never a sleep.
 */

const { available: postgres, url } = await requireService('postgres');

const schemas = postgres ? testSchemas(url, 'warden_drain') : undefined;
const scope = daemonScope('warden-daemon-', async () => {
  await schemas?.dropAll();
});
const daemon = (...args: string[]): DaemonProcess => scope.daemon(...args);

const listening = (d: DaemonProcess) =>
  d.waitFor((l) => l.msg.startsWith('control socket: '), 'the control socket line');

describe.concurrent('warden run: start and stop', () => {
  it('exits 1 at once when its control socket is taken, and the running daemon goes on', async ({
    expect,
  }) => {
    const socket = join(scope.dir(), 'taken.sock');
    const first = daemon('--store', join(scope.dir(), 'first.db'), '--socket', socket);
    await listening(first);

    // Before the fix the second daemon printed the error, then ran on (snapshotting into a
    // closed store every minute) and ignored the first SIGTERM: this run would never end.
    const second = await warden('run', '--store', join(scope.dir(), 'second.db'), '--socket', socket);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(
      'error [WARDEN_CONTROL_LISTEN_FAILED]: another warden is already listening on',
    );
    expect(second.stderr).not.toMatch(STACK_FRAME);
    expect(second.stdout).not.toContain('snapshot failed');

    const status = await warden('status', '--socket', socket, '--json');
    expect(status.code, status.stderr).toBe(0);

    // The store the failed start opened is free: the next writer gets it.
    const next = await warden(
      'run',
      '--duration',
      '1',
      '--no-socket',
      '--store',
      join(scope.dir(), 'second.db'),
    );
    expect(next.code, next.stderr).toBe(0);

    first.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
  });

  it('stops on one SIGTERM: drains, snapshots, exits 0', async ({ expect }) => {
    const store = join(scope.dir(), 'term.db');
    const d = daemon('--store', store, '--socket', join(scope.dir(), 'term.sock'));
    await d.waitFor((l) => l.msg.startsWith('opened '), 'a position opened');
    d.kill('SIGTERM');
    const { code, signal } = await d.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    const messages = d.lines.map((l) => l.msg);
    expect(messages).toContain('received SIGTERM');
    expect(messages).toContain(`snapshot written to ${store}`);
    expect(messages.at(-1)).toMatch(/^stopped; \d+ position\(s\) still open$/);
  });

  it('stops on one SIGINT (Ctrl-C) as well', async ({ expect }) => {
    const d = daemon('--store', 'memory', '--no-socket');
    await d.waitFor((l) => l.msg.startsWith('warden started'), 'the start line');
    d.kill('SIGINT');
    expect((await d.exited).code).toBe(0);
    expect(d.lines.map((l) => l.msg)).toContain('received SIGINT');
  });

  it('exits at once when its store cannot be opened, whatever --duration says', async ({ expect }) => {
    const garbage = join(scope.dir(), 'garbage.db');
    await writeFile(garbage, 'not a SQLite database, just text long enough to be refused. '.repeat(40));
    const run = await warden('run', '--duration', '3600', '--no-socket', '--store', garbage);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error \[WARDEN_STORE_UNAVAILABLE\]: .*garbage\.db/);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it('refuses a bad --drain-timeout or --log-format as bad input', async ({ expect }) => {
    const drain = await warden('run', '--drain-timeout', '0', '--store', 'memory', '--no-socket');
    expect(drain.code).toBe(2);
    expect(drain.stderr).toMatch(
      /^error \[WARDEN_CONFIG_INVALID\]: --drain-timeout must be a positive number/,
    );
    const format = await warden('run', '--log-format', 'xml', '--store', 'memory', '--no-socket');
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/^error \[WARDEN_CONFIG_INVALID\]: --log-format must be pretty or json/);
  });
});

/*
 * A graceful stop that cannot finish: the store's commits wait behind a lock another session
 * holds on PostgreSQL, for as long as it holds it. Nothing else makes a drain hang for sure.
 */
describe.skipIf(!postgres).concurrent('warden run: a stop that cannot drain', () => {
  /** A daemon on a fresh schema, and a session that blocks its commits once `block()` is called. */
  async function blockedDaemon(...args: string[]) {
    const schema = schemas!.next();
    const spec = new URL(url);
    spec.searchParams.set('schema', schema);
    const d = daemon('--store', spec.toString(), '--no-socket', ...args);
    await d.waitFor((l) => l.msg.startsWith('warden started'), 'the start line');
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    return {
      d,
      async block() {
        await blocker.query('BEGIN');
        await blocker.query(`LOCK TABLE "${schema}".event_head IN ACCESS EXCLUSIVE MODE`);
      },
      async unblock() {
        await blocker.query('ROLLBACK').catch(() => undefined);
        await blocker.end();
      },
    };
  }

  it('exits 1 once --drain-timeout has passed after SIGTERM', async ({ expect }) => {
    const { d, block, unblock } = await blockedDaemon('--drain-timeout', '2');
    try {
      await block();
      d.kill('SIGTERM');
      // Before --drain-timeout, this waited for as long as the lock was held.
      const { code } = await d.exited;
      expect(code).toBe(1);
      const error = d.lines.find((l) => l.level === 50);
      expect(error?.msg).toContain('did not finish within --drain-timeout 2 s');
    } finally {
      await unblock();
    }
  });

  it('exits 1 at once on a second SIGTERM while it drains', async ({ expect }) => {
    const { d, block, unblock } = await blockedDaemon('--drain-timeout', '600');
    try {
      await block();
      d.kill('SIGTERM');
      await d.waitFor((l) => l.msg.startsWith('stopping: draining events'), 'the drain starting');
      d.kill('SIGTERM');
      const { code } = await d.exited;
      expect(code).toBe(1);
      expect(d.lines.some((l) => l.level === 40 && l.msg.startsWith('received SIGTERM again'))).toBe(true);
    } finally {
      await unblock();
    }
  });
});
