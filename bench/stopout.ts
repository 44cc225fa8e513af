import { performance } from 'node:perf_hooks';
import { processTick } from '../src/app/compose.ts';
import type { WardenConfig } from '../src/app/config/schema.ts';
import { benchConfig, composeForBench, countingSink, flushMicrotasks, round3, START } from './support.ts';

const POSITIONS = Number(process.env.WARDEN_BENCH_POSITIONS ?? 100_000);

/**
 * 100,000 long positions on one symbol (one per account), stops spread between 90 and 99; one
 * tick at 89 crosses every stop. Measures the time from that tick until the paper venue has
 * received every close order, and until every position is closed.
 */
export async function stopoutScenario(): Promise<Record<string, number>> {
  const positions: WardenConfig['positions'] = Array.from({ length: POSITIONS }, (_, i) => ({
    id: `p${i}`,
    account: `a${i}`,
    symbol: 'X',
    side: 'long' as const,
    quantity: 1,
    entryPrice: 100,
    stopPrice: 90 + (i % 900) / 100,
  }));
  const config = benchConfig({ accounts: POSITIONS, symbols: ['X'], positions });
  const sink = countingSink();
  const { c, clock } = composeForBench(config, sink);
  processTick(c, { ts: START + 1, symbol: 'X', price: 100 });

  let placed = 0;
  let lastPlacedAt = 0;
  const placeOrder = c.venue.placeOrder.bind(c.venue);
  c.venue.placeOrder = (request) => {
    placed++;
    lastPlacedAt = performance.now();
    return placeOrder(request);
  };
  clock.advanceTo(START + 2);
  const t0 = performance.now();
  processTick(c, { ts: START + 2, symbol: 'X', price: 89 });
  const triggersMs = performance.now() - t0;
  while (placed < POSITIONS) await flushMicrotasks();
  const allOrdersPlacedMs = lastPlacedAt - t0;
  await c.execution.idle();
  const allClosedMs = performance.now() - t0;
  return {
    positions: POSITIONS,
    ordersPlaced: placed,
    stillOpen: c.engine.openPositions().length,
    triggerTickMs: round3(triggersMs),
    allOrdersPlacedMs: round3(allOrdersPlacedMs),
    allClosedMs: round3(allClosedMs),
    events: sink.count,
  };
}
