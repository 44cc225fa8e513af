import { z } from 'zod';
import type { TradingState } from '../../domain/account.ts';
import { WardenError } from '../../domain/errors.ts';
import { formatIssues } from '../../domain/events/registry.ts';
import { closedTradesSchema } from '../trade-report.ts';

/*
 * The control protocol between the CLI and a running daemon: newline-delimited JSON over a Unix
 * domain socket. The client writes one request line, the daemon answers one response line and
 * closes the connection. Money is a decimal string and time an ISO 8601 string, as in events.
 *
 *   > {"op":"setState","accountId":"A1","state":"HALTED","reason":"news event"}
 *   < {"ok":true,"state":{"accountId":"A1","previousState":"ACTIVE","state":"HALTED","changed":true}}
 */

export type { TradingState } from '../../domain/account.ts';

/** Where `warden run` listens and the CLI connects unless told otherwise (relative to the cwd). */
export const DEFAULT_CONTROL_SOCKET = 'data/warden.sock';

/** The longest request line the daemon reads, in bytes, newline excluded. */
export const MAX_REQUEST_BYTES = 64 * 1024;

/** The longest reason an operator may give for a state change. */
export const MAX_REASON_LENGTH = 200;

/** The trading states, in order of severity. */
export const TRADING_STATES = ['ACTIVE', 'REDUCING', 'HALTED'] as const satisfies readonly TradingState[];

/** `ACTIVE`, `REDUCING` or `HALTED`, in capitals on the wire. */
export const tradingStateSchema = z.enum(TRADING_STATES);

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string');
const isoTime = z.iso.datetime({ offset: true });
const count = z.number().int().nonnegative();

// Requests

/** `{"op":"status"}`: the standing of every account. */
export const statusRequestSchema = z.strictObject({ op: z.literal('status') });

/** An operator sets an account's trading state, saying why. */
export const setStateRequestSchema = z.strictObject({
  op: z.literal('setState'),
  accountId: z.string().min(1, 'must not be empty'),
  state: tradingStateSchema,
  /** Why the operator changes the state; trimmed, then 1 to 200 characters. */
  reason: z
    .string()
    .trim()
    .min(1, 'must not be empty: say why the state changes')
    .max(MAX_REASON_LENGTH, `must be at most ${MAX_REASON_LENGTH} characters`),
});

/** Every request, told apart by `op`. */
export const controlRequestSchema = z.discriminatedUnion('op', [statusRequestSchema, setStateRequestSchema]);

export type StatusRequest = z.infer<typeof statusRequestSchema>;
export type SetStateRequest = z.infer<typeof setStateRequestSchema>;
export type ControlRequest = z.infer<typeof controlRequestSchema>;

// The status report

/** Something that keeps an account out of ACTIVE: a rule's breach or an operator's word. */
export const holdSchema = z.strictObject({
  reason: z.string(),
  state: z.enum(['REDUCING', 'HALTED']),
  since: isoTime,
  /** When the hold lifts by itself; absent when only an operator or a reset lifts it. */
  until: isoTime.optional(),
  /** Whether only an operator (`warden state … active`) lifts the hold. */
  manualReset: z.boolean(),
});

/** One risk rule's limit, where the account stands against it, and the room left. */
export const limitStandingSchema = z.strictObject({
  rule: z.string().min(1),
  limit: decimal,
  value: decimal,
  /** How far the value may still go before the rule acts: 0 at the limit, negative past it. */
  headroom: decimal,
  unit: z.enum(['money', 'contracts', 'count']),
});

/** Progress through a prop-firm challenge phase. */
export const challengeStandingSchema = z.strictObject({
  phase: z.string(),
  status: z.enum(['IN_PROGRESS', 'PASSED', 'FAILED']),
  profitTarget: decimal,
  profit: decimal,
  /** `profit` as a percentage of `profitTarget`. */
  progressPct: z.number(),
  tradingDays: count,
  minTradingDays: count,
  bestDay: decimal,
  /** The best day as a percentage of the profit, where the challenge has a consistency rule. */
  consistencyPct: z.number().optional(),
  /** The highest `consistencyPct` the challenge allows. */
  consistencyLimitPct: z.number().optional(),
  failedReason: z.string().optional(),
});

/**
 * One open position at the last price of its symbol. Prices and quantities are decimal strings,
 * like money: `1.638`, never `1.6380000000000001`.
 */
export const positionStandingSchema = z.strictObject({
  positionId: z.string().min(1),
  symbol: z.string().min(1),
  side: z.enum(['long', 'short']),
  quantity: decimal,
  entryPrice: decimal,
  /** The symbol's last price; absent before its first tick (the PnL is then 0, at the entry). */
  price: decimal.optional(),
  /** Unrealized PnL at `price`, in the instrument's currency (multiplier included). */
  unrealizedPnl: decimal,
  stopPrice: decimal.optional(),
  targetPrice: decimal.optional(),
  openedAt: isoTime,
});

/** One account's standing: state and holds, money, positions, limits, challenge. */
export const accountStandingSchema = z.strictObject({
  accountId: z.string().min(1),
  state: tradingStateSchema,
  holds: z.array(holdSchema),
  preset: z.string().optional(),
  balance: decimal,
  equity: decimal,
  dailyPnl: decimal,
  tradingDay: z.iso.date(),
  /** How many positions are open: the length of `positions`. */
  openPositions: count,
  /** The open positions, by symbol. */
  positions: z.array(positionStandingSchema),
  limits: z.array(limitStandingSchema),
  challenge: challengeStandingSchema.optional(),
  /** The account's closed trades (from a daemon; see src/app/control/status-trades.ts). */
  closedTrades: closedTradesSchema.optional(),
});

/** The answer to a status request. */
export const statusReportSchema = z.strictObject({
  generatedAt: isoTime,
  accounts: z.array(accountStandingSchema),
});

/** The answer to a setState request. */
export const setStateResultSchema = z.strictObject({
  accountId: z.string().min(1),
  previousState: tradingStateSchema,
  state: tradingStateSchema,
  /** False when the account was already in the requested state. */
  changed: z.boolean(),
});

export type Hold = z.infer<typeof holdSchema>;
export type PositionStanding = z.infer<typeof positionStandingSchema>;
export type LimitStanding = z.infer<typeof limitStandingSchema>;
export type ChallengeStanding = z.infer<typeof challengeStandingSchema>;
export type AccountStanding = z.infer<typeof accountStandingSchema>;
export type StatusReport = z.infer<typeof statusReportSchema>;
export type SetStateResult = z.infer<typeof setStateResultSchema>;

// Responses

/** A status request carried out. */
export const statusResponseSchema = z.strictObject({ ok: z.literal(true), status: statusReportSchema });
/** A setState request carried out. */
export const setStateResponseSchema = z.strictObject({ ok: z.literal(true), state: setStateResultSchema });
/** A request refused or failed, with the error's stable code. */
export const errorResponseSchema = z.strictObject({
  ok: z.literal(false),
  /** A code from docs/errors.md, e.g. `WARDEN_UNKNOWN_ACCOUNT`. */
  code: z.string().min(1),
  message: z.string(),
});

/** Every response. Prefer `parseControlResponse`, whose messages name the field at fault. */
export const controlResponseSchema = z.union([
  statusResponseSchema,
  setStateResponseSchema,
  errorResponseSchema,
]);

export type StatusResponse = z.infer<typeof statusResponseSchema>;
export type SetStateResponse = z.infer<typeof setStateResponseSchema>;
export type ErrorResponse = z.infer<typeof errorResponseSchema>;
export type ControlResponse = z.infer<typeof controlResponseSchema>;

/** What the daemon does for each request. The control server calls it; the daemon implements it. */
export interface ControlHandler {
  /** The standing of every account, for `warden status`. */
  status(): StatusReport | Promise<StatusReport>;
  /**
   * Moves an account to `state` on an operator's word, for `warden state`. Returns the state
   * before and after; `changed` is false when the account was already there.
   * Throws a WardenError (e.g. WARDEN_UNKNOWN_ACCOUNT) for a request it refuses.
   */
  setState(accountId: string, state: TradingState, reason: string): SetStateResult | Promise<SetStateResult>;
}

/** A parse result: the value, or the problems as `path: message`, joined for one line. */
export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string };

/** Validates a decoded request line. */
export function parseControlRequest(value: unknown): Parsed<ControlRequest> {
  return check(controlRequestSchema, value);
}

/**
 * Validates a decoded response line against what `op` can be answered with: the op's own success
 * shape or an error. Checking against the expected shape gives precise messages.
 */
export function parseControlResponse(op: ControlRequest['op'], value: unknown): Parsed<ControlResponse> {
  const failed = typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false;
  if (failed) return check(errorResponseSchema, value);
  return op === 'status' ? check(statusResponseSchema, value) : check(setStateResponseSchema, value);
}

function check<T>(schema: z.ZodType<T>, value: unknown): Parsed<T> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, problem: formatIssues(parsed.error.issues).join('; ') };
}

/**
 * The longest socket path the system binds, in bytes: 107 on Linux, 103 on macOS and the BSDs.
 * Node does not check it and silently truncates a longer path.
 */
export const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

/** Why `path` cannot name a control socket, or undefined when it can. */
export function socketPathProblem(path: string): string | undefined {
  if (path === '') return 'the socket path is empty';
  const bytes = new TextEncoder().encode(path).length;
  if (bytes > MAX_SOCKET_PATH_BYTES)
    return `the socket path ${path} is ${bytes} bytes long; a Unix socket path has at most ${MAX_SOCKET_PATH_BYTES}`;
  return undefined;
}

/**
 * The path of a `--socket` flag, checked: one that cannot name a socket (empty, too long) is bad
 * input, `WARDEN_CONFIG_INVALID` naming the flag (exit 2), not a daemon that does not answer.
 */
export function checkSocketFlag(path: string): string {
  const problem = socketPathProblem(path);
  if (problem !== undefined) {
    throw new WardenError('WARDEN_CONFIG_INVALID', `--socket cannot name a Unix socket: ${problem}`);
  }
  return path;
}
