import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

/**
 * Fields of the daemon's lines (the position, account and symbol a line is about, the event) that
 * JSON lines carry for programs; a readable line has them in its text already.
 */
const LINE_FIELDS = [
  'positionId',
  'accountId',
  'symbol',
  'event',
  'eventId',
  'repeats',
  'price',
  'prices',
  'ticks',
  'decayedAtStart',
];

/** Paths whose values never reach a log line. */
const REDACT = ['apiKey', 'secret', 'token', 'password', '*.apiKey', '*.secret', '*.token', '*.password'];

/**
 * A pino logger: human-readable lines when the destination is a terminal, JSON lines otherwise
 * (`pretty` forces one or the other). `destination` is 1 (stdout) or 2 (stderr). A JSON line has
 * `time` as ISO 8601 UTC with milliseconds, `level` (pino's number: 30 info, 40 warn, 50 error),
 * `msg`, and the fields the line was logged with.
 */
export function createLogger(
  options: { level?: string; destination?: 1 | 2; pretty?: boolean } = {},
): Logger {
  const fd = options.destination ?? 2;
  const isTty = fd === 1 ? process.stdout.isTTY : process.stderr.isTTY;
  const base = {
    level: options.level ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    base: undefined,
  };
  if (options.pretty ?? isTty) {
    return pino(
      base,
      pretty({
        destination: fd,
        colorize: isTty,
        sync: true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: ['pid', 'hostname', ...LINE_FIELDS].join(','),
      }),
    );
  }
  return pino({ ...base, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ fd, sync: true }));
}

/** A logger that drops everything, for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
