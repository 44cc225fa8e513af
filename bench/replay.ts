import { Writable } from 'node:stream';
import { createSyntheticFeed } from '../src/adapters/market-data/synthetic.ts';
import { parseConfig } from '../src/app/config/load.ts';
import { runReplay } from '../src/app/replay.ts';
import type { MarketDataSource, SourcedTick } from '../src/ports/market-data.ts';

const TICKS = 1_000_000;

const CONFIG = `
engine: { seed: 1 }
accounts:
  - { id: acc-1, balance: 1000000 }
  - { id: acc-2, balance: 1000000 }
instruments:
  - { symbol: BTC-USD, tickSize: 0.01, lotSize: 0.001 }
  - { symbol: ES, tickSize: 0.25, multiplier: 50 }
positions:
  - { id: p1, account: acc-1, symbol: ES, side: long, quantity: 2, entryPrice: 5000, stopPrice: 4900, targetPrice: 5100 }
  - { id: p2, account: acc-2, symbol: BTC-USD, side: short, quantity: 0.5, entryPrice: 64000 }
venue: { leverage: 20 }
`;

/**
 * End-to-end replay throughput: 1,000,000 synthetic ticks (generated in memory up front, so the
 * figure is the engine's, not the CSV reader's) through guard, clock, paper venue, engine, candle
 * aggregation and JSONL serialisation of every event to a discarding stream.
 */
export async function replayScenario(): Promise<Record<string, number>> {
  const feed = createSyntheticFeed({
    seed: 3,
    symbols: [
      { symbol: 'BTC-USD', startPrice: 64000, tickSize: 0.01 },
      { symbol: 'ES', startPrice: 5000, tickSize: 0.25, annualVolatility: 0.2 },
    ],
    tickIntervalMs: 100,
    startTime: Date.parse('2026-01-05T00:00:00Z'),
    count: TICKS,
    pace: 'full',
  });
  const ticks: SourcedTick[] = [];
  for (const step of feed.steps()) ticks.push(step.tick);
  const source: MarketDataSource = {
    async *ticks() {
      yield* ticks;
    },
  };
  let bytes = 0;
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      done();
    },
  });
  const summary = await runReplay({ config: parseConfig(CONFIG, { source: 'bench' }), source, out });
  return {
    ticks: summary.ticksAccepted,
    events: summary.events,
    outputBytes: bytes,
    wallMs: Math.round(summary.wallMs),
    ticksPerSec: summary.ticksPerSec,
  };
}
