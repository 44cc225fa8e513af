import { createConnection } from 'node:net';
import { ERROR_CODES, type ErrorCode, WardenError } from '../../domain/errors.ts';
import {
  type ControlRequest,
  type ControlResponse,
  type ErrorResponse,
  parseControlRequest,
  parseControlResponse,
  type SetStateResult,
  type StatusReport,
  socketPathProblem,
  type TradingState,
} from './protocol.ts';

export interface SendOptions {
  /** How long to wait for the whole exchange, connecting included; 5000 ms by default. */
  readonly timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5000;
/** A status report of many accounts is large, but not this large. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * Sends one request to the daemon listening on `path` and returns its validated response, which
 * may be an error response (`ok: false`) from the daemon.
 *
 * Throws WARDEN_CONTROL_UNAVAILABLE when no daemon listens there, WARDEN_CONTROL_TIMEOUT when
 * none answers within `timeoutMs`, WARDEN_CONTROL_BAD_RESPONSE when the answer is not a valid
 * response, and WARDEN_CONTROL_BAD_REQUEST when `request` itself is invalid (nothing is sent).
 */
export async function sendControl(
  path: string,
  request: ControlRequest,
  options: SendOptions = {},
): Promise<ControlResponse> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const pathProblem = socketPathProblem(path);
  if (pathProblem !== undefined) throw new WardenError('WARDEN_CONTROL_UNAVAILABLE', pathProblem, { path });
  const parsed = parseControlRequest(request);
  if (!parsed.ok)
    throw new WardenError('WARDEN_CONTROL_BAD_REQUEST', `not a valid request: ${parsed.problem}`, { path });
  const line = `${JSON.stringify(parsed.value)}\n`;

  const answer = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const socket = createConnection({ path });
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      outcome();
    };
    const fail = (error: WardenError) => settle(() => reject(error));
    const timer = setTimeout(
      () =>
        fail(
          new WardenError(
            'WARDEN_CONTROL_TIMEOUT',
            `the warden daemon on ${path} did not answer within ${timeoutMs} ms`,
            { path, timeoutMs },
          ),
        ),
      timeoutMs,
    );

    socket.once('connect', () => socket.write(line));
    socket.on('error', (e) => fail(connectionError(path, e)));
    socket.on('data', (chunk: Buffer) => {
      const newline = chunk.indexOf(NEWLINE);
      const end = newline === -1 ? chunk.length : newline;
      if (size + end > MAX_RESPONSE_BYTES) {
        fail(badResponse(path, `the answer is longer than ${MAX_RESPONSE_BYTES} bytes`));
        return;
      }
      chunks.push(newline === -1 ? chunk : chunk.subarray(0, newline));
      size += end;
      if (newline !== -1) settle(() => resolve(Buffer.concat(chunks)));
    });
    socket.on('end', () => {
      if (size > 0) settle(() => resolve(Buffer.concat(chunks)));
      else fail(badResponse(path, 'the daemon closed the connection without answering'));
    });
  });

  let value: unknown;
  try {
    value = JSON.parse(answer.toString('utf8'));
  } catch {
    throw badResponse(path, 'the answer is not JSON');
  }
  const response = parseControlResponse(parsed.value.op, value);
  if (!response.ok)
    throw badResponse(path, `the answer is not a valid ${parsed.value.op} response: ${response.problem}`);
  return response.value;
}

/** Asks the daemon for its status report. Throws the daemon's refusal as a WardenError. */
export async function requestStatus(path: string, options: SendOptions = {}): Promise<StatusReport> {
  const response = await sendControl(path, { op: 'status' }, options);
  if (!response.ok) throw daemonError(response);
  if (!('status' in response)) throw badResponse(path, 'the answer to status is not a status report');
  return response.status;
}

/** What `warden state` asks for. */
export interface SetStateArgs {
  readonly accountId: string;
  readonly state: TradingState;
  readonly reason: string;
}

/** Asks the daemon to move an account to a state. Throws the daemon's refusal as a WardenError. */
export async function requestSetState(
  path: string,
  args: SetStateArgs,
  options: SendOptions = {},
): Promise<SetStateResult> {
  const response = await sendControl(path, { op: 'setState', ...args }, options);
  if (!response.ok) throw daemonError(response);
  if (!('state' in response)) throw badResponse(path, 'the answer to setState is not a state change');
  return response.state;
}

/**
 * The daemon's error response as a WardenError with the daemon's code, so the CLI reports it as
 * if it had happened locally. A code this build does not know (a newer daemon) is kept in the
 * message.
 */
export function daemonError(response: ErrorResponse): WardenError {
  if (Object.hasOwn(ERROR_CODES, response.code)) {
    return new WardenError(response.code as ErrorCode, response.message, { fromDaemon: true });
  }
  return new WardenError(
    'WARDEN_CONTROL_BAD_RESPONSE',
    `the daemon answered with an unknown error code ${response.code}: ${response.message}`,
    { fromDaemon: true, daemonCode: response.code },
  );
}

function connectionError(path: string, e: Error): WardenError {
  const code = (e as NodeJS.ErrnoException).code ?? e.message;
  const message =
    code === 'ENOENT' || code === 'ECONNREFUSED'
      ? `no warden daemon is listening on ${path} (start one with \`warden run\`, or pass --socket)`
      : code === 'EACCES'
        ? `permission denied on ${path}: only the user running the daemon can use its control socket`
        : `lost the connection to the warden daemon on ${path} (${code})`;
  return new WardenError('WARDEN_CONTROL_UNAVAILABLE', message, { path, cause: code });
}

function badResponse(path: string, problem: string): WardenError {
  return new WardenError('WARDEN_CONTROL_BAD_RESPONSE', `${problem} (from ${path})`, { path });
}
