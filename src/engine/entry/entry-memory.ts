import { asWardenEvent } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';

/**
 * What the entry flow keeps across a restart (`EntryFlow.memory()`): how many entries it has
 * numbered, so that the client order ids of the next ones (`entry-{n}-{walk}`) are new ones and a
 * venue does not answer a new entry with an old order of the same id. The orders of entries
 * working at the restart are the order gateway's to remember (a late fill still opens the position
 * with its stop, target and thesis); the entries themselves are not walked any further.
 */
export interface EntryMemory {
  readonly version: 1;
  /** Entries numbered so far: the next one is `entry-{entries + 1}`. */
  readonly entries: number;
}

/**
 * Brings an entry memory up to date with one event of the log after a snapshot: an entry decided
 * (`Entry.Edge.Evaluated.v1`, decision ENTER) raises the count to its number. Pure.
 */
export function foldEntryMemory(memory: EntryMemory, envelope: Envelope): EntryMemory {
  const event = asWardenEvent(envelope);
  if (event.type !== 'Entry.Edge.Evaluated.v1' || event.data.decision !== 'ENTER') return memory;
  const m = /^entry-(\d+)-\d+$/.exec(event.data.clientOrderId ?? '');
  return m === null ? memory : { ...memory, entries: Math.max(memory.entries, Number(m[1])) };
}
