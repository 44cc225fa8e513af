import { createCsvTickSource } from '../adapters/market-data/csv-ticks.ts';
import {
  createSyntheticFeed,
  type SyntheticFeed,
  type SyntheticFeedOptions,
} from '../adapters/market-data/synthetic.ts';
import type { MarketDataSource } from '../ports/market-data.ts';

/*
 * The market data sources the commands open, named for what they are to a user. The CLI reaches
 * feeds through here and never imports an adapter: which adapter serves a tick file or a
 * synthetic feed is the application's choice.
 */

export type { SyntheticFeed, SyntheticFeedOptions };

/**
 * The ticks of a CSV file (`ts,symbol,price[,bid,ask][,volume]`), streamed in chunks; each
 * iteration reads the file again from the start. A missing file (`WARDEN_INPUT_NOT_FOUND`) or a
 * header without a required column (`WARDEN_TICK_MALFORMED`) surfaces from the first step.
 */
export function openTickFile(path: string): MarketDataSource {
  return createCsvTickSource(path);
}

/**
 * A seeded synthetic feed: the same seed and options give the same ticks. Throws
 * `WARDEN_CONFIG_INVALID` at once for bad options.
 */
export function syntheticFeed(options: SyntheticFeedOptions): SyntheticFeed {
  return createSyntheticFeed(options);
}
