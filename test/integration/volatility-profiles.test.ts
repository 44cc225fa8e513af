import { describe, expect, it } from 'vitest';
import { monitoredHarness, T0 } from '../support/monitor-harness.ts';

/*
 * A volatility spike reaches only the positions whose profile watches volatility, each with its
 * own settings: a profile that switched the signal off hears nothing, and one with a higher
 * multiplier only spikes of its own size.
 */

const CONFIG = `
engine: { seed: 1, candleIntervals: [1m], staleFeedSeconds: 0 }
accounts:
  - { id: watcher, balance: 100000 }
  - { id: quiet, balance: 100000 }
  - { id: calm, balance: 100000 }
instruments:
  - { symbol: BTC, tickSize: 0.01, lotSize: 0.001 }
profiles:
  default:
    policy: hold
    volatility: { interval: 1m, atrPeriod: 2, meanPeriod: 4, multiplier: 2 }
    correlation: { enabled: false }
  quiet:
    policy: hold
    volatility: { enabled: false }
  calm:
    policy: hold
    volatility: { interval: 1m, atrPeriod: 2, meanPeriod: 4, multiplier: 50 }
positions:
  - { id: p-watcher, account: watcher, symbol: BTC, side: long, quantity: 1, entryPrice: 100, stopPrice: 50 }
  - { id: p-quiet, account: quiet, symbol: BTC, side: long, quantity: 1, entryPrice: 100, stopPrice: 50, profile: quiet }
  - { id: p-calm, account: calm, symbol: BTC, side: long, quantity: 1, entryPrice: 100, stopPrice: 50, profile: calm }
`;

describe('volatility spikes per profile', () => {
  it('raises the spike only for the positions whose profile watches it with settings it exceeds', async () => {
    const h = monitoredHarness(CONFIG);
    // Ten quiet minutes (each candle's range 0.2), then one minute that swings by 6.
    for (let m = 0; m < 10; m++) {
      await h.tick('BTC', 100.1, T0 + m * 60_000 + 1_000);
      await h.tick('BTC', 99.9, T0 + m * 60_000 + 30_000);
    }
    await h.tick('BTC', 103, T0 + 10 * 60_000 + 1_000);
    await h.tick('BTC', 97, T0 + 10 * 60_000 + 30_000);
    await h.tick('BTC', 100, T0 + 11 * 60_000 + 1_000);
    const spikes = h.sink.events.filter((e) => e.type === 'Position.Volatility.Spiked.v1');
    expect(spikes.map((e) => e.data.positionId)).toEqual(['p-watcher']);
  });
});
