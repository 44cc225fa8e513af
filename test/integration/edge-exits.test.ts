import { describe, expect, it } from 'vitest';
import { processTick } from '../../src/app/compose.ts';
import type { Envelope } from '../../src/domain/events/envelope.ts';
import type { Tick } from '../../src/domain/tick.ts';
import type { Edge } from '../../src/engine/entry/entry-flow.ts';
import { recoverPositions } from '../../src/engine/recovery/recovered-positions.ts';
import { compositionDriver, monitoredHarness, T0 } from '../support/monitor-harness.ts';

/*
 * The profile's edge exits (DESIGN.md "Exits"): `early_exit` when the position's known edge is
 * below 2%, `edge_disappeared` when it is below 0. The edge is known from the entry that opened
 * the position and from every later edge for its market; held constant, it shrinks as the price
 * moves in the position's favour. Driven through the whole composition on a simulated clock.
 */

const exits = (e: string) => `
engine: { seed: 1, candleIntervals: [], staleFeedSeconds: 0 }
instruments: [{ symbol: ES, tickSize: 0.25, multiplier: 50 }]
accounts: [{ id: acc, balance: 100000 }]
venue: { leverage: 100 }
profiles: { default: { policy: hold, milestones: [], exits: ${e} } }
`;

/** 60% to make 20 points before losing 10 from 5,000: edge 0.6 − (P − 4990) / 30 at price P. */
const EDGE: Edge = {
  accountId: 'acc',
  symbol: 'ES',
  side: 'long',
  source: 'model',
  probability: 0.6,
  stopPrice: 4990,
  targetPrice: 5020,
};

function setup(yaml: string) {
  const h = monitoredHarness(yaml);
  const { settle, runTo } = compositionDriver(h.clock, h.c);
  let at = T0;
  const tick = async (price: number, extra: Partial<Tick> = {}) => {
    at += 1_000;
    await runTo(at);
    processTick(h.c, { ts: at, symbol: 'ES', price, bid: price - 0.25, ask: price + 0.25, ...extra });
    await settle();
  };
  const submit = async (edge: Partial<Edge> = {}) => {
    await h.c.entry.submit({ ...EDGE, ...edge });
    await h.c.entry.idle();
    await settle();
  };
  const of = (type: string): Envelope[] => h.sink.events.filter((e) => e.type === type);
  const exitOrders = () => of('Trading.Order.Placed.v1').filter((e) => e.data.intent === 'exit');
  /** Opens the long at 5,000 from the edge: the buy rests at the bid until the ask comes down. */
  const open = async () => {
    await tick(5000.25);
    await submit();
    await tick(5000, { bid: 4999.75, ask: 5000 });
    expect(h.c.engine.account('acc')!.positions.get('ES')?.quantity).toBeGreaterThan(0);
  };
  return { h, tick, submit, of, exitOrders, open };
}

describe('edge exits', () => {
  it('exit early when the price has eaten the edge below 2%, at a conservative limit', async () => {
    const t = setup(exits('{ earlyExit: { enabled: true } }'));
    await t.open();
    const [told] = t.of('Position.Edge.Updated.v1');
    expect(told?.data).toMatchObject({ source: 'model', price: 5000, opposite: false, probability: 0.6 });
    expect(told?.data.edge).toBeCloseTo(0.6 - 10 / 30, 6);
    // At 5,007: 0.6 − 17/30 = 0.033, kept. At 5,007.5: 0.6 − 17.5/30 = 0.0167 < 0.02.
    await t.tick(5007);
    expect(t.exitOrders()).toEqual([]);
    await t.tick(5007.5);
    const [exit] = t.exitOrders();
    expect(exit?.causationId).toBe(told?.id);
    // Conservative for a sell: the ask.
    expect(exit?.data).toMatchObject({ side: 'sell', type: 'limit', limitPrice: 5007.75 });
  });

  it('exits when a later edge for the other side leaves the position none, edge_disappeared winning', async () => {
    const t = setup(exits('{ earlyExit: { enabled: true }, edgeDisappeared: { enabled: true } }'));
    await t.open();
    await t.tick(5001);
    await t.submit({ side: 'short', probability: 0.7, stopPrice: 5011, targetPrice: 4981 });
    const updates = t.of('Position.Edge.Updated.v1');
    expect(updates.map((e) => e.data.opposite)).toEqual([false, true]);
    expect(updates[1]!.data.edge).toBeLessThan(0);
    const [exit] = t.exitOrders();
    expect(exit?.causationId).toBe(updates[1]!.id);
    // Fair for a sell: the mid.
    expect(exit?.data).toMatchObject({ side: 'sell', type: 'limit', limitPrice: 5001 });
    for (let i = 0; i < 40 && t.of('Trading.Position.Closed.v1').length === 0; i++) await t.tick(5001);
    expect(t.of('Trading.Position.Closed.v1').map((e) => e.data)).toEqual([
      expect.objectContaining({ reason: 'EXIT_CONDITION', conflictingTriggers: ['early_exit'] }),
    ]);
  });

  it('follows a later edge for its own side: a lower probability is judged at the price', async () => {
    const t = setup(exits('{ earlyExit: { enabled: true }, edgeDisappeared: { enabled: true } }'));
    await t.open();
    await t.tick(5000);
    // 0.35 − 10/30 = 0.0167: below 2% but not below 0, so only early_exit holds.
    await t.submit({ probability: 0.35 });
    const updates = t.of('Position.Edge.Updated.v1');
    expect(updates[1]!.data.edge).toBeCloseTo(0.35 - 10 / 30, 6);
    const [exit] = t.exitOrders();
    expect(exit?.causationId).toBe(updates[1]!.id);
    expect(exit?.data).toMatchObject({ type: 'limit', limitPrice: 5000.25 });
  });

  it('does nothing with the edge where the profile leaves the edge exits off (the default)', async () => {
    const t = setup(exits('{}'));
    await t.open();
    await t.tick(5009);
    await t.submit({ side: 'short', probability: 0.9, stopPrice: 5019, targetPrice: 4989 });
    expect(t.of('Position.Edge.Updated.v1')).toHaveLength(2);
    expect(t.exitOrders()).toEqual([]);
  });
});

describe('the known edge across a restart', () => {
  it('is recovered from the log tail for the position’s own side only', () => {
    const ts = new Date(T0).toISOString();
    const base = { key: 'acc', ts };
    const opened = {
      ...base,
      id: 'e1',
      type: 'Trading.Position.Opened.v1',
      data: {
        positionId: 'p',
        accountId: 'acc',
        symbol: 'ES',
        side: 'long',
        quantity: 1,
        entryPrice: 5000,
        openedAt: ts,
      },
    };
    const edge = (id: string, opposite: boolean, probability: number) => ({
      ...base,
      id,
      type: 'Position.Edge.Updated.v1',
      data: { positionId: 'p', source: 'model', price: 5000, opposite, probability },
    });
    const [p] = recoverPositions([], [opened, edge('e2', false, 0.6), edge('e3', true, 0.9)]);
    expect(p?.edge).toEqual({ source: 'model', probability: 0.6 });
  });
});
