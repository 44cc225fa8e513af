import { performance } from 'node:perf_hooks';
import { processTick } from '../src/app/compose.ts';
import type { WardenConfig } from '../src/app/config/schema.ts';
import {
  benchConfig,
  composeForBench,
  countingSink,
  flushMicrotasks,
  percentile,
  round3,
  START,
} from './support.ts';

const BACKGROUND_POSITIONS = 10_000;
const BACKGROUND_SYMBOLS = 10;
const BACKGROUND_TICKS_PER_SEC = 100_000;
const SAMPLES = 2_000;

/**
 * Tick → close order at the paper venue, for stop hits, under background load: 10,000 positions
 * on 10 symbols receive 100,000 ticks per second of wall time (paced), and every 5 ms one tick
 * crosses the stop of a dedicated position. Latency runs from just before the tick enters the
 * composition to the moment the paper venue's placeOrder is called for the close.
 */
export async function latencyScenario(): Promise<Record<string, number>> {
  const background = Array.from({ length: BACKGROUND_SYMBOLS }, (_, i) => `B${i}`);
  const victims = Array.from({ length: SAMPLES }, (_, i) => `V${i}`);
  const positions: WardenConfig['positions'] = [];
  for (let i = 0; i < BACKGROUND_POSITIONS; i++) {
    const long = i % 2 === 0;
    positions.push({
      id: `b${i}`,
      account: `a${i}`,
      symbol: background[i % BACKGROUND_SYMBOLS]!,
      side: long ? 'long' : 'short',
      quantity: 1,
      entryPrice: 100,
      stopPrice: long ? 80 - (i % 100) / 10 : 120 + (i % 100) / 10,
      targetPrice: long ? 130 + (i % 50) : 70 - (i % 50) / 2,
    });
  }
  victims.forEach((symbol, i) => {
    positions.push({
      id: `v${i}`,
      account: `a${i}`,
      symbol,
      side: 'long',
      quantity: 1,
      entryPrice: 100,
      stopPrice: 90,
    });
  });
  const config = benchConfig({
    accounts: BACKGROUND_POSITIONS,
    symbols: [...background, ...victims],
    positions,
  });
  const { c, clock } = composeForBench(config, countingSink());
  for (const s of victims) processTick(c, { ts: START, symbol: s, price: 100 });

  let sentAt = 0;
  const latencies: number[] = [];
  const placeOrder = c.venue.placeOrder.bind(c.venue);
  c.venue.placeOrder = (request) => {
    if (request.intent === 'exit' && request.symbol.startsWith('V'))
      latencies.push(performance.now() - sentAt);
    return placeOrder(request);
  };

  let price = 100;
  let backgroundTicks = 0;
  let rng = 12345;
  const started = performance.now();
  let ts = START;
  for (let sample = 0; sample < SAMPLES; sample++) {
    // 5 ms of background ticks at the target rate, paced against the wall clock.
    const sliceEnd = started + (sample + 1) * 5;
    const due = Math.floor(((sliceEnd - started) / 1000) * BACKGROUND_TICKS_PER_SEC);
    while (backgroundTicks < due) {
      rng = (rng * 1103515245 + 12345) & 0x7fffffff;
      price += ((rng % 201) - 100) / 1000;
      if (price < 85 || price > 115) price = 100;
      ts++;
      clock.advanceTo(ts);
      processTick(c, { ts, symbol: background[backgroundTicks % BACKGROUND_SYMBOLS]!, price });
      backgroundTicks++;
    }
    while (performance.now() < sliceEnd) await flushMicrotasks();
    ts++;
    clock.advanceTo(ts);
    const before = latencies.length;
    sentAt = performance.now();
    processTick(c, { ts, symbol: victims[sample]!, price: 89 });
    while (latencies.length === before) await Promise.resolve();
  }
  const wallSec = (performance.now() - started) / 1000;
  await c.execution.idle();
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    samples: sorted.length,
    backgroundPositions: BACKGROUND_POSITIONS,
    backgroundTicksPerSec: Math.round(backgroundTicks / wallSec),
    p50Ms: round3(percentile(sorted, 50)),
    p99Ms: round3(percentile(sorted, 99)),
    p999Ms: round3(percentile(sorted, 99.9)),
    maxMs: round3(sorted[sorted.length - 1]!),
  };
}
