import { describe, expect, it } from 'vitest';
import { processTick } from '../../src/app/compose.ts';
import { TickConflator } from '../../src/engine/tick-conflator.ts';
import { monitoredHarness, T0 } from '../support/monitor-harness.ts';

/*
 * Several exit conditions at once: the highest priority of the exit table wins and the others
 * are named in `conflictingTriggers` (DESIGN.md "Exits"). A conflated tick whose range crossed
 * both the trailing stop (HIGH) and the target (CRITICAL) closes by the target, at market.
 */

const yaml = `
engine: { seed: 1, candleIntervals: [], staleFeedSeconds: 0 }
accounts: [{ id: acc, balance: 100000 }]
instruments: [{ symbol: BTC, tickSize: 0.01, lotSize: 1 }]
profiles:
  default:
    policy: hold
    milestones: []
    trailingStop: { activationPct: 10, distancePct: 5 }
positions:
  - { id: p, account: acc, symbol: BTC, side: long, quantity: 1, entryPrice: 100, targetPrice: 130 }
`;

describe('exit conflicts', () => {
  it('a range through the trailing stop and the target closes by the target', async () => {
    const h = monitoredHarness(yaml);
    await h.tick('BTC', 120, T0 + 1_000); // trailing active: peak 120, stop 114
    const conflator = new TickConflator();
    for (const price of [113, 131, 125]) conflator.push({ ts: T0 + 2_000, symbol: 'BTC', price });
    const t = conflator.shift()!;
    h.clock.advanceTo(t.ts);
    processTick(h.c, t, t.range);
    await h.c.monitor.settled();
    await h.c.execution.idle();
    const hits = h.sink.events.filter((e) => e.type.endsWith('.Hit.v1')).map((e) => e.type);
    expect(hits).toEqual(['Position.TakeProfit.Hit.v1']);
    const exit = h.sink.events.find((e) => e.type === 'Trading.Order.Placed.v1' && e.data.intent === 'exit');
    expect(exit?.data).toMatchObject({ type: 'market', reason: 'TAKE_PROFIT' });
    const closed = h.sink.events.find((e) => e.type === 'Trading.Position.Closed.v1');
    expect(closed?.data).toMatchObject({ reason: 'TAKE_PROFIT', conflictingTriggers: ['trailing_stop'] });
  });
});
