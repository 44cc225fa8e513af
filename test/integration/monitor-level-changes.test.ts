import { describe, expect, it } from 'vitest';
import { BASE, monitoredHarness, T0 } from '../support/monitor-harness.ts';

// The monitor's index follows `Trading.Position.Modified.v1` through the one shared reading of
// that event (domain/position-fold.ts): a level present as null is removed, a level absent is
// left as it is, a new level is watched from the next tick.

describe('monitor: stop and target changes reach the trigger index', () => {
  it('a removed stop no longer fires; a stop set again fires at its new level', async () => {
    const h = monitoredHarness(`${BASE}
positions:
  - { id: p1, account: acc, symbol: ES, side: long, quantity: 1, entryPrice: 5000, stopPrice: 4950, targetPrice: 5200 }
`);
    await h.tick('ES', 4990, T0 + 1000);
    expect(h.c.engine.modifyPosition('p1', { stopPrice: null }, 'USER')).toBe(true);
    await h.tick('ES', 4940, T0 + 2000); // past the removed stop, above the no-stop loss limit
    expect(h.sink.ofType('Position.StopLoss.Hit.v1')).toHaveLength(0);
    expect(h.c.monitor.isWatched('p1')).toBe(true);

    expect(h.c.engine.modifyPosition('p1', { stopPrice: 4930 }, 'USER')).toBe(true);
    await h.tick('ES', 4930, T0 + 3000);
    const hits = h.sink.ofType('Position.StopLoss.Hit.v1');
    expect(hits).toHaveLength(1);
    expect(hits[0]!.data).toMatchObject({ price: 4930, stopPrice: 4930 });
  });

  it('a change of the stop alone leaves the target watched, and a removed target no longer fires', async () => {
    const h = monitoredHarness(`${BASE}
positions:
  - { id: p1, account: acc, symbol: ES, side: long, quantity: 1, entryPrice: 5000, stopPrice: 4950, targetPrice: 5100 }
  - { id: p2, account: acc, symbol: BTC, side: long, quantity: 1, entryPrice: 60000, stopPrice: 59000, targetPrice: 61000 }
`);
    expect(h.c.engine.modifyPosition('p1', { stopPrice: 4960 }, 'USER')).toBe(true);
    expect(h.c.engine.modifyPosition('p2', { targetPrice: null }, 'USER')).toBe(true);
    await h.tick('BTC', 61500, T0 + 1000);
    expect(h.sink.ofType('Position.TakeProfit.Hit.v1')).toHaveLength(0);
    await h.tick('ES', 5100, T0 + 2000);
    const hits = h.sink.ofType('Position.TakeProfit.Hit.v1');
    expect(hits.map((e) => e.data.positionId)).toEqual(['p1']);
    expect(hits[0]!.data).toMatchObject({ targetPrice: 5100 });
  });
});
