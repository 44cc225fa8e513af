import { describe, expect, it } from 'vitest';
import type { Candle } from '../../src/domain/candles.ts';
import { isWardenError } from '../../src/domain/errors.ts';
import { CorrelationMonitor } from '../../src/domain/monitoring/correlation.ts';

import { candleAt } from '../support/candles.ts';

function candle(symbol: string, n: number, close: number, interval: Candle['interval'] = '15m'): Candle {
  return candleAt({ n, close, symbol, interval });
}

/** Closes starting at `start` that make the given simple returns. */
function closesFrom(start: number, returns: readonly number[]): number[] {
  const out = [start];
  for (const r of returns) out.push((out[out.length - 1] as number) * (1 + r));
  return out;
}

/** Feeds `closes` as candles from index `from` on. */
function feed(m: CorrelationMonitor, symbol: string, closes: readonly number[], from = 0): void {
  closes.forEach((c, k) => {
    m.onCandle(candle(symbol, from + k, c));
  });
}

const UP_DOWN = [0.01, -0.01, 0.02, -0.02];
const neg = (rs: readonly number[]) => rs.map((r) => -r);

describe('CorrelationMonitor.evaluate', () => {
  it('perfectly correlated series give 1', () => {
    const m = new CorrelationMonitor({ interval: '15m', window: 4 });
    feed(m, 'A', closesFrom(100, UP_DOWN));
    feed(m, 'B', closesFrom(2000, UP_DOWN));
    const r = m.evaluate(['A', 'B']);
    expect(r?.symbols).toEqual(['A', 'B']);
    expect(r?.correlation).toBeCloseTo(1, 12);
  });

  it('anti-correlated series give −1, and the result is the mean over pairs', () => {
    const m = new CorrelationMonitor({ interval: '15m', window: 4 });
    feed(m, 'A', closesFrom(100, UP_DOWN));
    feed(m, 'B', closesFrom(50, neg(UP_DOWN)));
    feed(m, 'C', closesFrom(10, UP_DOWN));
    expect(m.evaluate(['A', 'B'])?.correlation).toBeCloseTo(-1, 12);
    // Pairs AB = −1, AC = 1, BC = −1: mean −1/3.
    expect(m.evaluate(['A', 'B', 'C'])?.correlation).toBeCloseTo(-1 / 3, 12);
  });

  it('aligns by openTime: a candle missing for one symbol drops that time for all', () => {
    const m = new CorrelationMonitor({ interval: '15m', window: 4 });
    // A at t0..t5 keeps t1..t5; its close at t3 (50) would wreck the result were it used.
    feed(m, 'A', [90, 100, 110, 50, 99, 108.9]);
    // B lacks t3: t0, t1, t2, t4, t5 is a full window of 5 closes.
    m.onCandle(candle('B', 0, 180));
    m.onCandle(candle('B', 1, 200));
    m.onCandle(candle('B', 2, 220));
    m.onCandle(candle('B', 4, 198));
    m.onCandle(candle('B', 5, 237.6));
    // Common times t1, t2, t4, t5. Returns A: +10%, −10%, +10%; B: +10%, −10%, +20%.
    // In tenths x = [1, −1, 1], y = [1, −1, 2]; deviations [2/3, −4/3, 2/3] and [1/3, −5/3, 4/3];
    // Σdxdy = 10/3, Σdx² = 8/3, Σdy² = 14/3; r = (10/3) / √(112/9) = 10/√112 = 5/(2√7).
    expect(m.evaluate(['A', 'B'])?.correlation).toBeCloseTo(5 / (2 * Math.sqrt(7)), 10);
  });

  it('is undefined with fewer than 2 symbols holding a full window', () => {
    const m = new CorrelationMonitor({ interval: '15m', window: 4 });
    feed(m, 'A', closesFrom(100, UP_DOWN));
    feed(m, 'B', closesFrom(100, UP_DOWN).slice(0, 4));
    expect(m.evaluate(['A'])).toBeUndefined();
    expect(m.evaluate(['A', 'B'])).toBeUndefined();
    expect(m.evaluate(['A', 'A'])).toBeUndefined();
    expect(m.evaluate(['A', 'Z'])).toBeUndefined();
    expect(m.evaluate([])).toBeUndefined();
  });

  it('is undefined when fewer than minReturns returns align', () => {
    const m = new CorrelationMonitor({ interval: '15m', window: 4, minReturns: 4 });
    feed(m, 'A', closesFrom(100, UP_DOWN));
    [0, 1, 2, 4, 5].forEach((n, k) => {
      m.onCandle(candle('B', n, 100 + k * k));
    });
    expect(m.evaluate(['A', 'B'])).toBeUndefined(); // t1, t2, t4 in common: 2 returns
  });

  it('skips symbols with zero variance', () => {
    const m = new CorrelationMonitor({ interval: '15m', window: 4 });
    feed(m, 'A', closesFrom(100, UP_DOWN));
    feed(m, 'B', closesFrom(100, UP_DOWN));
    feed(m, 'FLAT', [5, 5, 5, 5, 5]);
    const r = m.evaluate(['A', 'FLAT', 'B']);
    expect(r?.symbols).toEqual(['A', 'B']);
    expect(r?.correlation).toBeCloseTo(1, 12);
    expect(m.evaluate(['A', 'FLAT'])).toBeUndefined();
  });

  it('ignores other intervals and repeated candles, and keeps only the last N + 1 closes', () => {
    const m = new CorrelationMonitor({ interval: '15m', window: 4 });
    feed(m, 'A', closesFrom(100, UP_DOWN));
    feed(m, 'B', closesFrom(100, UP_DOWN));
    m.onCandle(candle('A', 4, 1, '1h'));
    m.onCandle(candle('A', 4, 1));
    m.onCandle(candle('A', 3, 1));
    expect(m.evaluate(['A', 'B'])?.correlation).toBeCloseTo(1, 12);
    expect(m.state().closes.A).toHaveLength(5);
    feed(m, 'A', [1, 2, 3], 5);
    const kept = m.state().closes.A?.map((p) => p.close);
    expect(kept).toEqual([...closesFrom(100, UP_DOWN).slice(3), 1, 2, 3]);
  });

  it('refuses bad settings', () => {
    for (const bad of [{ window: 1 }, { minReturns: 1 }, { window: 4, minReturns: 5 }, { threshold: 2 }]) {
      try {
        new CorrelationMonitor({ interval: '15m', ...bad });
        expect.unreachable();
      } catch (e) {
        expect(isWardenError(e, 'WARDEN_CONFIG_INVALID')).toBe(true);
      }
    }
  });
});

describe('CorrelationMonitor.check', () => {
  it('raises the edge when correlation goes above the threshold, once, and again after it falls', () => {
    const m = new CorrelationMonitor({ interval: '15m', window: 4 });
    const a = closesFrom(100, [...UP_DOWN, 0.01, ...UP_DOWN, ...UP_DOWN]);
    const b = closesFrom(100, [...UP_DOWN, 0.01, ...neg(UP_DOWN), ...UP_DOWN]);
    const checks: (boolean | undefined)[][] = [];
    for (let n = 0; n < a.length; n++) {
      m.onCandle(candle('A', n, a[n] as number));
      m.onCandle(candle('B', n, b[n] as number));
      const c = m.check(['A', 'B']);
      checks.push([c?.spiked, c?.risingEdge]);
    }
    // Candles 0–3: no full window. 4: returns identical → 1, edge. 5: still 1. 6–8: the window
    // mixes. 9: all four returns opposite → −1. 10–12 mixes; 13: identical again → 1, edge.
    expect(checks[3]).toEqual([undefined, undefined]);
    expect(checks[4]).toEqual([true, true]);
    expect(checks[5]).toEqual([true, false]);
    expect(checks[9]).toEqual([false, false]);
    expect(checks[13]).toEqual([true, true]);
    expect(checks.filter(([, edge]) => edge === true)).toHaveLength(2);
  });

  it('restores closes and the level from state()', () => {
    const m = new CorrelationMonitor({ interval: '15m', window: 4 });
    feed(m, 'A', closesFrom(100, UP_DOWN));
    feed(m, 'B', closesFrom(100, UP_DOWN));
    expect(m.check(['A', 'B'])?.risingEdge).toBe(true);
    const restored = new CorrelationMonitor({
      interval: '15m',
      window: 4,
      restore: JSON.parse(JSON.stringify(m.state())),
    });
    expect(restored.check(['A', 'B'])).toMatchObject({ spiked: true, risingEdge: false });
  });
});
