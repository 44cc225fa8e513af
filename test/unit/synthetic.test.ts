import { describe, expect, it } from 'vitest';
import { createSyntheticFeed, type SyntheticFeedOptions } from '../../src/adapters/market-data/synthetic.ts';
import { isWardenError } from '../../src/domain/errors.ts';
import { initialPathState, type Regime, resolvePath, stepPath } from '../../src/domain/synthetic-path.ts';
import type { Tick } from '../../src/domain/tick.ts';

const START = Date.UTC(2024, 2, 1);

const base: SyntheticFeedOptions = {
  seed: 42,
  symbols: [
    { symbol: 'BTC', startPrice: 60_000, tickSize: 0.5, annualVolatility: 0.8 },
    { symbol: 'ES', startPrice: 5000, tickSize: 0.25 },
    { symbol: 'PENNY', startPrice: 0.05, tickSize: 0.0001, annualVolatility: 2 },
  ],
  tickIntervalMs: 250,
  startTime: START,
  count: 3000,
  pace: 'full',
  spreadBps: 4,
};

async function collect(options: SyntheticFeedOptions, signal?: AbortSignal): Promise<Tick[]> {
  const out: Tick[] = [];
  for await (const t of createSyntheticFeed(options).ticks({ signal })) out.push(t);
  return out;
}

const decimals = (x: number) => (String(x).split('.')[1] ?? '').length;

describe('synthetic feed', () => {
  it('is deterministic for a seed and differs between seeds', async () => {
    const a = await collect(base);
    const b = await collect(base);
    const c = await collect({ ...base, seed: 43 });
    expect(a).toHaveLength(3000);
    expect(b).toEqual(a);
    expect(c.map((t) => t.price)).not.toEqual(a.map((t) => t.price));
  });

  it('stamps tick i at startTime + i·interval and cycles through the symbols', async () => {
    const ticks = await collect({ ...base, count: 7 });
    expect(ticks.map((t) => t.ts - START)).toEqual([0, 250, 500, 750, 1000, 1250, 1500]);
    expect(ticks.map((t) => t.symbol)).toEqual(['BTC', 'ES', 'PENNY', 'BTC', 'ES', 'PENNY', 'BTC']);
    // The first tick of each symbol is its start price.
    expect(ticks.slice(0, 3).map((t) => t.price)).toEqual([60_000, 5000, 0.05]);
  });

  it('rounds prices and quotes to the tick size, keeps them positive and bid ≤ price ≤ ask', async () => {
    // Big downward jumps push the penny stock towards its floor.
    const ticks = await collect({
      ...base,
      count: 20_000,
      jumps: { perYear: 2_000_000, meanLogSize: -0.3, logSizeStdDev: 0.2 },
    });
    const size: Record<string, number> = { BTC: 0.5, ES: 0.25, PENNY: 0.0001 };
    const places: Record<string, number> = { BTC: 1, ES: 2, PENNY: 4 };
    const wrong = ticks.filter((t) => {
      const step = size[t.symbol]!;
      const onGrid = (x: number) =>
        x >= step && Math.abs(x / step - Math.round(x / step)) < 1e-9 && decimals(x) <= places[t.symbol]!;
      return (
        !onGrid(t.price) ||
        !onGrid(t.bid!) ||
        !onGrid(t.ask!) ||
        !(t.bid! <= t.price && t.price <= t.ask! && t.bid! < t.ask!) ||
        !(Number.isInteger(t.volume) && t.volume! >= 1)
      );
    });
    expect(wrong).toEqual([]);
    expect(ticks.filter((t) => t.symbol === 'PENNY').some((t) => t.price === 0.0001)).toBe(true);
  });

  it('omits bid and ask without spreadBps', async () => {
    const { spreadBps: _, ...noQuotes } = base;
    const [t] = await collect({ ...noQuotes, count: 1 });
    expect(t).toEqual({ ts: START, symbol: 'BTC', price: 60_000, volume: expect.any(Number) });
  });

  it('picks symbols at random, deterministically, when asked', async () => {
    const a = await collect({ ...base, order: 'random', count: 300 });
    const b = await collect({ ...base, order: 'random', count: 300 });
    expect(b).toEqual(a);
    const counts = new Map<string, number>();
    for (const t of a) counts.set(t.symbol, (counts.get(t.symbol) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual(['BTC', 'ES', 'PENNY']);
    expect(a.slice(0, 30).map((t) => t.symbol)).not.toEqual(
      Array.from({ length: 30 }, (_, i) => ['BTC', 'ES', 'PENNY'][i % 3]),
    );
  });

  it('waits tickIntervalMs between ticks at live pace, and stops when aborted during a wait', async () => {
    const waits: number[] = [];
    const controller = new AbortController();
    const sleep = async (ms: number, signal: AbortSignal | undefined) => {
      waits.push(ms);
      expect(signal).toBe(controller.signal);
      if (waits.length === 3) {
        controller.abort();
        throw new Error('aborted');
      }
    };
    const ticks = await collect({ ...base, pace: 'live', count: 10, sleep }, controller.signal);
    expect(waits).toEqual([250, 250, 250]);
    expect(ticks.map((t) => t.ts - START)).toEqual([0, 250, 500]);
  });

  it('stops an unbounded full-pace feed when the signal aborts', async () => {
    const { count: _, ...unbounded } = base;
    const controller = new AbortController();
    let n = 0;
    for await (const _t of createSyntheticFeed(unbounded).ticks({ signal: controller.signal })) {
      n += 1;
      if (n === 10_000) controller.abort();
    }
    expect(n).toBe(10_000);
  });

  it('refuses bad options with WARDEN_CONFIG_INVALID', () => {
    const bad: Partial<SyntheticFeedOptions>[] = [
      { symbols: [] },
      { symbols: [{ symbol: 'X', startPrice: 0 }] },
      { symbols: [{ symbol: 'X', startPrice: 1, tickSize: -1 }] },
      { tickIntervalMs: 0 },
      { count: 1.5 },
      { seed: 0.5 },
    ];
    for (const over of bad) {
      let error: unknown;
      try {
        createSyntheticFeed({ ...base, ...over });
      } catch (e) {
        error = e;
      }
      expect(isWardenError(error, 'WARDEN_CONFIG_INVALID')).toBe(true);
    }
  });
});

describe('synthetic path', () => {
  it('is a pure step: the same state gives the same step and is left unchanged', () => {
    const path = resolvePath(base);
    const s0 = initialPathState(path, 7);
    const first = stepPath(path, s0);
    const again = stepPath(path, s0);
    expect(again.tick).toEqual(first.tick);
    const second = stepPath(path, first.state);
    expect(stepPath(path, first.state).tick).toEqual(second.tick);
    expect(s0.index).toBe(0);
  });

  it('draws moves with the stormy volatility in the stormy regime', () => {
    // One symbol, no jumps, a 1 s tick, and a tick size far below a move, so returns are the model's.
    const calmVol = 0.5;
    const path = resolvePath({
      symbols: [{ symbol: 'X', startPrice: 10_000, tickSize: 0.0001, annualVolatility: calmVol }],
      tickIntervalMs: 1000,
      startTime: START,
      jumps: { perYear: 0, meanLogSize: 0, logSizeStdDev: 0 },
      regimes: { stormyVolatilityMultiplier: 4, meanCalmMs: 3_600_000, meanStormyMs: 3_600_000 },
    });
    const dtYears = 1000 / (365.25 * 24 * 3600 * 1000);
    const sums: Record<Regime, { sq: number; n: number }> = {
      calm: { sq: 0, n: 0 },
      stormy: { sq: 0, n: 0 },
    };
    let state = initialPathState(path, 2024);
    let previous = stepPath(path, state);
    state = previous.state;
    let switches = 0;
    for (let i = 0; i < 200_000; i++) {
      const step = stepPath(path, state);
      const r = Math.log(step.tick.price / previous.tick.price);
      sums[step.regime].sq += r * r;
      sums[step.regime].n += 1;
      if (step.regime !== previous.regime) switches += 1;
      previous = step;
      state = step.state;
    }
    const realised = (r: Regime) => Math.sqrt(sums[r].sq / sums[r].n / dtYears);
    // 200,000 s with a mean stay of 3,600 s: about 55 switches, each regime about half the time.
    expect(switches).toBeGreaterThan(20);
    expect(sums.calm.n / 200_000).toBeGreaterThan(0.25);
    expect(sums.stormy.n / 200_000).toBeGreaterThan(0.25);
    expect(realised('calm')).toBeGreaterThan(calmVol * 0.95);
    expect(realised('calm')).toBeLessThan(calmVol * 1.05);
    expect(realised('stormy')).toBeGreaterThan(4 * calmVol * 0.95);
    expect(realised('stormy')).toBeLessThan(4 * calmVol * 1.05);
  });

  it('jumps at the configured intensity', () => {
    // 1 s ticks and 3,155,760 jumps a year: λ·dt = 0.1 jumps a tick, so about 2,000 in 20,000 ticks
    // (Poisson: standard deviation about 45).
    const path = resolvePath({
      symbols: [{ symbol: 'X', startPrice: 100, annualVolatility: 0 }],
      tickIntervalMs: 1000,
      startTime: START,
      jumps: { perYear: 3_155_760, meanLogSize: 0, logSizeStdDev: 0.001 },
    });
    let state = initialPathState(path, 1);
    let jumps = 0;
    for (let i = 0; i < 20_001; i++) {
      const step = stepPath(path, state);
      jumps += step.jumps;
      state = step.state;
    }
    expect(jumps).toBeGreaterThan(1800);
    expect(jumps).toBeLessThan(2200);
  });
});
