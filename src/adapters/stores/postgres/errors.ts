import { DatabaseError } from 'pg';
import { WardenError } from '../../../domain/errors.ts';

/** The URL with its password (in the user part or a `password` parameter) replaced by `***`. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    // Not a WHATWG URL (a libpq key=value string, say): mask what looks like a password.
    return url
      .replace(/(\/\/[^:/@]*):[^@]*@/, '$1:***@')
      .replace(/([?&]password=)[^&]*/i, '$1***')
      .replace(/(password\s*=\s*)\S+/i, '$1***');
  }
}

/** The message of whatever was thrown, without its stack. */
export function causeOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) {
    return error.errors.map(causeOf).join('; ');
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const text = error.message !== '' ? error.message : error.name;
    return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
  }
  return String(error);
}

const NODE_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/**
 * True when the error says the server cannot be reached or dropped the connection, rather than
 * refusing one statement: SQLSTATE class 08 (connection exception), 57P01–57P03 (shutdown, cannot
 * connect now), 53300 (too many connections), 28xxx (authentication), 3D000 (no such database),
 * socket errors and the driver's own "Connection terminated" errors.
 */
export function isConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NODE_NETWORK_CODES.has(code)) return true;
    if (code.startsWith('08') || code.startsWith('28')) return true;
    if (code === '57P01' || code === '57P02' || code === '57P03' || code === '53300' || code === '3D000') {
      return true;
    }
  }
  return /^Connection terminated|timeout expired|Client has encountered a connection error/i.test(
    error.message,
  );
}

/** WARDEN_STORE_UNAVAILABLE naming the store (password masked) and the cause, without a stack. */
export function unavailable(url: string, error: unknown, doing = 'cannot reach'): WardenError {
  const masked = maskUrl(url);
  const cause = causeOf(error);
  return new WardenError('WARDEN_STORE_UNAVAILABLE', `PostgreSQL store ${masked}: ${doing}: ${cause}`, {
    url: masked,
    cause,
  });
}

/** The SQLSTATE of an error the server sent, if it is one. */
export function sqlState(error: unknown): string | undefined {
  return error instanceof DatabaseError ? error.code : undefined;
}
