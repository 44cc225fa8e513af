import { describe, expect, it } from 'vitest';
import { recoverPositions } from '../../src/engine/recovery/recovered-positions.ts';
import { monitoredHarness, T0 } from '../support/monitor-harness.ts';

/*
 * A stop-loss or take-profit exit switched off in a profile: the hit is raised once and nothing
 * acts; it fires again only after the price has come back beyond the level by the approach zone's
 * re-arm distance (3% by default), and the position stays under every other trigger meanwhile.
 */

const config = (exits: string, level: string) => `
engine: { seed: 1, candleIntervals: [], staleFeedSeconds: 0 }
accounts: [{ id: acc, balance: 100000 }]
instruments: [{ symbol: BTC, tickSize: 0.01, lotSize: 1 }]
profiles: { default: { policy: hold, milestones: [5, 20], exits: ${exits} } }
positions:
  - { id: p, account: acc, symbol: BTC, side: long, quantity: 2, entryPrice: 100, ${level} }
`;

describe('a stop hit whose exit is switched off', () => {
  it('is raised once while the price stays beyond the stop, and again after it came back', async () => {
    const h = monitoredHarness(config('{ stopLoss: { enabled: false } }', 'stopPrice: 90'));
    const hits = () => h.sink.events.filter((e) => e.type === 'Position.StopLoss.Hit.v1');
    let t = T0;
    const next = () => {
      t += 1_000;
      return t;
    };
    for (const price of [100, 89, 88, 87, 86, 89.5, 91]) await h.tick('BTC', price, next());
    expect(hits()).toHaveLength(1);
    // 91 is within 3% of the stop: not yet re-armed. 93 is beyond (|93 − 90| / 93 > 3%).
    await h.tick('BTC', 93, next());
    await h.tick('BTC', 89, next());
    expect(hits().map((e) => e.data.price)).toEqual([89, 89]);
    expect(h.sink.events.filter((e) => e.type === 'Trading.Order.Placed.v1')).toEqual([]);
    expect(h.c.engine.positionById('p')?.quantity).toBe(2);
  });

  it('fires again at once when the stop is moved', async () => {
    const h = monitoredHarness(config('{ stopLoss: { enabled: false } }', 'stopPrice: 90'));
    await h.tick('BTC', 89, T0 + 1_000);
    h.c.engine.modifyPosition('p', { stopPrice: 95 }, 'USER', {});
    await h.tick('BTC', 89, T0 + 2_000);
    await h.tick('BTC', 88, T0 + 3_000);
    const hits = h.sink.events.filter((e) => e.type === 'Position.StopLoss.Hit.v1');
    expect(hits.map((e) => e.data.stopPrice)).toEqual([90, 95]);
  });
});

describe('a target hit whose exit is switched off', () => {
  it('is raised once, and the position keeps reaching milestones beyond the target', async () => {
    const h = monitoredHarness(config('{ takeProfit: { enabled: false } }', 'targetPrice: 110'));
    let t = T0;
    const next = () => {
      t += 1_000;
      return t;
    };
    for (const price of [100, 111, 112, 115, 121, 118]) await h.tick('BTC', price, next());
    const types = h.types();
    expect(types.filter((x) => x === 'Position.TakeProfit.Hit.v1')).toHaveLength(1);
    // +5% fired on the way up; +20% fires at 121 although the target was passed.
    expect(
      h.sink.events
        .filter((e) => e.type === 'Position.Profit.MilestoneReached.v1')
        .map((e) => e.data.milestonePct),
    ).toEqual([5, 20]);
    // The target zone's re-arm distance is 6%: 104 is not below 110 / 1.06, 103 is.
    await h.tick('BTC', 104, next());
    await h.tick('BTC', 110, next());
    expect(h.types().filter((x) => x === 'Position.TakeProfit.Hit.v1')).toHaveLength(1);
    await h.tick('BTC', 103, next());
    await h.tick('BTC', 110, next());
    expect(h.types().filter((x) => x === 'Position.TakeProfit.Hit.v1')).toHaveLength(2);
    expect(h.c.engine.positionById('p')?.quantity).toBe(2);
  });
});

describe('the latch across a restart', () => {
  it('is recovered from a hit in the log tail, and cleared by a stop moved after it', () => {
    const opened = {
      id: 'e1',
      type: 'Trading.Position.Opened.v1',
      key: 'acc',
      ts: new Date(T0).toISOString(),
      data: {
        positionId: 'p',
        accountId: 'acc',
        symbol: 'BTC',
        side: 'long',
        quantity: 2,
        entryPrice: 100,
        stopPrice: 90,
        openedAt: new Date(T0).toISOString(),
      },
    };
    const hit = {
      ...opened,
      id: 'e2',
      type: 'Position.StopLoss.Hit.v1',
      data: { positionId: 'p', stopPrice: 90 },
    };
    const [latched] = recoverPositions([], [opened, hit]);
    expect(latched?.memory?.stopHitLatched).toBe(true);
    const moved = {
      ...opened,
      id: 'e3',
      type: 'Trading.Position.Modified.v1',
      data: { positionId: 'p', stopPrice: 95, source: 'USER' },
    };
    const [cleared] = recoverPositions([], [opened, hit, moved]);
    expect(cleared?.memory?.stopHitLatched).toBe(false);
  });
});
