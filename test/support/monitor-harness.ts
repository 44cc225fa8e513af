import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { createUlidGenerator } from '../../src/adapters/ids/ulid.ts';
import { type Composition, compose, processTick, startWithInitialPositions } from '../../src/app/compose.ts';
import { parseConfig } from '../../src/app/config/load.ts';
import type { Tick } from '../../src/domain/tick.ts';
import { CollectingSink } from '../../src/engine/event-sink.ts';

export const T0 = Date.parse('2026-01-05T14:00:00.000Z');

/** The whole composition (engine, paper venue, monitor, execution) on a simulated clock. */
export interface MonitoredHarness {
  readonly clock: SimulatedClock;
  readonly c: Composition;
  readonly sink: CollectingSink;
  /** Advances the clock, feeds the tick through everything, and settles decisions and exits. */
  tick(symbol: string, price: number, at: number, extra?: Partial<Tick>): Promise<void>;
  types(): string[];
}

export function monitoredHarness(yaml: string): MonitoredHarness {
  const config = parseConfig(yaml, { source: 'test', env: {} });
  const clock = new SimulatedClock(T0);
  const ids = createUlidGenerator({ clock, seed: 5 });
  const sink = new CollectingSink();
  const c = compose(config, { clock, ids, sink });
  startWithInitialPositions(c, config, T0);
  return {
    clock,
    c,
    sink,
    async tick(symbol, price, at, extra = {}) {
      clock.advanceTo(at);
      processTick(c, { ts: at, symbol, price, ...extra });
      await c.monitor.settled();
      await c.execution.idle();
    },
    types: () => sink.events.map((e) => e.type).filter((t) => t !== 'Market.Candle.Closed.v1'),
  };
}

/** Settling and timer running for a composition on a simulated clock, without wall-clock sleeps. */
export interface CompositionDriver {
  /** Lets every promise chain under way run to its end (paper venue work is all microtasks). */
  settle(): Promise<void>;
  /** Runs the timers due by `to` one at a time, settling after each, then moves the clock to `to`. */
  runTo(to: number): Promise<void>;
}

export function compositionDriver(clock: SimulatedClock, c: Composition): CompositionDriver {
  async function settle(): Promise<void> {
    for (let i = 0; i < 4; i++) {
      await c.monitor.settled();
      await c.execution.idle();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  async function runTo(to: number): Promise<void> {
    await settle();
    while (clock.runNextTimer(to)) await settle();
    clock.advanceTo(to);
    await settle();
  }
  return { settle, runTo };
}

export const BASE = `
engine: { seed: 1, candleIntervals: [] , staleFeedSeconds: 0 }
accounts: [{ id: acc, balance: 1000000 }]
instruments:
  - { symbol: ES, tickSize: 0.25, multiplier: 50 }
  - { symbol: BTC, tickSize: 0.01, lotSize: 0.001 }
venue: { leverage: 20 }
`;
