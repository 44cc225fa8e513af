import { mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestSetState, requestStatus, sendControl } from '../../src/app/control/client.ts';
import {
  type ControlHandler,
  MAX_REQUEST_BYTES,
  type SetStateResult,
  type StatusReport,
  type TradingState,
} from '../../src/app/control/protocol.ts';
import { type ControlServer, startControlServer } from '../../src/app/control/server.ts';
import { silentLogger } from '../../src/app/logger.ts';
import { WardenError } from '../../src/domain/errors.ts';
import { SAMPLE_POSITION } from '../support/status-fixtures.ts';
import { type CliResult, STACK_FRAME, warden } from '../support/warden-cli.ts';

/*
 * A real control server on a Unix socket in a fresh temp directory, with a hand-written fake
 * handler in place of the daemon; then the `status` and `state` commands against it, spawned as
 * `node bin/warden.js …` the way test/integration/cli.test.ts runs the CLI.
 */

const REPORT: StatusReport = {
  generatedAt: '2026-01-05T15:12:30.000Z',
  accounts: [
    {
      accountId: 'A1',
      state: 'HALTED',
      holds: [
        {
          reason: 'daily loss limit reached',
          state: 'HALTED',
          since: '2026-01-05T15:10:00.000Z',
          until: '2026-01-05T23:00:00.000Z',
          manualReset: false,
        },
      ],
      preset: 'topstep-50k',
      balance: '48950.00',
      equity: '48900.00',
      dailyPnl: '-1050.00',
      tradingDay: '2026-01-05',
      openPositions: 1,
      positions: [SAMPLE_POSITION],
      limits: [{ rule: 'DailyLoss', limit: '1000.00', value: '1050.00', headroom: '-50.00', unit: 'money' }],
      challenge: {
        phase: 'phase-1',
        status: 'IN_PROGRESS',
        profitTarget: '3000.00',
        profit: '1250.00',
        progressPct: 41.7,
        tradingDays: 3,
        minTradingDays: 5,
        bestDay: '600.00',
      },
    },
  ],
};

/** Stands in for the daemon: two accounts whose states it remembers, and every call it got. */
class FakeHandler implements ControlHandler {
  readonly states = new Map<string, TradingState>([
    ['A1', 'ACTIVE'],
    ['A2', 'REDUCING'],
  ]);
  readonly calls: [accountId: string, state: TradingState, reason: string][] = [];
  statusCalls = 0;

  status(): StatusReport | Promise<StatusReport> {
    this.statusCalls++;
    return REPORT;
  }

  setState(accountId: string, state: TradingState, reason: string): SetStateResult {
    this.calls.push([accountId, state, reason]);
    const previousState = this.states.get(accountId);
    if (previousState === undefined) {
      throw new WardenError('WARDEN_UNKNOWN_ACCOUNT', `unknown account ${accountId}`);
    }
    this.states.set(accountId, state);
    return { accountId, previousState, state, changed: previousState !== state };
  }
}

let dir: string;
let sockets = 0;
const servers: (ControlServer | Server)[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-control-'));
});

afterAll(async () => {
  await Promise.all(
    servers.map((s) =>
      'listening' in s ? new Promise<void>((resolve) => s.close(() => resolve())) : s.close(),
    ),
  );
  await rm(dir, { recursive: true, force: true });
});

/** A fresh socket path in the temp directory. */
function socketPath(): string {
  sockets += 1;
  return join(dir, `s${sockets}.sock`);
}

async function serve(
  handler: ControlHandler = new FakeHandler(),
  options: { path?: string; idleTimeoutMs?: number } = {},
): Promise<{ path: string; server: ControlServer }> {
  const path = options.path ?? socketPath();
  const server = await startControlServer({
    path,
    handler,
    log: silentLogger(),
    ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
  });
  servers.push(server);
  return { path, server };
}

/** A server that is not Warden's, answering every connection with `answer` (then closing). */
async function foreignServer(answer: string | undefined): Promise<string> {
  const path = socketPath();
  const server = createServer((socket) => {
    socket.on('error', () => {});
    socket.once('data', () => (answer === undefined ? socket.end() : socket.end(answer)));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return path;
}

/**
 * Writes raw bytes on a fresh connection and returns everything the server sent until it closed
 * the connection. `end` half-closes after writing.
 */
function exchange(path: string, data: string, options: { end?: boolean } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ path });
    const chunks: Buffer[] = [];
    socket.once('connect', () => {
      socket.write(data);
      if (options.end) socket.end();
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // A client still writing when the server refuses it may see a broken pipe; the answer counts.
    socket.on('error', () => {});
    socket.once('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

/** The one response line of a raw exchange, parsed. */
async function exchangeJson(path: string, data: string, options: { end?: boolean } = {}): Promise<unknown> {
  const text = await exchange(path, data, options);
  expect(text.endsWith('\n')).toBe(true);
  expect(text.split('\n')).toHaveLength(2);
  return JSON.parse(text);
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('the control server and client', () => {
  it('round-trips a status request', async () => {
    const { path } = await serve();
    expect(await sendControl(path, { op: 'status' })).toEqual({ ok: true, status: REPORT });
    expect(await requestStatus(path)).toEqual(REPORT);
  });

  it('round-trips a state change, and reports no change the second time', async () => {
    const handler = new FakeHandler();
    const { path } = await serve(handler);
    const args = { accountId: 'A1', state: 'HALTED', reason: '  news event ' } as const;
    expect(await requestSetState(path, args)).toEqual({
      accountId: 'A1',
      previousState: 'ACTIVE',
      state: 'HALTED',
      changed: true,
    });
    expect(await sendControl(path, { op: 'setState', ...args })).toEqual({
      ok: true,
      state: { accountId: 'A1', previousState: 'HALTED', state: 'HALTED', changed: false },
    });
    // The reason reaches the handler trimmed.
    expect(handler.calls).toEqual([
      ['A1', 'HALTED', 'news event'],
      ['A1', 'HALTED', 'news event'],
    ]);
  });

  it('answers a WardenError from the handler with its code and message', async () => {
    const { path } = await serve();
    const request = { op: 'setState', accountId: 'A9', state: 'HALTED', reason: 'x' } as const;
    expect(await sendControl(path, request)).toEqual({
      ok: false,
      code: 'WARDEN_UNKNOWN_ACCOUNT',
      message: 'unknown account A9',
    });
    const refused = requestSetState(path, { accountId: 'A9', state: 'HALTED', reason: 'x' });
    await expect(refused).rejects.toThrow(WardenError);
    await expect(refused).rejects.toMatchObject({
      code: 'WARDEN_UNKNOWN_ACCOUNT',
      message: 'unknown account A9',
    });
  });

  it('answers any other handler failure, and an invalid report, as WARDEN_INTERNAL', async () => {
    const failing = new FakeHandler();
    failing.status = () => {
      throw new Error('engine not ready');
    };
    const { path } = await serve(failing);
    expect(await sendControl(path, { op: 'status' })).toEqual({
      ok: false,
      code: 'WARDEN_INTERNAL',
      message: 'engine not ready',
    });

    const broken = new FakeHandler();
    const [account] = REPORT.accounts;
    broken.status = async () => ({
      ...REPORT,
      accounts: [{ ...account!, balance: 48950 as unknown as string }],
    });
    const other = await serve(broken);
    const response = await sendControl(other.path, { op: 'status' });
    expect(response).toMatchObject({ ok: false, code: 'WARDEN_INTERNAL' });
    expect(response.ok === false && response.message).toMatch(
      /invalid status answer: status\.accounts\[0\]\.balance: /,
    );
  });

  it('refuses a line that is not JSON, or not a request, and serves the next connection', async () => {
    const handler = new FakeHandler();
    const { path } = await serve(handler);
    expect(await exchangeJson(path, '{"op": status}\n')).toEqual({
      ok: false,
      code: 'WARDEN_CONTROL_BAD_REQUEST',
      message: expect.stringMatching(/^the request line is not JSON \(/),
    });
    expect(await exchangeJson(path, '\n')).toEqual({
      ok: false,
      code: 'WARDEN_CONTROL_BAD_REQUEST',
      message: 'the request line is empty; send one JSON request',
    });
    expect(
      await exchangeJson(path, '{"op":"setState","accountId":"A1","state":"STOPPED","reason":"x"}\n'),
    ).toEqual({
      ok: false,
      code: 'WARDEN_CONTROL_BAD_REQUEST',
      message: expect.stringMatching(/^not a valid request: state: /),
    });
    expect(handler.calls).toEqual([]);
    expect(await requestStatus(path)).toEqual(REPORT);
  });

  it('answers a request a client half-closes without a newline, and ignores what follows a line', async () => {
    const { path } = await serve();
    expect(await exchangeJson(path, '{"op":"status"}', { end: true })).toEqual({ ok: true, status: REPORT });
    expect(await exchangeJson(path, '{"op":"status"}\n{"op":"nonsense"}\n')).toEqual({
      ok: true,
      status: REPORT,
    });
  });

  it('refuses a request line over 64 KiB, and accepts one of exactly 64 KiB', async () => {
    const { path } = await serve();
    expect(await exchangeJson(path, `${'x'.repeat(MAX_REQUEST_BYTES + 1)}\n`)).toEqual({
      ok: false,
      code: 'WARDEN_CONTROL_BAD_REQUEST',
      message: `the request line is longer than ${MAX_REQUEST_BYTES} bytes`,
    });
    // Without a newline at all, still refused once the cap is passed.
    expect(await exchangeJson(path, 'x'.repeat(3 * MAX_REQUEST_BYTES))).toMatchObject({
      code: 'WARDEN_CONTROL_BAD_REQUEST',
    });
    const request = '{"op":"status"}';
    const padded = `${request}${' '.repeat(MAX_REQUEST_BYTES - request.length)}\n`;
    expect(await exchangeJson(path, padded)).toEqual({ ok: true, status: REPORT });
    expect(await requestStatus(path)).toEqual(REPORT);
  });

  it('answers a connection idle past the timeout, before a whole line came in', async () => {
    const { path } = await serve(new FakeHandler(), { idleTimeoutMs: 20 });
    expect(await exchangeJson(path, '{"op":')).toEqual({
      ok: false,
      code: 'WARDEN_CONTROL_BAD_REQUEST',
      message: 'no complete request line within 20 ms',
    });
  });

  it('survives a client that disconnects before its answer', async () => {
    const handler = new FakeHandler();
    const called = deferred<void>();
    const release = deferred<StatusReport>();
    handler.status = () => {
      called.resolve();
      return release.promise;
    };
    const { path } = await serve(handler);
    const socket = createConnection({ path });
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.write('{"op":"status"}\n');
    await called.promise;
    socket.destroy();
    await closed;
    release.resolve(REPORT);

    handler.status = () => REPORT;
    expect(await requestStatus(path)).toEqual(REPORT);
  });

  it('creates the directory, makes the socket owner-only, and removes it on close', async () => {
    const path = join(dir, 'nested', 'deeper', 'warden.sock');
    const { server } = await serve(new FakeHandler(), { path });
    expect(server.path).toBe(path);
    const stats = await stat(path);
    expect(stats.isSocket()).toBe(true);
    expect(stats.mode & 0o777).toBe(0o600);
    await server.close();
    await server.close();
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('closes at once with a silent client connected', async () => {
    const { path, server } = await serve(new FakeHandler(), { idleTimeoutMs: 600_000 });
    const socket = createConnection({ path });
    socket.on('error', () => {});
    const closed = new Promise((resolve) => socket.once('close', resolve));
    await new Promise((resolve) => socket.once('connect', resolve));
    await server.close();
    await closed;
  });

  it('replaces a stale socket file left by a warden that died', async () => {
    const path = socketPath();
    // A socket file nobody listens on: bind elsewhere, move the file into place, stop listening.
    const dead = createServer();
    const bound = join(dir, 'dead.sock');
    await new Promise<void>((resolve) => dead.listen(bound, resolve));
    await rename(bound, path);
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    expect((await stat(path)).isSocket()).toBe(true);
    await expect(requestStatus(path)).rejects.toMatchObject({ code: 'WARDEN_CONTROL_UNAVAILABLE' });

    await serve(new FakeHandler(), { path });
    expect(await requestStatus(path)).toEqual(REPORT);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('refuses to start a second server on a live socket, and the first keeps serving', async () => {
    const { path } = await serve();
    const second = startControlServer({ path, handler: new FakeHandler() });
    await expect(second).rejects.toThrow(WardenError);
    await expect(second).rejects.toMatchObject({
      code: 'WARDEN_CONTROL_LISTEN_FAILED',
      message: `another warden is already listening on ${path}`,
    });
    expect(await requestStatus(path)).toEqual(REPORT);
  });

  it('refuses to replace a path that is not a socket, and leaves it alone', async () => {
    const path = socketPath();
    await writeFile(path, 'keep me');
    await expect(startControlServer({ path, handler: new FakeHandler() })).rejects.toMatchObject({
      code: 'WARDEN_CONTROL_LISTEN_FAILED',
      message: expect.stringContaining(`${path} exists and is not a socket`),
    });
    expect(await readFile(path, 'utf8')).toBe('keep me');
  });

  it('tells a client clearly that no daemon listens on a missing socket', async () => {
    const path = socketPath();
    const error = sendControl(path, { op: 'status' });
    await expect(error).rejects.toThrow(WardenError);
    await expect(error).rejects.toMatchObject({
      code: 'WARDEN_CONTROL_UNAVAILABLE',
      message: `no warden daemon is listening on ${path} (start one with \`warden run\`, or pass --socket)`,
    });
  });

  it('gives up on a daemon that does not answer in time', async () => {
    const handler = new FakeHandler();
    handler.status = () => new Promise<StatusReport>(() => {});
    const { path } = await serve(handler);
    await expect(sendControl(path, { op: 'status' }, { timeoutMs: 50 })).rejects.toMatchObject({
      code: 'WARDEN_CONTROL_TIMEOUT',
      message: `the warden daemon on ${path} did not answer within 50 ms`,
    });
  });

  it('refuses an invalid request without connecting', async () => {
    const request = { op: 'setState', accountId: 'A1', state: 'HALTED', reason: ' ' } as const;
    await expect(sendControl(socketPath(), request)).rejects.toMatchObject({
      code: 'WARDEN_CONTROL_BAD_REQUEST',
      message: expect.stringMatching(/^not a valid request: reason: /),
    });
  });

  it('rejects an answer that is not JSON, not a response, missing, or an unknown error code', async () => {
    const notJson = await foreignServer('hello\n');
    await expect(sendControl(notJson, { op: 'status' })).rejects.toMatchObject({
      code: 'WARDEN_CONTROL_BAD_RESPONSE',
      message: `the answer is not JSON (from ${notJson})`,
    });
    const wrongShape = await foreignServer('{"ok":true,"status":{"accounts":[]}}\n');
    await expect(sendControl(wrongShape, { op: 'status' })).rejects.toMatchObject({
      code: 'WARDEN_CONTROL_BAD_RESPONSE',
      message: expect.stringContaining('not a valid status response: status.generatedAt: '),
    });
    const silent = await foreignServer(undefined);
    await expect(sendControl(silent, { op: 'status' })).rejects.toMatchObject({
      code: 'WARDEN_CONTROL_BAD_RESPONSE',
      message: `the daemon closed the connection without answering (from ${silent})`,
    });
    const newer = await foreignServer('{"ok":false,"code":"WARDEN_FROM_THE_FUTURE","message":"later"}\n');
    await expect(requestStatus(newer)).rejects.toMatchObject({
      code: 'WARDEN_CONTROL_BAD_RESPONSE',
      message: 'the daemon answered with an unknown error code WARDEN_FROM_THE_FUTURE: later',
    });
  });
});

describe.concurrent('warden status and warden state', () => {
  it('status --json prints the report as JSON', async ({ expect }) => {
    const { path } = await serve();
    const { code, stdout, stderr } = await warden('status', '--socket', path, '--json');
    expect(code, stderr).toBe(0);
    expect(stderr).toBe('');
    expect(JSON.parse(stdout)).toEqual(REPORT);
    expect(stdout).toBe(`${JSON.stringify(REPORT, null, 2)}\n`);
  });

  it('status prints a readable report', async ({ expect }) => {
    const { path } = await serve();
    const { code, stdout, stderr } = await warden('status', '--socket', path);
    expect(code, stderr).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toBe('warden status at 2026-01-05T15:12:30.000Z: 1 account');
    expect(lines).toContain('A1: HALTED');
    expect(lines).toContain('  daily PnL     -1050.00 (trading day 2026-01-05)');
    expect(lines).toContain('  positions     1 open');
    expect(lines).toContain('                ES      long         2   5000  4999.5  -50  4990    5030  P1');
    expect(lines).toContain('                DailyLoss  1000.00  1050.00    -50.00  money  over the limit');
    expect(lines).toContain('                profit        1250.00 of 3000.00 (41.7%)');
  });

  it('state changes an account, then says it is already there', async ({ expect }) => {
    const handler = new FakeHandler();
    const { path } = await serve(handler);
    const first = await warden('state', 'A1', 'halted', '--reason', 'news event', '--socket', path);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe('A1: ACTIVE -> HALTED (reason: "news event")\n');
    const again = await warden('state', 'A1', 'HaLtEd', '-r', 'still news', '--socket', path);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe('A1: already HALTED\n');
    expect(handler.calls).toEqual([
      ['A1', 'HALTED', 'news event'],
      ['A1', 'HALTED', 'still news'],
    ]);
  });

  it('state with an unknown state word exits 2 and asks nothing of the daemon', async ({ expect }) => {
    const handler = new FakeHandler();
    const { path } = await serve(handler);
    const { code, stdout, stderr } = await warden('state', 'A1', 'paused', '--reason', 'x', '--socket', path);
    expect(code, stderr).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'error [WARDEN_CONFIG_INVALID]: unknown trading state "paused": use active, reducing or halted\n',
    );
    expect(handler.calls).toEqual([]);
  });

  it('state for an account the daemon does not know exits 2 with its message', async ({ expect }) => {
    const { path } = await serve();
    const { code, stdout, stderr } = await warden('state', 'A9', 'halted', '--reason', 'x', '--socket', path);
    expect(code, stderr).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('error [WARDEN_UNKNOWN_ACCOUNT]: unknown account A9\n');
  });

  it('state without --reason, or with a blank one, exits 2', async ({ expect }) => {
    const handler = new FakeHandler();
    const { path } = await serve(handler);
    const [missing, blank] = await Promise.all([
      warden('state', 'A1', 'halted', '--socket', path),
      warden('state', 'A1', 'halted', '--reason', '  ', '--socket', path),
    ]);
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toContain("required option '-r, --reason <text>' not specified");
    expect(blank.code, blank.stderr).toBe(2);
    expect(blank.stderr).toContain('error [WARDEN_CONFIG_INVALID]: --reason must not be empty');
    expect(handler.calls).toEqual([]);
  });

  it('status and state without a daemon exit 1 with a clear message and no stack', async ({ expect }) => {
    const path = socketPath();
    const runs = await Promise.all([
      warden('status', '--socket', path),
      warden('state', 'A1', 'halted', '--reason', 'x', '--socket', path),
    ]);
    for (const { code, stdout, stderr } of runs) {
      expect(code, stderr).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `error [WARDEN_CONTROL_UNAVAILABLE]: no warden daemon is listening on ${path} (start one with \`warden run\`, or pass --socket)\n`,
      );
      expect(stderr).not.toMatch(STACK_FRAME);
    }
  });

  it('both commands have help with examples', async ({ expect }) => {
    const runs = await Promise.all([warden('status', '--help'), warden('state', '--help')]);
    for (const [i, command] of ['status', 'state'].entries()) {
      const help = runs[i] as CliResult;
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toContain(`Usage: warden ${command}`);
      expect(help.stdout).toContain('--socket <path>');
      expect(help.stdout).toContain('Examples:');
    }
  });
});
