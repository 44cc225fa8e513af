import { describe, expect, it } from 'vitest';
import { VenueError } from '../../src/domain/errors.ts';
import { dec } from '../../src/domain/money.ts';
import type { Position } from '../../src/domain/position.ts';
import { checkDecision } from '../../src/engine/guardrails.ts';
import type { Decision } from '../../src/ports/decision-policy.ts';
import { BASE, monitoredHarness, T0 } from '../support/monitor-harness.ts';

/** The action that survives the guardrails: the decision's own, or HOLD when refused. */
const guard = (d: Decision, p: Position, price: number) => {
  const v = checkDecision(d, p, price);
  return v.ok ? v.decision : { action: 'HOLD' as const, rule: v.rule };
};

const MIN = 60_000;
const HOUR = 3_600_000;

describe('monitor: hard exits', () => {
  it('closes at a stop hit through the critical path, once, whatever fires meanwhile', async () => {
    const h = monitoredHarness(`${BASE}
positions:
  - { id: p1, account: acc, symbol: ES, side: long, quantity: 2, entryPrice: 5000, stopPrice: 4950 }
`);
    await h.tick('ES', 4960, T0 + 1000);
    await h.tick('ES', 4950, T0 + 2000); // exactly at the stop: inclusive
    await h.tick('ES', 4940, T0 + 3000);
    const types = h.types();
    expect(types.filter((t) => t === 'Position.StopLoss.Hit.v1')).toHaveLength(1);
    expect(types.filter((t) => t === 'Trading.Order.Placed.v1')).toHaveLength(1);
    const hit = h.sink.ofType('Position.StopLoss.Hit.v1')[0]!;
    expect(hit.urgency).toBe('CRITICAL');
    expect(hit.data).toMatchObject({ price: 4950, stopPrice: 4950, pnl: '-5000', pnlPct: -1 });
    const placed = h.sink.ofType('Trading.Order.Placed.v1')[0]!;
    expect(placed.causationId).toBe(hit.id);
    expect(placed.data).toMatchObject({
      type: 'market',
      reduceOnly: true,
      reason: 'STOP_LOSS',
      clientOrderId: 'p1-x1-1',
    });
    const closed = h.sink.ofType('Trading.Position.Closed.v1')[0]!;
    expect(closed.data).toMatchObject({ reason: 'STOP_LOSS', exitPrice: 4950, realizedPnl: '-5000' });
    expect(closed.correlationId).toBe(hit.id);
  });

  it('closes at the target for a short, and records the stop hit that lost to nothing else', async () => {
    const h = monitoredHarness(`${BASE}
positions:
  - { id: p1, account: acc, symbol: BTC, side: short, quantity: 1, entryPrice: 64000, stopPrice: 65000, targetPrice: 62000 }
`);
    await h.tick('BTC', 62000, T0 + 1000);
    expect(h.sink.ofType('Position.TakeProfit.Hit.v1')).toHaveLength(1);
    expect(h.sink.ofType('Trading.Position.Closed.v1')[0]!.data).toMatchObject({
      reason: 'TAKE_PROFIT',
      realizedPnl: '2000',
    });
  });

  it('applies the no-stop loss limit (PnL% below −15%) when a position has no stop', async () => {
    const h = monitoredHarness(`${BASE}
positions:
  - { id: p1, account: acc, symbol: BTC, side: long, quantity: 1, entryPrice: 100 }
`);
    await h.tick('BTC', 85, T0 + 1000); // exactly −15%: not below
    expect(h.sink.ofType('Position.StopLoss.Hit.v1')).toHaveLength(0);
    await h.tick('BTC', 84.99, T0 + 2000);
    expect(h.sink.ofType('Trading.Position.Closed.v1')[0]!.data).toMatchObject({ reason: 'STOP_LOSS' });
  });
});

describe('monitor: time decay', () => {
  it('fires once at 72 h plus one millisecond, before the next tick, and the rules close a loser', async () => {
    const h = monitoredHarness(`${BASE}
positions:
  - { id: p1, account: acc, symbol: ES, side: long, quantity: 1, entryPrice: 5000, stopPrice: 4000, openedAt: 2026-01-05T14:00:00Z }
`);
    await h.tick('ES', 4990, T0 + 1000);
    h.clock.advanceTo(T0 + 72 * HOUR);
    expect(h.sink.ofType('Position.Time.Decayed.v1')).toHaveLength(0);
    await h.tick('ES', 4991, T0 + 72 * HOUR + 1);
    const decayed = h.sink.ofType('Position.Time.Decayed.v1');
    expect(decayed).toHaveLength(1);
    expect(decayed[0]!.ts).toBe('2026-01-08T14:00:00.001Z');
    // The decay event precedes the tick's own effects and is decided on the price before it.
    expect(decayed[0]!.data).toMatchObject({ price: 4990, ageHours: 72.0 });
    const decision = h.sink
      .ofType('Agent.Decision.Made.v1')
      .find((d) => d.data.trigger === 'Position.Time.Decayed.v1')!;
    expect(decision.data).toMatchObject({ action: 'CLOSE', policy: 'rules' });
    expect(h.sink.ofType('Trading.Position.Closed.v1')[0]!.data).toMatchObject({ reason: 'AGENT' });
  });
});

describe('monitor: trailing stop and milestones', () => {
  it('activates, moves only in favour, emits Modified, and closes with TRAILING_STOP', async () => {
    const h = monitoredHarness(`${BASE}
profiles:
  default: { trailingStop: { activationPct: 10, distancePct: 5 }, policy: hold }
positions:
  - { id: p1, account: acc, symbol: BTC, side: long, quantity: 1, entryPrice: 100, stopPrice: 90 }
`);
    await h.tick('BTC', 109, T0 + 1000);
    expect(h.sink.ofType('Trading.Position.Modified.v1')).toHaveLength(0);
    await h.tick('BTC', 110, T0 + 2000); // +10%: activation, stop 104.5
    await h.tick('BTC', 120, T0 + 3000); // peak 120, stop 114
    await h.tick('BTC', 116, T0 + 4000); // falls back: the stop never loosens
    const moves = h.sink.ofType('Trading.Position.Modified.v1').map((e) => e.data.trailingStopPrice);
    expect(moves).toEqual([104.5, 114]);
    await h.tick('BTC', 114, T0 + 5000); // inclusive hit
    const hit = h.sink.ofType('Position.TrailingStop.Hit.v1');
    expect(hit).toHaveLength(1);
    expect(hit[0]!.urgency).toBe('HIGH');
    expect(h.sink.ofType('Trading.Position.Closed.v1')[0]!.data).toMatchObject({ reason: 'TRAILING_STOP' });
  });

  it('fires each milestone once, in order, MEDIUM below +20% and HIGH from +20%', async () => {
    const h = monitoredHarness(`${BASE}
profiles: { default: { policy: hold } }
positions:
  - { id: p1, account: acc, symbol: BTC, side: long, quantity: 1, entryPrice: 100, stopPrice: 50 }
`);
    await h.tick('BTC', 121, T0 + 1000); // gap over 5, 10 and 20
    await h.tick('BTC', 100, T0 + 2000);
    await h.tick('BTC', 121, T0 + 3000);
    const m = h.sink.ofType('Position.Profit.MilestoneReached.v1');
    expect(m.map((e) => [e.data.milestonePct, e.urgency])).toEqual([
      [5, 'MEDIUM'],
      [10, 'MEDIUM'],
      [20, 'HIGH'],
    ]);
    // policy: hold — every event is raised, decisions are HOLD, nothing moves the stop.
    expect(h.sink.ofType('Agent.Decision.Made.v1').every((d) => d.data.action === 'HOLD')).toBe(true);
    expect(h.sink.ofType('Trading.Position.Modified.v1')).toHaveLength(0);
  });

  it('moves the stop to break-even at the first milestone under the rules policy', async () => {
    const h = monitoredHarness(`${BASE}
positions:
  - { id: p1, account: acc, symbol: BTC, side: long, quantity: 1, entryPrice: 100, stopPrice: 80 }
`);
    await h.tick('BTC', 105, T0 + 1000);
    const modified = h.sink.ofType('Trading.Position.Modified.v1');
    expect(modified.map((e) => [e.data.stopPrice, e.data.source])).toEqual([[100, 'AGENT']]);
    expect(h.c.engine.positionById('p1')!.stopPrice).toBe(100);
  });
});

describe('monitor: exit stages', () => {
  it('takes a staged partial exit once at its level, with reason EXIT_CONDITION', async () => {
    const h = monitoredHarness(`${BASE}
profiles:
  default: { policy: hold, exits: { partialExits: { enabled: true, stages: [{ pct: 15, fraction: 0.5 }] } } }
positions:
  - { id: p1, account: acc, symbol: ES, side: long, quantity: 4, entryPrice: 100, stopPrice: 50 }
`);
    await h.tick('ES', 115, T0 + 1000, { bid: 115, ask: 115.25 });
    await h.tick('ES', 116, T0 + 2000, { bid: 116, ask: 116.25 });
    const reduced = h.sink.ofType('Trading.Position.Reduced.v1');
    expect(reduced).toHaveLength(1);
    expect(reduced[0]!.data).toMatchObject({ reducedQuantity: 2, quantity: 2 });
    expect(h.sink.ofType('Trading.Order.Placed.v1')[0]!.data).toMatchObject({
      reason: 'EXIT_CONDITION',
      type: 'limit',
    });
  });
});

describe('monitor: feed watchdog', () => {
  it('alerts when a symbol with a position goes quiet and when it comes back', async () => {
    const h = monitoredHarness(`${BASE.replace('staleFeedSeconds: 0', 'staleFeedSeconds: 120')}
positions:
  - { id: p1, account: acc, symbol: ES, side: long, quantity: 1, entryPrice: 5000, stopPrice: 4000 }
`);
    await h.tick('ES', 5000, T0 + 1000);
    h.clock.advanceTo(T0 + 1000 + 2 * MIN + 5_000);
    const stale = h.sink.ofType('Risk.Alert.Triggered.v1');
    expect(stale.map((e) => e.data.code)).toEqual(['FEED_STALE']);
    await h.tick('ES', 5001, T0 + 10 * MIN);
    expect(h.sink.ofType('Risk.Alert.Triggered.v1').map((e) => e.data.code)).toEqual([
      'FEED_STALE',
      'FEED_RECOVERED',
    ]);
  });
});

describe('guardrails', () => {
  const long: Position = {
    id: 'p',
    accountId: 'a',
    symbol: 'ES',
    side: 'long',
    quantity: 2,
    entryPrice: 100,
    costBasis: dec(200),
    realizedPnl: dec(0),
    openedAt: 0,
    updatedAt: 0,
    stopPrice: 95,
  };
  it('refuses a stop that would widen, one on the wrong side of the price, and a target behind it', () => {
    const adjust = (newStopPrice: number) =>
      guard({ action: 'ADJUST_STOP', confidence: 1, reasoning: 'x', details: { newStopPrice } }, long, 110);
    expect(adjust(94).action).toBe('HOLD');
    expect(adjust(95).action).toBe('HOLD');
    expect(adjust(110).action).toBe('HOLD');
    expect(adjust(96).action).toBe('ADJUST_STOP');
    expect(
      guard(
        { action: 'ADJUST_TARGET', confidence: 1, reasoning: 'x', details: { newTargetPrice: 105 } },
        long,
        110,
      ).action,
    ).toBe('HOLD');
    expect(
      guard({ action: 'REDUCE', confidence: 1, reasoning: 'x', details: { reduceFraction: 1.5 } }, long, 110)
        .action,
    ).toBe('HOLD');
    const short = { ...long, side: 'short' as const, stopPrice: 105 };
    expect(
      guard(
        { action: 'ADJUST_STOP', confidence: 1, reasoning: 'x', details: { newStopPrice: 104 } },
        short,
        100,
      ).action,
    ).toBe('ADJUST_STOP');
    expect(
      guard(
        { action: 'ADJUST_STOP', confidence: 1, reasoning: 'x', details: { newStopPrice: 106 } },
        short,
        100,
      ).action,
    ).toBe('HOLD');
  });
});

describe('monitor: market exit conditions', () => {
  it('exits before expiry when time_based_urgent is on, with an aggressive limit', async () => {
    const h =
      monitoredHarness(`${BASE.replace('{ symbol: ES, tickSize: 0.25, multiplier: 50 }', '{ symbol: ES, tickSize: 0.25, multiplier: 50, expiry: 2026-01-05T15:00:00Z }')}
profiles: { default: { policy: hold, exits: { timeBasedUrgent: { enabled: true, minutesBeforeExpiry: 5 } } } }
positions:
  - { id: p1, account: acc, symbol: ES, side: long, quantity: 1, entryPrice: 5000, stopPrice: 4000 }
`);
    await h.tick('ES', 5000, T0 + 1000, { bid: 5000, ask: 5000.25 });
    h.clock.advanceTo(T0 + 55 * MIN - 1);
    expect(h.sink.ofType('Trading.Order.Placed.v1')).toHaveLength(0);
    await h.tick('ES', 5001, T0 + 55 * MIN, { bid: 5001, ask: 5001.25 });
    const placed = h.sink.ofType('Trading.Order.Placed.v1');
    expect(placed).toHaveLength(1);
    // Aggressive sell: the best bid current when the order is sent (this tick's 5001) minus one tick.
    expect(placed[0]!.data).toMatchObject({ type: 'limit', limitPrice: 5000.75, reason: 'EXIT_CONDITION' });
    expect(placed[0]!.ts).toBe('2026-01-05T14:55:00.000Z');
  });

  it('exits when the spread widens past the profile threshold', async () => {
    const h = monitoredHarness(`${BASE}
profiles: { default: { policy: hold, exits: { liquidityDriedUp: { enabled: true, maxSpreadPct: 0.5 } } } }
positions:
  - { id: p1, account: acc, symbol: BTC, side: long, quantity: 1, entryPrice: 100, stopPrice: 50 }
`);
    await h.tick('BTC', 100, T0 + 1000, { bid: 99.8, ask: 100.2 }); // 0.4%: fine
    expect(h.sink.ofType('Trading.Order.Placed.v1')).toHaveLength(0);
    await h.tick('BTC', 100, T0 + 2000, { bid: 99.7, ask: 100.3 }); // 0.6%
    expect(h.sink.ofType('Trading.Order.Placed.v1')).toHaveLength(1);
  });
});

describe('monitor: a failed exit keeps the position watched', () => {
  it('alerts on a rejected stop exit, re-arms, and closes on the next tick beyond the stop', async () => {
    const h = monitoredHarness(`${BASE}
positions:
  - { id: p1, account: acc, symbol: ES, side: long, quantity: 1, entryPrice: 5000, stopPrice: 4950 }
`);
    const place = h.c.venue.placeOrder.bind(h.c.venue);
    let calls = 0;
    h.c.venue.placeOrder = async (request) => {
      calls++;
      if (calls === 1) throw new VenueError('rejected', 'MARKET_CLOSED', 'the market is closed');
      return place(request);
    };
    await h.tick('ES', 4949, T0 + 1000);
    expect(h.sink.ofType('Risk.Alert.Triggered.v1').map((e) => e.data.code)).toEqual(['EXIT_REJECTED']);
    expect(h.c.engine.positionById('p1')).toBeDefined();
    expect(h.c.monitor.isWatched('p1')).toBe(true);
    await h.tick('ES', 4948, T0 + 2000);
    expect(h.sink.ofType('Position.StopLoss.Hit.v1')).toHaveLength(2);
    expect(h.sink.ofType('Trading.Position.Closed.v1')[0]!.data).toMatchObject({
      reason: 'STOP_LOSS',
      exitPrice: 4948,
    });
    expect(h.sink.ofType('Trading.Order.Placed.v1').map((e) => e.data.clientOrderId)).toEqual([
      'p1-x1-1',
      'p1-x2-1',
    ]);
  });
});
