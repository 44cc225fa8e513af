import { describe, expect, it } from 'vitest';
import { monitoredHarness, T0 } from '../support/monitor-harness.ts';
import { replayExample } from '../support/replay-example.ts';

/*
 * The approach zones (2% to the stop, 5% to the target by default) are wider than many
 * positions' own stop and target distances. A position never opens inside a zone: each zone is
 * at most half the distance from the entry to its level. And the rules policy tightens on target
 * approach only from a real gain (+1% by default).
 */

const config = (rules = '') => `
engine: { seed: 1, candleIntervals: [], staleFeedSeconds: 0 }
accounts: [{ id: acc, balance: 100000 }]
instruments: [{ symbol: BTC, tickSize: 0.01, lotSize: 0.001 }]
${rules}
positions:
  - { id: tight, account: acc, symbol: BTC, side: long, quantity: 1, entryPrice: 1000, stopPrice: 990, targetPrice: 1020 }
`;

describe('approach zones and a position’s own stop and target distances', () => {
  it('does not fire at the open of a position whose stop and target are closer than the zones', async () => {
    const h = monitoredHarness(config());
    await h.tick('BTC', 1000, T0 + 1_000);
    await h.tick('BTC', 1000.5, T0 + 2_000);
    expect(h.types().filter((t) => t.includes('Approaching'))).toEqual([]);
    expect(h.sink.events.filter((e) => e.type === 'Trading.Position.Modified.v1')).toHaveLength(0);
  });

  it('fires once the price has covered half the way to the level', async () => {
    const h = monitoredHarness(config());
    await h.tick('BTC', 1000, T0 + 1_000);
    // Stop 990, 1% below the entry: the zone is 0.5%, so |P − 990| / P ≤ 0.5% from P ≈ 994.97.
    await h.tick('BTC', 995, T0 + 2_000);
    expect(h.types().filter((t) => t.includes('Approaching'))).toEqual([]);
    await h.tick('BTC', 994.9, T0 + 3_000);
    expect(h.types().filter((t) => t.includes('Approaching'))).toEqual(['Position.Stop.Approaching.v1']);
    // Target 1020, 2% above: the zone is 1%, from P ≈ 1009.9.
    await h.tick('BTC', 1009.8, T0 + 4_000);
    expect(h.types().filter((t) => t === 'Position.Target.Approaching.v1')).toHaveLength(0);
    await h.tick('BTC', 1010, T0 + 5_000);
    expect(h.types().filter((t) => t === 'Position.Target.Approaching.v1')).toHaveLength(1);
  });
});

describe('the rules policy on target approach', () => {
  const wide = `
profiles: { default: { policy: rules, targetApproach: { enterPct: 5, rearmPct: 6 } } }
positions:
  - { id: p, account: acc, symbol: BTC, side: long, quantity: 1, entryPrice: 1000, stopPrice: 800, targetPrice: 1200 }
`;
  const yaml = (agent = '') => `
engine: { seed: 1, candleIntervals: [], staleFeedSeconds: 0 }
accounts: [{ id: acc, balance: 100000 }]
instruments: [{ symbol: BTC, tickSize: 0.01, lotSize: 0.001 }]
${agent}
${wide}`;

  it('holds below the default +1% gain', async () => {
    const h = monitoredHarness(
      yaml().replace('stopPrice: 800, targetPrice: 1200', 'stopPrice: 800, targetPrice: 1015'),
    );
    // Target 1015, 1.5% away: its zone is 0.75%, entered at a gain of about 0.75%.
    await h.tick('BTC', 1008, T0 + 1_000);
    const decisions = h.sink.events.filter(
      (e) => e.type === 'Agent.Decision.Made.v1' && e.data.trigger === 'Position.Target.Approaching.v1',
    );
    expect(decisions.map((e) => [e.data.action, e.data.reasoning])).toEqual([
      ['HOLD', 'target approaching at +0.80%, below the +1% to tighten at: HOLD'],
    ]);
  });

  it('tightens above the minimum gain', async () => {
    const h = monitoredHarness(yaml());
    // Target 1200 is 20% away: the 5% zone starts at P ≈ 1142.86, a gain of 14%.
    await h.tick('BTC', 1143, T0 + 1_000);
    const decisions = h.sink.events.filter(
      (e) => e.type === 'Agent.Decision.Made.v1' && e.data.trigger === 'Position.Target.Approaching.v1',
    );
    expect(decisions.map((e) => e.data.action)).toEqual(['ADJUST_STOP']);
  });

  it('holds when the gain is below agent.rules.tightenMinGain', async () => {
    const h = monitoredHarness(yaml('agent: { rules: { tightenMinGain: { pct: 15 } } }'));
    await h.tick('BTC', 1143, T0 + 1_000);
    const decisions = h.sink.events.filter(
      (e) => e.type === 'Agent.Decision.Made.v1' && e.data.trigger === 'Position.Target.Approaching.v1',
    );
    expect(decisions.map((e) => [e.data.action, e.data.reasoning])).toEqual([
      ['HOLD', 'target approaching at +14.30%, below the +15% to tighten at: HOLD'],
    ]);
  });
});

describe('examples/basic.yaml', () => {
  it('moves no trader’s stop at the open: pos-3 keeps its own stop until the price reaches it', async () => {
    const events = await replayExample('examples/basic.yaml', 'examples/data/basic-ticks.csv');
    const start = events[0]!.ts;
    expect(events.filter((e) => e.ts === start && e.type.includes('Approaching'))).toEqual([]);
    expect(events.filter((e) => e.ts === start && e.type === 'Agent.Decision.Made.v1')).toEqual([]);
    const pos3 = events.filter((e) => e.data.positionId === 'pos-3');
    expect(pos3.filter((e) => e.type === 'Trading.Position.Modified.v1')).toEqual([]);
    // Its stop approaching fired only after the price had covered half the 700 to the stop.
    const approaching = pos3.find((e) => e.type === 'Position.Stop.Approaching.v1');
    expect(Number(approaching?.data.price)).toBeLessThanOrEqual(63200 / (1 - 350 / 63900));
    expect(pos3.find((e) => e.type === 'Trading.Position.Closed.v1')?.data).toMatchObject({
      reason: 'STOP_LOSS',
    });
  });
});
