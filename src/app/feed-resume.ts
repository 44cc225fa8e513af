import type { EventStore, StateRecord } from '../ports/store.ts';

/** Where the daemon keeps where its synthetic feed stands, committed with its events. */
export const FEED_RECORD = { collection: 'feed', id: 'synthetic' } as const;

/** Where the synthetic feed stood at the last commit: each symbol's last price, ticks so far. */
export interface FeedState {
  readonly prices: Readonly<Record<string, number>>;
  /** Ticks the feed delivered over every run on the store. */
  readonly ticks: number;
}

/** The feed state a store holds, if a daemon ran on it (and it is readable). */
export async function loadFeedState(store: EventStore): Promise<FeedState | undefined> {
  const value = (await store.record(FEED_RECORD.collection, FEED_RECORD.id)) as
    | Partial<FeedState>
    | undefined;
  if (typeof value !== 'object' || value === null || typeof value.prices !== 'object') return undefined;
  const prices: Record<string, number> = {};
  for (const [symbol, price] of Object.entries(value.prices ?? {})) {
    if (typeof price === 'number' && price > 0 && Number.isFinite(price)) prices[symbol] = price;
  }
  const ticks = typeof value.ticks === 'number' && value.ticks >= 0 ? value.ticks : 0;
  return { prices, ticks };
}

/** The record of a feed state, to commit with the events. */
export function feedRecord(state: FeedState): StateRecord {
  return { ...FEED_RECORD, value: state };
}

/**
 * The seed the path goes on with after `ticks` ticks: another stream for each restart, so that a
 * recovered position does not see the moves it saw before again; the same for the same store.
 */
export function continuedSeed(seed: number, ticks: number): number {
  return ticks === 0 ? seed : (seed + Math.imul(ticks, 0x9e3779b1)) | 0;
}
