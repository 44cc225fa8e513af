import { createHash } from 'node:crypto';
import type { Envelope } from '../../domain/events/envelope.ts';
import type { AuditResult, StoredEvent } from '../../ports/store.ts';

/** The "previous hash" of the first event in a log. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted at every depth and `undefined` members left out: one text per
 * value, whatever order its keys were built in or read back from a database. Values with a
 * `toJSON` (a Date) are written as JSON.stringify would write them.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const text = JSON.stringify(value);
    return text === undefined ? 'null' : text;
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalJson((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return `${out}]`;
  }
  const keys = Object.keys(value).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * The hash of one link: SHA-256 over the previous link's hash, the event's place in the log and
 * its canonical envelope. Changing any stored field, moving a row or dropping one breaks the
 * chain at that event; rewriting one row's hash too breaks it at the next.
 */
export function linkHash(previous: string, position: number, version: number, envelope: Envelope): string {
  return createHash('sha256')
    .update(previous)
    .update('\n')
    .update(`${position}:${version}:`)
    .update(canonicalJson(envelope))
    .digest('hex');
}

/** Walks a log in global order and names the first event whose stored hash does not match. */
export async function verifyChain(
  events: AsyncIterable<StoredEvent>,
  onProgress?: (checked: number) => void,
): Promise<AuditResult> {
  let previous = GENESIS_HASH;
  let checked = 0;
  let expectedPosition = 1;
  for await (const e of events) {
    const expected = linkHash(previous, expectedPosition, e.version, e.envelope);
    if (e.position !== expectedPosition || expected !== e.hash) {
      return {
        ok: false,
        checked,
        headHash: previous,
        broken: { position: e.position, id: e.envelope.id, expected, actual: e.hash },
      };
    }
    previous = e.hash;
    checked++;
    expectedPosition++;
    if (onProgress !== undefined && checked % 100_000 === 0) onProgress(checked);
  }
  return { ok: true, checked, headHash: previous };
}
