import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';

/**
 * Why the LLM policy fell back, as the code that starts `PolicyResult.fallbackReason`
 * (`CODE: detail`). Match on the code; the detail is for people.
 * - `TIMEOUT`: no usable answer within `timeoutMs` (the whole decision, retries included).
 * - `HTTP_<status>`: the endpoint answered with an error status after the client's retries
 *   (`HTTP_429` rate limited, `HTTP_500`…`HTTP_599` server errors, `HTTP_401` bad key, …).
 * - `TRANSPORT`: no HTTP answer at all (connection refused or reset, DNS, TLS, a bad `fetch`).
 * - `REFUSED`: the model refused (`message.refusal`); the detail is its text.
 * - `EMPTY`: an answer without content (no choices, or empty content).
 * - `MALFORMED_JSON`: the content is not JSON.
 * - `SCHEMA_INVALID`: JSON that breaks the decision contract; the detail lists each path.
 * - `RATE_LIMITED`: our own concurrency or per-minute limit had no slot before the deadline.
 * - `BUDGET_EXHAUSTED`: the day's spend reached `dailyBudgetUsd`; nothing was sent.
 * - `INTERNAL`: a bug on our side while asking (the input could not be encoded, …).
 */
export type FallbackCode =
  | 'TIMEOUT'
  | `HTTP_${number}`
  | 'TRANSPORT'
  | 'REFUSED'
  | 'EMPTY'
  | 'MALFORMED_JSON'
  | 'SCHEMA_INVALID'
  | 'RATE_LIMITED'
  | 'BUDGET_EXHAUSTED'
  | 'INTERNAL';

/** A fallback code with its detail. */
export interface FallbackCause {
  readonly code: FallbackCode;
  readonly detail: string;
}

const MAX_DETAIL = 500;

/** `CODE: detail` on one line, the detail cut to 500 characters. */
export function formatFallbackReason({ code, detail }: FallbackCause): string {
  const line = detail.replace(/\s+/g, ' ').trim();
  return `${code}: ${line.length > MAX_DETAIL ? `${line.slice(0, MAX_DETAIL - 1)}…` : line}`;
}

/**
 * Maps what `chat.completions.create` threw to a fallback cause. The client has already retried
 * what it retries (429, 408, 409, 5xx, connection errors and its own timeouts).
 */
export function classifyCallError(error: unknown, timeoutMs: number): FallbackCause {
  if (error instanceof APIUserAbortError || error instanceof APIConnectionTimeoutError) {
    return { code: 'TIMEOUT', detail: `no answer within ${timeoutMs} ms` };
  }
  if (error instanceof APIConnectionError) {
    return { code: 'TRANSPORT', detail: withCause(error.message, error.cause) };
  }
  if (error instanceof APIError && typeof error.status === 'number') {
    const said = endpointMessage(error);
    if (error.status === 429) {
      return {
        code: 'HTTP_429',
        detail: said ? `rate limited by the endpoint (${said})` : 'rate limited by the endpoint',
      };
    }
    return { code: `HTTP_${error.status}`, detail: said || `status ${error.status}` };
  }
  const message = error instanceof Error ? withCause(error.message, error.cause) : String(error);
  return { code: 'TRANSPORT', detail: message };
}

/** The message of an OpenAI-style error body (`{ error: { message } }`), else the client's. */
function endpointMessage(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  if (body && typeof body.message === 'string' && body.message !== '') return body.message;
  return error.message;
}

/** The message followed by those of its causes (fetch hides ECONNREFUSED two levels down). */
function withCause(message: string, cause: unknown): string {
  const parts = [message];
  let next = cause;
  for (let depth = 0; depth < 4 && next instanceof Error; depth++) {
    const err: Error = next;
    const code = (err as { code?: unknown }).code;
    if (err.message !== '' && !parts.some((part) => part.includes(err.message))) {
      parts.push(
        typeof code === 'string' && !err.message.includes(code) ? `${err.message} (${code})` : err.message,
      );
    }
    next = err.cause;
  }
  return parts.map((part) => part.replace(/\.$/, '')).join(': ');
}
