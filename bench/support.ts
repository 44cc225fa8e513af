import { SimulatedClock } from '../src/adapters/clock/simulated-clock.ts';
import { createUlidGenerator } from '../src/adapters/ids/ulid.ts';
import { type Composition, compose, startWithInitialPositions } from '../src/app/compose.ts';
import { parseConfig } from '../src/app/config/load.ts';
import type { AccountConfig, WardenConfig } from '../src/app/config/schema.ts';
import type { EventSink } from '../src/engine/event-sink.ts';

export const START = Date.parse('2026-01-05T00:00:00Z');

/** A config built in code: parsing 100,000 accounts from YAML would measure the parser. */
export function benchConfig(options: {
  accounts: number;
  symbols: readonly string[];
  positions: WardenConfig['positions'];
  /** Fields of account i that differ from the defaults (balance, rules, preset, …). */
  account?: (i: number) => Partial<Omit<AccountConfig, 'id'>>;
}): WardenConfig {
  const base = parseConfig(
    `engine: { seed: 1, candleIntervals: [], staleFeedSeconds: 0 }
accounts: [{ id: a0, balance: 1000000000 }]
instruments: [{ symbol: X, tickSize: 0.01, lotSize: 1 }]
venue: { leverage: 100 }
profiles: { default: { policy: hold } }`,
    { source: 'bench', env: {} },
  );
  return {
    ...base,
    accounts: Array.from({ length: options.accounts }, (_, i) => ({
      id: `a${i}`,
      balance: '1000000000',
      currency: 'USD',
      venue: 'default',
      ...options.account?.(i),
    })),
    instruments: options.symbols.map((symbol) => ({
      symbol,
      tickSize: 0.01,
      lotSize: 1,
      multiplier: 1,
      currency: 'USD',
    })),
    positions: options.positions,
  };
}

/** A discarding sink that counts events. */
export function countingSink(): EventSink & { count: number } {
  const sink = {
    count: 0,
    emit() {
      sink.count++;
    },
  };
  return sink;
}

export function composeForBench(
  config: WardenConfig,
  sink: EventSink,
): { c: Composition; clock: SimulatedClock } {
  const clock = new SimulatedClock(START);
  const ids = createUlidGenerator({ clock, seed: 1 });
  const c = compose(config, { clock, ids, sink });
  startWithInitialPositions(c, config, START);
  return { c, clock };
}

/** Lets queued promise work (the execution service's venue calls) run. */
export function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
