import { z } from 'zod';

export const URGENCIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const;
export type Urgency = (typeof URGENCIES)[number];

/** `{Domain}.{Entity}.{Action}.v{N}`, e.g. `Trading.Position.Closed.v1` (two to four name parts). */
export const EVENT_TYPE_PATTERN = /^[A-Z][A-Za-z]*(\.[A-Z][A-Za-z]*){1,3}\.v[1-9][0-9]*$/;

/** ISO 8601 UTC with milliseconds, as produced by `Date.prototype.toISOString`. */
export const ISO_MS_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export const envelopeSchema = z.strictObject({
  id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'must be a ULID'),
  type: z.string().regex(EVENT_TYPE_PATTERN, 'must look like Domain.Entity.Action.vN'),
  key: z.string().min(1),
  ts: z.string().regex(ISO_MS_PATTERN, 'must be ISO 8601 UTC with milliseconds'),
  urgency: z.enum(URGENCIES).optional(),
  causationId: z.string().min(1).optional(),
  correlationId: z.string().min(1).optional(),
  data: z.record(z.string(), z.unknown()),
});

/**
 * The envelope every event travels in: on every transport, in the store and in JSONL output.
 * Events are readonly and never changed after publication.
 */
export interface Envelope<T = Readonly<Record<string, unknown>>> {
  /** Unique, sortable ULID; the idempotency key. */
  readonly id: string;
  readonly type: string;
  /** Ordering key, normally the account id. */
  readonly key: string;
  /** Event time (simulated time in a replay). */
  readonly ts: string;
  readonly urgency?: Urgency;
  /** The event that caused this one. */
  readonly causationId?: string;
  /** The chain this event belongs to (the first event's id). */
  readonly correlationId?: string;
  readonly data: T;
}

let lastMs = Number.NaN;
let lastIso = '';

/** ISO 8601 UTC with milliseconds. Bursts of events share a millisecond, so the last one is kept. */
export function isoTime(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}
