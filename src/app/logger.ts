import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

/** Paths whose values never reach a log line. */
const REDACT = ['apiKey', 'secret', 'token', 'password', '*.apiKey', '*.secret', '*.token', '*.password'];

/**
 * A pino logger: human-readable lines when the destination is a terminal, JSON lines otherwise.
 * `destination` is 1 (stdout) or 2 (stderr).
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
        ignore: 'pid,hostname',
      }),
    );
  }
  return pino(base, pino.destination({ fd, sync: true }));
}

/** A logger that drops everything, for tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
