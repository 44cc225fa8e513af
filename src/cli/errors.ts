import { isWardenError, type WardenError } from '../domain/errors.ts';

/** Exit codes: 0 success, 1 unexpected failure, 2 bad input (config, ticks, arguments). */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

const BAD_INPUT_CODES = new Set<string>([
  'WARDEN_CONFIG_INVALID',
  'WARDEN_CONFIG_NOT_FOUND',
  'WARDEN_CONFIG_SECRET_MISSING',
  'WARDEN_INPUT_NOT_FOUND',
  'WARDEN_OUTPUT_NOT_WRITABLE',
  'WARDEN_STORE_NOT_FOUND',
  'WARDEN_UNKNOWN_POSITION',
  'WARDEN_EDGES_INVALID',
  'WARDEN_RESUME_MISMATCH',
  'WARDEN_LLM_PROMPT_INVALID',
  'WARDEN_INPUT_STRICT_ABORT',
  'WARDEN_TICK_MALFORMED',
  'WARDEN_TICK_BAD_PRICE',
  'WARDEN_TICK_UNKNOWN_SYMBOL',
  'WARDEN_TICK_OUT_OF_ORDER',
  'WARDEN_TICK_DUPLICATE',
  'WARDEN_TICK_OUTLIER',
  'WARDEN_TICK_CLOCK_JUMP',
  'WARDEN_INPUT_TOO_MANY_SKIPPED',
]);

/** Formats a WardenError for a person: the message, then each listed problem on its own line. */
export function formatWardenError(error: WardenError): string {
  const lines = [`error [${error.code}]: ${error.message}`];
  const problems = error.details?.problems;
  if (Array.isArray(problems)) for (const p of problems) lines.push(`  - ${String(p)}`);
  return lines.join('\n');
}

/**
 * Reports an error on stderr and returns the exit code. Known errors print one clear message;
 * anything else is a bug and prints its stack only when WARDEN_DEBUG is set.
 */
export function reportError(error: unknown, stderr: NodeJS.WritableStream = process.stderr): number {
  if (isWardenError(error)) {
    stderr.write(`${formatWardenError(error)}\n`);
    return BAD_INPUT_CODES.has(error.code) ? EXIT_BAD_INPUT : EXIT_FAILURE;
  }
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(`error [WARDEN_INTERNAL]: ${message}\n`);
  if (process.env.WARDEN_DEBUG && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`);
  else stderr.write('  (set WARDEN_DEBUG=1 for the stack trace; this is a bug, please report it)\n');
  return EXIT_FAILURE;
}
