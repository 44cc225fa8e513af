import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createSyntheticFeed } from '../../src/adapters/market-data/synthetic.ts';
import { parseConfig } from '../../src/app/config/load.ts';
import { runReplay } from '../../src/app/replay.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import type { MarketDataSource, SourcedTick } from '../../src/ports/market-data.ts';

const START = Date.parse('2026-05-04T00:00:00Z');

// Three positions: BTC managed at every 15m close, ETH managed every 5m with a stop close enough
// to be hit during the run, SOL not managed. Candles are not configured: managing adds them.
const CONFIG = `
engine: { seed: 5, candleIntervals: [], staleFeedSeconds: 0 }
accounts:
  - { id: acc, balance: 1000000 }
instruments:
  - { symbol: BTC-USD, tickSize: 0.01, lotSize: 0.001 }
  - { symbol: ETH-USD, tickSize: 0.01, lotSize: 0.01 }
  - { symbol: SOL-USD, tickSize: 0.01, lotSize: 0.1 }
venue: { leverage: 10 }
positions:
  - { id: btc, account: acc, symbol: BTC-USD, side: long, quantity: 1, entryPrice: 64000, stopPrice: 50000, manage: { interval: 15m } }
  - { id: eth, account: acc, symbol: ETH-USD, side: long, quantity: 10, entryPrice: 3200, stopPrice: 3100, manage: { interval: 5m } }
  - { id: sol, account: acc, symbol: SOL-USD, side: long, quantity: 100, entryPrice: 150, stopPrice: 100 }
`;

async function replay(): Promise<Envelope[]> {
  const feed = createSyntheticFeed({
    seed: 21,
    symbols: [
      { symbol: 'BTC-USD', startPrice: 64000, tickSize: 0.01 },
      { symbol: 'ETH-USD', startPrice: 3200, tickSize: 0.01, annualVolatility: 1.5 },
      { symbol: 'SOL-USD', startPrice: 150, tickSize: 0.01 },
    ],
    tickIntervalMs: 2_000,
    startTime: START,
    count: (3 * 3 * 3_600) / 2, // three hours of each symbol
    pace: 'full',
  });
  const ticks: SourcedTick[] = [];
  for (const step of feed.steps()) ticks.push(step.tick);
  const source: MarketDataSource = {
    async *ticks() {
      yield* ticks;
    },
  };
  let text = '';
  const out = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  await runReplay({ config: parseConfig(CONFIG, { source: 'test', env: {} }), source, out, now: () => 0 });
  return text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Envelope);
}

describe('candle-close management in a replay', () => {
  it('consults each managed position once per candle of its interval, and never after it closed', async () => {
    const events = await replay();
    const candles = new Map(events.filter((e) => e.type === 'Market.Candle.Closed.v1').map((e) => [e.id, e]));
    const consultations = events.filter(
      (e) => e.type === 'Agent.Decision.Made.v1' && e.data.trigger === 'Market.Candle.Closed.v1',
    );
    const closedAt = (id: string) =>
      events.findIndex((e) => e.type === 'Trading.Position.Closed.v1' && e.data.positionId === id);

    for (const [id, symbol, interval] of [
      ['btc', 'BTC-USD', '15m'],
      ['eth', 'ETH-USD', '5m'],
    ] as const) {
      const end = closedAt(id);
      // The candles that closed while the position was open, from the log itself.
      const due = events
        .slice(0, end === -1 ? events.length : end)
        .filter(
          (e) =>
            e.type === 'Market.Candle.Closed.v1' && e.data.symbol === symbol && e.data.interval === interval,
        )
        .map((e) => e.id);
      const asked = consultations.filter((e) => e.data.positionId === id).map((e) => e.causationId!);
      expect(due.length, `${id}: candles due`).toBeGreaterThan(5);
      // One consultation per candle, caused by that candle, in candle order; none twice.
      expect(asked).toEqual(due);
      for (const c of asked) expect(candles.get(c)!.data.symbol).toBe(symbol);
      // None after the close.
      if (end !== -1) {
        expect(consultations.filter((e) => e.data.positionId === id && events.indexOf(e) > end)).toEqual([]);
      }
    }
    // ETH's stop was hit during the run, so its management stopped there.
    expect(closedAt('eth')).toBeGreaterThan(-1);
    expect(closedAt('btc')).toBe(-1);
    // SOL is not managed: no candle consultations, and no SOL candles at all beyond the managed intervals.
    expect(consultations.filter((e) => e.data.positionId === 'sol')).toEqual([]);
    // Every consultation was answered by the rules policy, guarded.
    expect(new Set(consultations.map((e) => e.data.policy))).toEqual(new Set(['rules']));
  });
});
