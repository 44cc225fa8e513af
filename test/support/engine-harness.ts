import { SimulatedClock } from '../../src/adapters/clock/simulated-clock.ts';
import { createUlidGenerator } from '../../src/adapters/ids/ulid.ts';
import { createPaperVenue, type PaperVenue } from '../../src/adapters/venues/paper/paper-venue.ts';
import type { CandleInterval } from '../../src/domain/candles.ts';
import { defineInstrument, type Instrument } from '../../src/domain/instrument.ts';
import type { Tick } from '../../src/domain/tick.ts';
import { Engine } from '../../src/engine/engine.ts';
import { CollectingSink } from '../../src/engine/event-sink.ts';

export const T0 = Date.parse('2026-01-05T14:00:00.000Z');

export const ES: Instrument = defineInstrument({ symbol: 'ES', tickSize: 0.25, lotSize: 1, multiplier: 50 });
export const BTC: Instrument = defineInstrument({ symbol: 'BTC-USD', tickSize: 0.01, lotSize: 0.001 });

/** An engine on a simulated clock with the paper venue, collecting every event it emits. */
export interface EngineHarness {
  readonly clock: SimulatedClock;
  readonly venue: PaperVenue;
  readonly engine: Engine;
  readonly sink: CollectingSink;
  /** Advances the clock to the tick's time, then feeds the venue and the engine, as a replay does. */
  tick(symbol: string, price: number, at: number, quote?: { bid: number; ask: number }): void;
}

export function engineHarness(
  options: { candleIntervals?: readonly CandleInterval[]; leverage?: number; seed?: number } = {},
): EngineHarness {
  const clock = new SimulatedClock(T0);
  const ids = createUlidGenerator({ clock, seed: options.seed ?? 1 });
  const sink = new CollectingSink();
  const instruments = [ES, BTC];
  const accounts = [{ id: 'acc-1', balance: '100000' }];
  const venue = createPaperVenue({ clock, ids, instruments, accounts, leverage: options.leverage ?? 20 });
  const engine = new Engine({
    clock,
    ids,
    venue,
    instruments,
    accounts,
    sink,
    candleIntervals: options.candleIntervals ?? [],
  });
  return {
    clock,
    venue,
    engine,
    sink,
    tick(symbol, price, at, quote) {
      const t: Tick = { ts: at, symbol, price, ...(quote ?? {}) };
      clock.advanceTo(at);
      venue.onTick(t);
      engine.onTick(t);
    },
  };
}
