import { describe, expect, it } from 'vitest';
import { processTick } from '../../src/app/compose.ts';
import type { Tick } from '../../src/domain/tick.ts';
import { TickConflator } from '../../src/engine/tick-conflator.ts';
import { monitoredHarness, T0 } from '../support/monitor-harness.ts';

/*
 * When the daemon's feed outruns the engine, ticks of a symbol are conflated into one that keeps
 * the range each price travelled. A stop crossed and recovered between two processed ticks must
 * fire for positions that watch the mid or their bid/ask, not only for those that watch the last
 * price. This drives the composition exactly as the daemon's drain does.
 */

const config = (price: string) => `
engine: { seed: 1, candleIntervals: [], staleFeedSeconds: 0 }
accounts: [{ id: a, balance: 100000 }, { id: b, balance: 100000 }]
instruments: [{ symbol: ES, tickSize: 0.25, multiplier: 50 }]
profiles: { default: { policy: hold, price: ${price} } }
positions:
  - { id: long, account: a, symbol: ES, side: long, quantity: 1, entryPrice: 5000, stopPrice: 4990 }
  - { id: short, account: b, symbol: ES, side: short, quantity: 1, entryPrice: 5000, stopPrice: 5010 }
`;

async function conflated(price: string, ticks: readonly Tick[]) {
  const h = monitoredHarness(config(price));
  const conflator = new TickConflator();
  for (const t of ticks) conflator.push(t);
  const t = conflator.shift()!;
  h.clock.advanceTo(t.ts);
  processTick(h.c, t, t.range);
  await h.c.monitor.settled();
  await h.c.execution.idle();
  return h.sink.events
    .filter((e) => e.type === 'Position.StopLoss.Hit.v1')
    .map((e) => [e.data.positionId, e.data.price]);
}

// The bid dips through the long's stop and the ask spikes through the short's, then both recover;
// the last price never reaches either stop.
const TICKS: Tick[] = [
  { ts: T0 + 1, symbol: 'ES', price: 5000, bid: 4999.75, ask: 5000.25 },
  { ts: T0 + 2, symbol: 'ES', price: 5000, bid: 4989.75, ask: 5000.25 },
  { ts: T0 + 3, symbol: 'ES', price: 5000, bid: 4999.75, ask: 5010.25 },
  { ts: T0 + 4, symbol: 'ES', price: 5000, bid: 4999.75, ask: 5000.25 },
];

describe('a conflated tick with quotes', () => {
  it('fires the stops crossed by the bid and the ask between processed ticks (price: bidask)', async () => {
    expect(await conflated('bidask', TICKS)).toEqual([
      ['long', 4989.75],
      ['short', 5010.25],
    ]);
  });

  it('fires the stops crossed by the mid (price: mid)', async () => {
    // Mid lows and highs: (4989.75 + 5000.25) / 2 = 4995 and (4999.75 + 5010.25) / 2 = 5005.
    const ticks: Tick[] = [
      ...TICKS.slice(0, 1),
      { ts: T0 + 2, symbol: 'ES', price: 5000, bid: 4979.75, ask: 4999.25 },
      { ts: T0 + 3, symbol: 'ES', price: 5000, bid: 5001, ask: 5020 },
      ...TICKS.slice(3),
    ];
    expect(await conflated('mid', ticks)).toEqual([
      ['long', 4989.5],
      ['short', 5010.5],
    ]);
  });

  it('fires nothing on the last price, which never reached a stop', async () => {
    expect(await conflated('last', TICKS)).toEqual([]);
  });
});
