import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createSyntheticFeed } from '../src/adapters/market-data/synthetic.ts';
import { openSqliteStore } from '../src/adapters/stores/sqlite/sqlite-store.ts';
import { parseConfig } from '../src/app/config/load.ts';
import { runReplay } from '../src/app/replay.ts';
import type { MarketDataSource, SourcedTick } from '../src/ports/market-data.ts';

const TICKS = 1_000_000;
const SYMBOLS = 10;
const ACCOUNTS = 100;

/** 100 accounts under a daily loss limit, each long one lot of each of 10 symbols: 1,000 positions. */
function config(): string {
  const symbols = Array.from({ length: SYMBOLS }, (_, i) => `S${i}`);
  const lines = [
    'engine: { seed: 1, candleIntervals: [1m, 15m], staleFeedSeconds: 0 }',
    'risk: { rules: { dailyLoss: { limit: 50000 } } }',
    'venue: { leverage: 10 }',
    'instruments:',
    ...symbols.map((s) => `  - { symbol: ${s}, tickSize: 0.01, lotSize: 1 }`),
    'accounts:',
    ...Array.from({ length: ACCOUNTS }, (_, a) => `  - { id: a${a}, balance: 1000000 }`),
    'positions:',
  ];
  for (let a = 0; a < ACCOUNTS; a++) {
    for (const [i, s] of symbols.entries()) {
      // Stops and targets spread around the start price of 100, some near enough to be hit.
      const stop = 80 - ((a * 7 + i) % 15);
      const target = 120 + ((a * 3 + i) % 25);
      lines.push(
        `  - { id: p${a}-${i}, account: a${a}, symbol: ${s}, side: long, quantity: 10, entryPrice: 100, stopPrice: ${stop}, targetPrice: ${target} }`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

async function once(ticks: readonly SourcedTick[], store: boolean): Promise<Record<string, number>> {
  const source: MarketDataSource = {
    async *ticks() {
      yield* ticks;
    },
  };
  const out = new Writable({
    write(_chunk: Buffer, _enc, done) {
      done();
    },
  });
  const dir = mkdtempSync(join(tmpdir(), 'warden-bench-replay-'));
  const opened = store ? await openSqliteStore(join(dir, 'replay.db')) : undefined;
  try {
    const summary = await runReplay({
      config: parseConfig(config(), { source: 'bench' }),
      source,
      out,
      ...(opened !== undefined
        ? { store: { store: opened, name: 'bench', inputHash: 'bench', commitEveryTicks: 20_000 } }
        : {}),
    });
    return {
      ticksPerSec: summary.ticksPerSec,
      events: summary.events,
      positionsClosed: summary.positionsClosed,
      wallMs: Math.round(summary.wallMs),
      ...(summary.store !== undefined ? { commits: summary.store.commits } : {}),
    };
  } finally {
    await opened?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * DESIGN's replay target: 1,000,000 ticks end to end with 1,000 positions, risk rules on and the
 * events persisted (SQLite, group commit every 20,000 ticks), against the same replay without a
 * store in the same run. Ticks are generated in memory up front (the figure is the engine's).
 */
export async function replayStoreScenario(): Promise<Record<string, number | string>> {
  const feed = createSyntheticFeed({
    seed: 9,
    symbols: Array.from({ length: SYMBOLS }, (_, i) => ({
      symbol: `S${i}`,
      startPrice: 100,
      tickSize: 0.01,
      annualVolatility: 3,
    })),
    tickIntervalMs: 50,
    startTime: Date.parse('2026-01-05T00:00:00Z'),
    count: TICKS,
    pace: 'full',
  });
  const ticks: SourcedTick[] = [];
  for (const step of feed.steps()) ticks.push(step.tick);
  const withoutStore = await once(ticks, false);
  const withStore = await once(ticks, true);
  return {
    ticks: TICKS,
    positions: SYMBOLS * ACCOUNTS,
    ticksPerSec: withStore.ticksPerSec!,
    events: withStore.events!,
    commits: withStore.commits ?? 0,
    positionsClosed: withStore.positionsClosed!,
    wallMs: withStore.wallMs!,
    withoutStoreTicksPerSec: withoutStore.ticksPerSec!,
    storeCost: Number((withoutStore.ticksPerSec! / withStore.ticksPerSec!).toFixed(3)),
    target: 'ticksPerSec >= 500000',
  };
}
