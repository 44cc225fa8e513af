import { chmod, lstat, mkdir, unlink } from 'node:fs/promises';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { isWardenError, WardenError } from '../../domain/errors.ts';
import type { Logger } from '../logger.ts';
import {
  type ControlHandler,
  type ControlRequest,
  type ControlResponse,
  type ErrorResponse,
  MAX_REQUEST_BYTES,
  parseControlRequest,
  parseControlResponse,
  socketPathProblem,
} from './protocol.ts';

/**
 * What the control server logs: each state change asked for (info, with its reason), refused
 * requests (warn), handler failures (error), broken connections (debug).
 */
export type ControlLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

export interface ControlServerOptions {
  /** The socket path, absolute or relative to the working directory. */
  readonly path: string;
  /** Carries out the requests. */
  readonly handler: ControlHandler;
  readonly log?: ControlLog;
  /**
   * A connection with no traffic for this long is closed, also while the handler works (the
   * client has given up by then too); 5000 ms by default.
   */
  readonly idleTimeoutMs?: number;
}

/** A listening control server. */
export interface ControlServer {
  /** The socket path, as given. */
  readonly path: string;
  /**
   * Stops accepting connections, drops the ones that have not sent a request, lets the answers
   * in flight go out, and removes the socket file. Safe to call more than once.
   */
  close(): Promise<void>;
}

const DEFAULT_IDLE_TIMEOUT_MS = 5000;
const NEWLINE = 0x0a;

/**
 * Starts the daemon's control channel: a Unix domain socket at `path` that answers one
 * newline-delimited JSON request per connection (see protocol.ts).
 *
 * Security: anyone who can connect can halt trading, so the socket is owner-only (mode 0600) and
 * only the user running the daemon (and root) can use it. It is created owner-only, not opened
 * up and then narrowed. Keep the daemon's user to the people allowed to halt trading.
 *
 * Creates the socket's directory if it is missing. A socket file left behind by a warden that
 * died is replaced; a live one is not. Fails with WARDEN_CONTROL_LISTEN_FAILED when another
 * warden listens on `path`, when `path` is something other than a socket, or when the socket
 * cannot be created.
 */
export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  const { path, handler, log } = options;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const problem = socketPathProblem(path);
  if (problem !== undefined) throw listenFailed(path, `${problem}; choose a shorter path`);
  try {
    await mkdir(dirname(path), { recursive: true });
  } catch (e) {
    throw listenFailed(path, `cannot create the directory ${dirname(path)} (${errnoCode(e)})`);
  }
  await removeStaleSocket(path);

  // Connections with no request in the handler; close() drops them at once.
  const droppable = new Set<Socket>();
  let closing: Promise<void> | undefined;
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    if (closing !== undefined) {
      socket.destroy();
      return;
    }
    droppable.add(socket);
    serveConnection(socket, { handler, log, idleTimeoutMs, onRequest: () => droppable.delete(socket) });
    socket.once('close', () => droppable.delete(socket));
  });
  await listen(server, path);
  server.on('error', (e) => log?.error({ err: e.message }, `control socket ${path} failed`));

  let ino: number;
  try {
    // Already 0600 from the umask during bind; this also covers a platform where it was not.
    await chmod(path, 0o600);
    ino = (await lstat(path)).ino;
  } catch (e) {
    await closeServer(server);
    throw listenFailed(path, `cannot restrict the socket to its owner (${errnoCode(e)})`);
  }

  return {
    path,
    close() {
      closing ??= (async () => {
        const closed = closeServer(server);
        for (const socket of droppable) socket.destroy();
        await closed;
        // Node removes the file itself; remove it only if it is still ours, not a successor's.
        const stats = await lstat(path).catch(() => undefined);
        if (stats?.ino === ino) await unlink(path).catch(() => undefined);
      })();
      return closing;
    },
  };
}

/** Removes a socket file nobody listens on; refuses a live socket and anything not a socket. */
async function removeStaleSocket(path: string): Promise<void> {
  const stats = await lstat(path).catch((e: unknown) => {
    if (errnoCode(e) === 'ENOENT') return undefined;
    throw listenFailed(path, `cannot inspect ${path} (${errnoCode(e)})`);
  });
  if (stats === undefined) return;
  if (!stats.isSocket())
    throw listenFailed(path, `${path} exists and is not a socket; remove it or choose another socket path`);
  const answer = await probe(path);
  if (answer === 'live') throw listenFailed(path, `another warden is already listening on ${path}`);
  if (answer !== 'stale') throw listenFailed(path, `cannot tell whether ${path} is in use (${answer})`);
  await unlink(path).catch((e: unknown) => {
    if (errnoCode(e) !== 'ENOENT')
      throw listenFailed(path, `cannot remove the stale ${path} (${errnoCode(e)})`);
  });
}

/** Connects to a socket file: `live` if something accepts, `stale` if nobody listens, else the error code. */
function probe(path: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ path });
    socket.once('connect', () => {
      socket.destroy();
      resolve('live');
    });
    socket.once('error', (e) => {
      const code = errnoCode(e);
      resolve(code === 'ECONNREFUSED' || code === 'ENOENT' ? 'stale' : code);
    });
  });
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      const code = errnoCode(e);
      reject(
        listenFailed(
          path,
          code === 'EADDRINUSE'
            ? `another process took ${path} while warden was starting`
            : `cannot listen on ${path} (${code})`,
        ),
      );
    };
    server.once('error', onError);
    // The socket file is created synchronously inside listen(): with this umask it is born
    // owner-only, so no other user can connect in the moment before chmod. The umask is
    // process-wide, but only for this call; a file another thread creates meanwhile merely loses
    // its group and other permissions.
    const umask = setUmask(0o077);
    try {
      server.listen(path, () => {
        server.off('error', onError);
        resolve();
      });
    } finally {
      if (umask !== undefined) setUmask(umask);
    }
  });
}

/** Sets the process umask and returns the old one; undefined where it cannot (worker threads). */
function setUmask(mask: number): number | undefined {
  try {
    return process.umask(mask);
  } catch {
    return undefined;
  }
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

interface ConnectionContext {
  readonly handler: ControlHandler;
  readonly log: ControlLog | undefined;
  readonly idleTimeoutMs: number;
  /** Called once the whole request line is in and the handler is about to run. */
  readonly onRequest: () => void;
}

/** Bytes a refused client may still send before the connection is cut. */
const MAX_DISCARD_BYTES = 1024 * 1024;

/** Reads one request line, answers it with one response line, and closes the connection. */
function serveConnection(socket: Socket, context: ConnectionContext): void {
  const { handler, log, idleTimeoutMs } = context;
  const chunks: Buffer[] = [];
  let size = 0;
  let discarded = 0;
  let answered = false;

  /** Answers a whole request line, then closes: the client sent all it had to send. */
  const take = (line: Buffer) => {
    answered = true;
    context.onRequest();
    void answer(line, handler, log)
      .catch((e: unknown) => internal(e instanceof Error ? e.message : String(e)))
      .then((response) => {
        if (!socket.destroyed) socket.end(`${JSON.stringify(response)}\n`, () => socket.destroy());
      });
  };
  /**
   * Refuses before the request line is complete. The client may still be writing, so the
   * connection stays open, discarding, until the client closes it: cut short, the client could
   * lose the answer to a broken pipe.
   */
  const refuse = (message: string) => {
    answered = true;
    socket.end(`${JSON.stringify(badRequest(message, log))}\n`);
  };

  socket.on('error', (e) => log?.debug({ err: e.message }, 'control connection failed'));
  socket.setTimeout(idleTimeoutMs, () => {
    if (answered) socket.destroy();
    else refuse(`no complete request line within ${idleTimeoutMs} ms`);
  });
  socket.on('data', (chunk: Buffer) => {
    if (answered) {
      // Anything after the request line is ignored, up to a bound.
      discarded += chunk.length;
      if (discarded > MAX_DISCARD_BYTES) socket.destroy();
      return;
    }
    const newline = chunk.indexOf(NEWLINE);
    const end = newline === -1 ? chunk.length : newline;
    if (size + end > MAX_REQUEST_BYTES) {
      refuse(`the request line is longer than ${MAX_REQUEST_BYTES} bytes`);
      return;
    }
    chunks.push(newline === -1 ? chunk : chunk.subarray(0, newline));
    size += end;
    if (newline !== -1) take(Buffer.concat(chunks));
  });
  socket.on('end', () => {
    if (answered) return;
    // A client may half-close instead of ending its line with a newline. Nothing sent, no answer.
    if (size > 0) take(Buffer.concat(chunks));
    else {
      answered = true;
      socket.end();
    }
  });
}

/** The response to one request line; never throws. */
async function answer(
  line: Buffer,
  handler: ControlHandler,
  log: ControlLog | undefined,
): Promise<ControlResponse> {
  const text = line.toString('utf8');
  if (text.trim() === '') return badRequest('the request line is empty; send one JSON request', log);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return badRequest(`the request line is not JSON (${e instanceof Error ? e.message : String(e)})`, log);
  }
  const parsed = parseControlRequest(value);
  if (!parsed.ok) return badRequest(`not a valid request: ${parsed.problem}`, log);
  const request = parsed.value;
  if (request.op === 'setState') {
    const { accountId, state, reason } = request;
    log?.info(
      { accountId, state, reason },
      `state change asked: ${accountId} -> ${state} (reason: ${JSON.stringify(reason)})`,
    );
  } else log?.debug({ op: request.op }, 'control request');
  try {
    return checked(request, await carryOut(request, handler), log);
  } catch (e) {
    if (isWardenError(e)) return { ok: false, code: e.code, message: e.message };
    const message = e instanceof Error ? e.message : String(e);
    log?.error({ op: request.op, err: message }, 'control request failed');
    return internal(message);
  }
}

async function carryOut(request: ControlRequest, handler: ControlHandler): Promise<ControlResponse> {
  if (request.op === 'status') return { ok: true, status: await handler.status() };
  return { ok: true, state: await handler.setState(request.accountId, request.state, request.reason) };
}

/** The handler's answer as validated, so a daemon bug shows here and not as a client's puzzle. */
function checked(
  request: ControlRequest,
  response: ControlResponse,
  log: ControlLog | undefined,
): ControlResponse {
  const parsed = parseControlResponse(request.op, response);
  if (parsed.ok) return parsed.value;
  const message = `the daemon built an invalid ${request.op} answer: ${parsed.problem}`;
  log?.error({ op: request.op }, message);
  return internal(message);
}

function badRequest(message: string, log: ControlLog | undefined): ErrorResponse {
  log?.warn({ code: 'WARDEN_CONTROL_BAD_REQUEST' }, `control request refused: ${message}`);
  return { ok: false, code: 'WARDEN_CONTROL_BAD_REQUEST', message };
}

function internal(message: string): ErrorResponse {
  return { ok: false, code: 'WARDEN_INTERNAL', message };
}

function listenFailed(path: string, message: string): WardenError {
  return new WardenError('WARDEN_CONTROL_LISTEN_FAILED', message, { path });
}

function errnoCode(e: unknown): string {
  return (e as NodeJS.ErrnoException | undefined)?.code ?? (e instanceof Error ? e.message : String(e));
}
