import { setTimeout as sleep } from 'node:timers/promises';
import type { EventStore, ReadQuery, StoredEvent } from '../../ports/store.ts';

/** Receives each event; resolves false to stop reading (the reader of the output went away). */
export type EventPrinter = (stored: StoredEvent) => Promise<boolean>;

/** How often `followEvents` asks the store for new events. */
export const FOLLOW_INTERVAL_MS = 250;

/** A filter the store cannot apply itself (several types, excluded types): true to print. */
export type EventKeep = (stored: StoredEvent) => boolean;

/**
 * Prints the stored events that match `query` and `keep`, in global order; `query.limit` counts
 * the events printed. Resolves with the position to follow from: the last position read, or the
 * head of the log when the listing began if that is further (so a `limit` that cut the listing
 * short does not make `followEvents` print the old events it left out).
 */
export async function listEvents(
  store: EventStore,
  query: ReadQuery,
  print: EventPrinter,
  keep?: EventKeep,
): Promise<number> {
  const head = await store.head();
  let last = 0;
  // The store applies the limit when it applies every filter; otherwise it counts here.
  const { limit, ...filter } = query;
  let printed = 0;
  for await (const stored of store.read(keep === undefined ? query : filter)) {
    last = stored.position;
    if (keep !== undefined && !keep(stored)) continue;
    if (!(await print(stored))) break;
    printed++;
    if (limit !== undefined && printed >= limit) break;
  }
  return Math.max(last, head);
}

/**
 * Polls the store every `intervalMs` for events after position `after` that match `query` (its
 * `limit` and `afterPosition` are ignored) and `keep`, and prints them, until `signal` aborts or
 * `print` answers false.
 */
export async function followEvents(
  store: EventStore,
  query: ReadQuery,
  after: number,
  print: EventPrinter,
  signal: AbortSignal,
  intervalMs = FOLLOW_INTERVAL_MS,
  keep?: EventKeep,
): Promise<void> {
  const { limit: _limit, afterPosition: _after, ...filter } = query;
  let cursor = after;
  while (!signal.aborted) {
    // Events up to the head are all visible now: skip past the ones the filter left out, so a
    // quiet filter does not scan the same tail on every poll.
    const head = await store.head();
    for await (const stored of store.read({ ...filter, afterPosition: cursor })) {
      cursor = Math.max(cursor, stored.position);
      if (keep !== undefined && !keep(stored)) continue;
      if (!(await print(stored))) return;
      if (signal.aborted) return;
    }
    cursor = Math.max(cursor, head);
    try {
      await sleep(intervalMs, undefined, { signal });
    } catch {
      return;
    }
  }
}
