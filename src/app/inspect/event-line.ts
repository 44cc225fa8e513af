import { CATALOG } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import type { StoredEvent } from '../../ports/store.ts';
import { summarizeEvent } from './summary.ts';

/** Types are padded to the longest catalog type, so that the keys and summaries line up. */
const TYPE_WIDTH = Math.max(...CATALOG.map((d) => d.type.length));

/**
 * One line of `warden events`: `#position  ts  type  key  summary`, two spaces apart, the position
 * padded to `positionWidth` digits (the head's, say) and the type to the longest catalog type so
 * that columns line up. No newline.
 */
export function formatEventLine(stored: StoredEvent, positionWidth = 0): string {
  const e = stored.envelope;
  return `#${String(stored.position).padEnd(positionWidth)}  ${e.ts}  ${e.type.padEnd(TYPE_WIDTH)}  ${e.key}  ${summarizeEvent(e)}`;
}

/**
 * The envelope as one JSON line, members in the order the engine writes them (id, type, key, ts,
 * urgency, causationId, correlationId, data) whatever order the store read them back in, so that
 * the line equals the replay's JSONL line of the same event. No newline.
 */
export function envelopeJson(e: Envelope): string {
  const ordered: Record<string, unknown> = { id: e.id, type: e.type, key: e.key, ts: e.ts };
  if (e.urgency !== undefined) ordered.urgency = e.urgency;
  if (e.causationId !== undefined) ordered.causationId = e.causationId;
  if (e.correlationId !== undefined) ordered.correlationId = e.correlationId;
  ordered.data = e.data;
  return JSON.stringify(ordered);
}
