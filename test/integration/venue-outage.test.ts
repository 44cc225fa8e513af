import { describe, expect, it } from 'vitest';
import { processTick } from '../../src/app/compose.ts';
import { compositionDriver, monitoredHarness, T0 } from '../support/monitor-harness.ts';

/*
 * A scripted outage of the paper venue (`venue.outages`) drives the ConnectionLoss rule end to end:
 * the connection events reach the risk engine, which alerts and (pauseEntries) holds the account
 * REDUCING; a stop hit during the outage cannot reach the venue, retries, and closes the position
 * once the connection is back; then the hold lifts.
 */

const MINUTE = 60_000;
const yaml = (rules: string) => `
engine: { seed: 1, candleIntervals: [], staleFeedSeconds: 0 }
accounts: [{ id: acc, balance: 100000 }]
instruments: [{ symbol: BTC, tickSize: 0.01, lotSize: 0.001 }]
profiles: { default: { policy: hold, milestones: [] } }
venue: { outages: [{ at: "${new Date(T0 + MINUTE).toISOString()}", seconds: 120 }] }
risk: { rules: ${rules} }
positions:
  - { id: p, account: acc, symbol: BTC, side: long, quantity: 1, entryPrice: 100, stopPrice: 95 }
`;

function setup(rules: string) {
  const h = monitoredHarness(yaml(rules));
  const { runTo, settle } = compositionDriver(h.clock, h.c);
  const tick = async (price: number, at: number) => {
    await runTo(at);
    processTick(h.c, { ts: at, symbol: 'BTC', price });
    await settle();
  };
  const alerts = () =>
    h.sink.events.filter((e) => e.type === 'Risk.Alert.Triggered.v1').map((e) => e.data.code);
  return { h, tick, runTo, alerts };
}

describe('a venue outage and the ConnectionLoss rule', () => {
  it('alerts, holds entries, retries the stop exit, and closes the position once the venue is back', async () => {
    const t = setup('{ connectionLoss: { pauseEntries: true } }');
    await t.tick(100, T0 + 1_000);
    await t.runTo(T0 + MINUTE + 1);
    expect(t.alerts()).toEqual(['CONNECTION_LOST']);
    expect(t.h.c.engine.account('acc')?.tradingState).toBe('REDUCING');

    // The stop is hit while the venue is unreachable: the exit is tried, and fails for now.
    await t.tick(94, T0 + MINUTE + 10_000);
    expect(t.h.sink.events.some((e) => e.type === 'Position.StopLoss.Hit.v1')).toBe(true);
    expect(t.h.c.engine.positionById('p')?.quantity).toBe(1);
    expect(t.h.sink.events.filter((e) => e.type === 'Trading.Position.Closed.v1')).toEqual([]);

    // Back after 120 s: the exit goes through, the hold lifts.
    for (let s = 20; s <= 200; s += 10) await t.tick(94, T0 + MINUTE + s * 1_000);
    expect(t.alerts()).toContain('CONNECTION_RESTORED');
    const closed = t.h.sink.events.filter((e) => e.type === 'Trading.Position.Closed.v1');
    expect(closed.map((e) => e.data.reason)).toEqual(['STOP_LOSS']);
    expect(Date.parse(closed[0]!.ts)).toBeGreaterThanOrEqual(T0 + 3 * MINUTE);
    expect(t.h.c.engine.account('acc')?.tradingState).toBe('ACTIVE');
  });

  it('raises nothing for accounts without the rule (the exit still waits for the venue)', async () => {
    const t = setup('{}');
    await t.tick(100, T0 + 1_000);
    await t.runTo(T0 + 4 * MINUTE);
    expect(t.alerts().filter((c) => String(c).startsWith('CONNECTION'))).toEqual([]);
  });
});
