/**
 * Every error Warden reports has a stable code from this table. docs/errors.md documents each
 * one; test/unit/errors.test.ts keeps this table, the docs and the thrown codes in sync.
 */
export const ERROR_CODES = {
  WARDEN_CONFIG_INVALID: 'The configuration failed validation; every problem is listed with its path.',
  WARDEN_CONFIG_NOT_FOUND: 'The configuration file does not exist or cannot be read.',
  WARDEN_CONFIG_SECRET_MISSING: 'The configuration names an environment variable that is not set.',
  WARDEN_INPUT_NOT_FOUND: 'An input file (ticks, edges) does not exist or cannot be read.',
  WARDEN_OUTPUT_NOT_WRITABLE:
    'An output file (--out) cannot be created: its directory does not exist or is not writable.',
  WARDEN_TICK_MALFORMED: 'A tick row could not be parsed (wrong column count, bad number, bad timestamp).',
  WARDEN_TICK_BAD_PRICE: 'A tick has a NaN, zero, negative or infinite price, or a crossed quote.',
  WARDEN_TICK_UNKNOWN_SYMBOL: 'A tick names a symbol that is not configured.',
  WARDEN_TICK_OUT_OF_ORDER: 'A tick is older than the previous tick of the feed.',
  WARDEN_TICK_DUPLICATE: 'A tick repeats the previous tick of its symbol exactly.',
  WARDEN_TICK_OUTLIER:
    'A tick jumped beyond the price guard from the last accepted price and the price came back before the move was confirmed (a bad print).',
  WARDEN_TICK_CLOCK_JUMP:
    "A tick jumps far beyond the file's cadence (over a day and 1,000 median gaps) and the ticks after it do not follow it.",
  WARDEN_EDGES_INVALID:
    'An edges file has lines that are not valid edges; every problem is listed with its line.',
  WARDEN_INPUT_STRICT_ABORT: 'Strict mode stopped the run at the first bad input.',
  WARDEN_INPUT_TOO_MANY_SKIPPED:
    'A replay skipped more of its input than allowed (1% unless --max-skipped or --allow-skips says otherwise).',
  WARDEN_EVENT_INVALID: 'An event failed its envelope or payload schema.',
  WARDEN_EVENT_UNKNOWN_TYPE: 'An event has a type that is not in the catalog.',
  WARDEN_EVENT_TOO_LARGE: 'An event payload exceeds the size limit.',
  WARDEN_EVENT_DUPLICATE: 'An event id was already appended or processed.',
  WARDEN_STORE_CONFLICT: 'An append did not match the expected version of its key.',
  WARDEN_TRANSPORT_CLOSED: 'The transport was used after it was closed.',
  WARDEN_TRANSPORT_SUBSCRIBE_INVALID:
    'A transport subscription was refused: a partition out of range, a member id already in the group, or static and membership subscriptions mixed in one group.',
  WARDEN_STORE_FENCED:
    "A commit carried an older epoch of its partition than the store's: its sender lost the partition to another owner.",
  WARDEN_STORE_UNAVAILABLE:
    'The event store cannot be opened or reached (bad path, permissions, database down, failed migration).',
  WARDEN_STORE_NOT_FOUND:
    'No event store where one was named: a SQLite file that does not exist (reading never creates one), or a missing directory for a new one.',
  WARDEN_STORE_SCHEMA_NEWER: 'The store was migrated by a newer Warden than this one.',
  WARDEN_STORE_LOCKED:
    'Another writer (warden run, warden replay --store) holds the store; the message names it (command, pid, host, since).',
  WARDEN_AUDIT_BROKEN: 'The hash chain of the event log is broken; the first broken link is named.',
  WARDEN_RESUME_MISMATCH:
    'A replay cannot resume from this store: it holds no run, another run (config, ticks), or a finished one.',
  WARDEN_REPLAY_DIVERGED:
    'A resumed replay produced an event that differs from the one stored at the same place.',
  WARDEN_UNKNOWN_POSITION: 'A request names a position the store does not hold.',
  WARDEN_VENUE_TRANSIENT:
    'A venue call failed for a reason that may pass (network, rate limit, maintenance).',
  WARDEN_VENUE_REJECTED: 'The venue refused an order or a request (invalid order, insufficient funds).',
  WARDEN_VENUE_FATAL: 'The venue refused us for a reason retrying cannot fix (authentication).',
  WARDEN_VENUE_NOT_SUPPORTED: 'The venue does not support this call (see its capabilities).',
  WARDEN_UNKNOWN_ACCOUNT: 'A request names an account that is not configured.',
  WARDEN_UNKNOWN_SYMBOL: 'A request names a symbol that is not configured.',
  WARDEN_CONTROL_UNAVAILABLE:
    'No warden daemon answers on the control socket (not running, or another path).',
  WARDEN_CONTROL_TIMEOUT: 'The daemon did not answer a control request in time.',
  WARDEN_CONTROL_BAD_REQUEST: 'The daemon refused a control request line that is not a valid request.',
  WARDEN_CONTROL_BAD_RESPONSE:
    'The daemon answered a control request with something that is not a valid response.',
  WARDEN_CONTROL_LISTEN_FAILED:
    'The daemon cannot listen on its control socket (another warden listens there, or the path is taken).',
  WARDEN_LLM_PROMPT_INVALID:
    'The LLM policy cannot use its prompt template (missing file, bad version name, malformed sections).',
  WARDEN_INTERNAL: 'A bug: an invariant did not hold. Please report it with the log line.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Whether a caller should try again. */
export type Retryability = 'transient' | 'rejected' | 'fatal';

export class WardenError extends Error {
  override readonly name = 'WardenError';
  readonly code: ErrorCode;
  readonly details?: Readonly<Record<string, unknown>>;

  constructor(code: ErrorCode, message: string, details?: Readonly<Record<string, unknown>>) {
    super(message);
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

export function isWardenError(e: unknown, code?: ErrorCode): e is WardenError {
  return e instanceof WardenError && (code === undefined || e.code === code);
}

/**
 * A venue call failed. `retry` says whether trying again can help; `reason` is the venue-neutral
 * reason code (e.g. `UNKNOWN_SYMBOL`, `LOT_SIZE`, `INSUFFICIENT_BALANCE`, `REDUCE_ONLY`).
 */
export class VenueError extends WardenError {
  readonly retry: Retryability;
  readonly reason: string;

  constructor(
    retry: Retryability,
    reason: string,
    message: string,
    details?: Readonly<Record<string, unknown>>,
  ) {
    const code =
      retry === 'transient'
        ? 'WARDEN_VENUE_TRANSIENT'
        : retry === 'rejected'
          ? 'WARDEN_VENUE_REJECTED'
          : 'WARDEN_VENUE_FATAL';
    super(code, message, details);
    this.retry = retry;
    this.reason = reason;
  }
}

/**
 * A venue was asked for something its `capabilities` say it cannot do: a call (`replaceOrder`,
 * `order`, `balances`, …) or an order type or flag (`stop`, `reduceOnly`). A rejection (retrying
 * cannot help) with its own code, `WARDEN_VENUE_NOT_SUPPORTED`, and reason `NOT_SUPPORTED`.
 */
export class VenueNotSupportedError extends VenueError {
  override readonly code: ErrorCode = 'WARDEN_VENUE_NOT_SUPPORTED';
  /** The venue's name (`Venue.name`). */
  readonly venue: string;
  /** What was asked: a call (`replaceOrder`) or an order feature (`placeOrder: stop orders`). */
  readonly operation: string;

  constructor(venue: string, operation: string, details?: Readonly<Record<string, unknown>>) {
    super('rejected', 'NOT_SUPPORTED', `venue ${venue} does not support ${operation}`, {
      venue,
      operation,
      ...details,
    });
    this.venue = venue;
    this.operation = operation;
  }
}
