import { TriggerIndex } from '../src/domain/monitoring/trigger-index.ts';
import type {
  FiredTrigger,
  OnceLevel,
  TriggerKind,
  TriggerThresholds,
  WatchSpec,
} from '../src/domain/monitoring/types.ts';
import type { PositionSide } from '../src/domain/order.ts';

/*
 * Trigger index throughput (DESIGN.md "Performance targets"): 100,000 open positions over 10
 * symbols, half of them on one symbol, and a seeded random walk of 2,000,000 ticks. A position
 * that is hit (stop, target, trailing stop, loss limit) is closed and a new one opens at the
 * current price, so the book stays full. The same ticks drive a naive baseline written here — it
 * checks every position of the symbol on every tick, in floats — on the first BASELINE_TICKS.
 */

export const POSITIONS = 100_000;
const TICKS = 2_000_000;
const BASELINE_TICKS = 20_000;
const SEED = 42;

/** Start price and price grid (1/m) of each symbol; symbol 0 holds half the positions. */
export const SYMBOLS: readonly { symbol: string; start: number; m: number }[] = [
  { symbol: 'BTC-USD', start: 64_000, m: 100 },
  { symbol: 'ETH-USD', start: 3_000, m: 100 },
  { symbol: 'ES', start: 5_000, m: 4 },
  { symbol: 'NQ', start: 18_000, m: 4 },
  { symbol: 'EURUSD', start: 1.08, m: 100_000 },
  { symbol: 'AAPL', start: 190, m: 100 },
  { symbol: 'SOL-USD', start: 150, m: 1_000 },
  { symbol: 'XRP-USD', start: 0.7, m: 100_000 },
  { symbol: 'GC', start: 2_300, m: 10 },
  { symbol: 'KXBTC', start: 42, m: 100 },
];

/** Typical relative size of one tick's move (a few grid steps on the coarse symbols). */
const STEP = 2e-5;

/** A small seeded generator (mulberry32): uniform in [0, 1). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const milestones: OnceLevel[] = [5, 10, 20, 50, 100].map((pct) => ({ pct, tag: 'milestone' }));

/** Three shared profiles, as a config would define them. */
export const PROFILES: readonly TriggerThresholds[] = [
  {
    stopApproachPct: 2,
    stopRearmPct: 3,
    targetApproachPct: 5,
    targetRearmPct: 6,
    onceLevels: milestones,
    noStopLossPct: 15,
  },
  {
    stopApproachPct: 2,
    stopRearmPct: 3,
    targetApproachPct: 5,
    targetRearmPct: 6,
    onceLevels: [...milestones, { pct: 15, tag: 'partial_exit:0' }, { pct: 25, tag: 'partial_exit:1' }].sort(
      (a, b) => a.pct - b.pct,
    ),
    noStopLossPct: 15,
    trailing: { activationPct: 3, distancePct: 2, tighten: { everyGainPct: 2, byPct: 0.5, floorPct: 1 } },
  },
  {
    stopApproachPct: 1,
    stopRearmPct: 1.5,
    targetApproachPct: 2,
    targetRearmPct: 3,
    onceLevels: [1, 2, 5].map((pct) => ({ pct, tag: 'milestone' })),
    trailing: { activationPct: 2, distancePct: 1 },
  },
];

/** A price on the symbol's grid. */
function onGrid(price: number, m: number): number {
  return Math.max(1, Math.round(price * m)) / m;
}

/** A new position at `price`: stop and target 1–10% away, mostly with both. */
export function newSpec(id: string, s: number, price: number, rnd: () => number): WatchSpec {
  const { symbol, m } = SYMBOLS[s]!;
  const side: PositionSide = rnd() < 0.5 ? 'long' : 'short';
  const sign = side === 'long' ? 1 : -1;
  const entry = onGrid(price * (1 + (rnd() - 0.5) * 0.01), m);
  const r = rnd();
  const stop = r < 0.9 ? onGrid(entry * (1 - sign * (0.01 + rnd() * 0.09)), m) : undefined;
  const target = r > 0.05 ? onGrid(entry * (1 + sign * (0.01 + rnd() * 0.09)), m) : undefined;
  return {
    id,
    symbol,
    side,
    entryPrice: entry,
    ...(stop === undefined ? {} : { stopPrice: stop }),
    ...(target === undefined ? {} : { targetPrice: target }),
    thresholds: PROFILES[Math.floor(rnd() * PROFILES.length)]!,
  };
}

/** Symbol of position i: half on symbol 0, the rest spread over the other nine. */
export function symbolOf(i: number): number {
  return i % 2 === 0 ? 0 : 1 + ((i >> 1) % (SYMBOLS.length - 1));
}

/** The seeded walk: symbol index and price of every tick. */
function makeTicks(count: number, rnd: () => number): { sym: Uint8Array; price: Float64Array } {
  const sym = new Uint8Array(count);
  const price = new Float64Array(count);
  const steps = SYMBOLS.map((s) => s.start * s.m);
  const stepTicks = SYMBOLS.map((s) => Math.max(1, Math.round(s.start * STEP * s.m)));
  for (let i = 0; i < count; i++) {
    const s = Math.floor(rnd() * SYMBOLS.length);
    const u = rnd();
    // Mostly small moves, sometimes none (a trade at the same price).
    const k = u < 0.2 ? 0 : Math.round((rnd() - 0.5) * 2 * stepTicks[s]!) || (u < 0.6 ? 1 : -1);
    steps[s] = Math.max(1, steps[s]! + k);
    sym[i] = s;
    price[i] = steps[s]! / SYMBOLS[s]!.m;
  }
  return { sym, price };
}

const HITS = new Set<TriggerKind>(['STOP_HIT', 'TARGET_HIT', 'TRAILING_HIT', 'LOSS_NO_STOP']);

export async function triggersScenario(): Promise<Record<string, number>> {
  const rnd = random(SEED);
  const ticks = makeTicks(TICKS, rnd);
  const names = SYMBOLS.map((s) => s.symbol);
  const specs: WatchSpec[] = [];
  for (let i = 0; i < POSITIONS; i++) {
    const s = symbolOf(i);
    specs.push(newSpec(`pos-${i}`, s, SYMBOLS[s]!.start, rnd));
  }

  // The index.
  const index = new TriggerIndex();
  for (const spec of specs) index.add(spec);
  const out: FiredTrigger[] = [];
  let nextId = POSITIONS;
  const reopenRnd = random(SEED + 1);
  let reopened = 0;
  let trailingMoves = 0;
  function reopen(fired: FiredTrigger[], s: number, price: number): void {
    for (const f of fired) {
      if (f.kind === 'TRAILING_MOVED') trailingMoves++;
      if (!HITS.has(f.kind)) continue;
      index.remove(f.positionId);
      const id = `pos-${nextId++}`;
      index.add(newSpec(id, s, price, reopenRnd));
      reopened++;
    }
  }
  // Untimed first tick of each symbol: positions that start inside a zone fire here.
  let warmupFired = 0;
  for (let s = 0; s < SYMBOLS.length; s++) {
    index.onTick(names[s]!, SYMBOLS[s]!.start, out);
    warmupFired += out.length;
    reopen(out, s, SYMBOLS[s]!.start);
    out.length = 0;
  }
  const warmupHits = reopened;
  trailingMoves = 0;
  let fired = 0;
  let ticksWithTriggers = 0;
  const t0 = performance.now();
  for (let i = 0; i < TICKS; i++) {
    const s = ticks.sym[i]!;
    const price = ticks.price[i]!;
    index.onTick(names[s]!, price, out);
    if (out.length > 0) {
      fired += out.length;
      ticksWithTriggers++;
      reopen(out, s, price);
      out.length = 0;
    }
  }
  const indexMs = performance.now() - t0;

  // The naive baseline, on the first BASELINE_TICKS of the same walk.
  const naive = new NaiveMonitor(specs, random(SEED + 1));
  for (let s = 0; s < SYMBOLS.length; s++) naive.onTick(s, SYMBOLS[s]!.start, []);
  let baselineFired = 0;
  const t1 = performance.now();
  for (let i = 0; i < BASELINE_TICKS; i++) {
    const fired: FiredTrigger[] = [];
    naive.onTick(ticks.sym[i]!, ticks.price[i]!, fired);
    baselineFired += fired.length;
  }
  const naiveMs = performance.now() - t1;

  const ticksPerSec = Math.round(TICKS / (indexMs / 1000));
  const baselineTicksPerSec = Math.round(BASELINE_TICKS / (naiveMs / 1000));
  return {
    positions: index.size,
    symbols: SYMBOLS.length,
    positionsOnBusiestSymbol: POSITIONS / 2,
    ticks: TICKS,
    ticksPerSec,
    fired,
    firedPerTick: Number((fired / TICKS).toFixed(4)),
    ticksWithTriggers,
    trailingMoves,
    hitsReopened: reopened - warmupHits,
    warmupFired,
    wallMs: Math.round(indexMs),
    baselineTicks: BASELINE_TICKS,
    baselineTicksPerSec,
    baselineFired,
    ratio: Number((ticksPerSec / baselineTicksPerSec).toFixed(1)),
  };
}

interface NaivePosition {
  id: string;
  long: boolean;
  entry: number;
  stop: number;
  target: number;
  th: TriggerThresholds;
  stopLatched: boolean;
  targetLatched: boolean;
  fired: number;
  peak: number;
  trail: number;
}

/**
 * The naive design: on every tick, every position of the symbol is checked against every
 * condition, in plain floats (no exactness). Same semantics as the index otherwise, hits close
 * and reopen the position as above.
 */
class NaiveMonitor {
  private readonly bySymbol: NaivePosition[][] = SYMBOLS.map(() => []);
  private nextId = POSITIONS;

  constructor(
    specs: readonly WatchSpec[],
    private readonly rnd: () => number,
  ) {
    specs.forEach((spec, i) => {
      this.bySymbol[symbolOf(i)]!.push(this.position(spec));
    });
  }

  private position(spec: WatchSpec): NaivePosition {
    return {
      id: spec.id,
      long: spec.side === 'long',
      entry: spec.entryPrice,
      stop: spec.stopPrice ?? Number.NaN,
      target: spec.targetPrice ?? Number.NaN,
      th: spec.thresholds,
      stopLatched: false,
      targetLatched: false,
      fired: 0,
      peak: Number.NaN,
      trail: Number.NaN,
    };
  }

  onTick(s: number, price: number, out: FiredTrigger[]): void {
    const list = this.bySymbol[s]!;
    for (let i = 0; i < list.length; i++) {
      const p = list[i]!;
      if (this.evaluate(p, price, out)) {
        list[i] = this.position(newSpec(`pos-${this.nextId++}`, s, price, this.rnd));
      }
    }
  }

  /** True when the position was hit (and is to be replaced). */
  private evaluate(p: NaivePosition, price: number, out: FiredTrigger[]): boolean {
    const th = p.th;
    const long = p.long;
    const pnl = ((long ? price - p.entry : p.entry - price) / p.entry) * 100;
    const trailOn = th.trailing !== undefined && !Number.isNaN(p.trail);
    let hit: TriggerKind | undefined;
    if (!Number.isNaN(p.stop) && (long ? price <= p.stop : price >= p.stop)) hit = 'STOP_HIT';
    else if (trailOn && (long ? price <= p.trail : price >= p.trail)) hit = 'TRAILING_HIT';
    else if (Number.isNaN(p.stop) && th.noStopLossPct !== undefined && pnl < -th.noStopLossPct)
      hit = 'LOSS_NO_STOP';
    else if (!Number.isNaN(p.target) && (long ? price >= p.target : price <= p.target)) hit = 'TARGET_HIT';
    if (hit !== undefined) {
      out.push({ kind: hit, positionId: p.id, price });
      return true;
    }
    if (!Number.isNaN(p.stop)) {
      const d = (Math.abs(price - p.stop) / price) * 100;
      if (p.stopLatched && d > th.stopRearmPct) p.stopLatched = false;
      if (!p.stopLatched && d <= th.stopApproachPct) {
        p.stopLatched = true;
        out.push({ kind: 'STOP_APPROACHING', positionId: p.id, price, level: p.stop });
      }
    }
    if (!Number.isNaN(p.target)) {
      const d = (Math.abs(price - p.target) / price) * 100;
      if (p.targetLatched && d > th.targetRearmPct) p.targetLatched = false;
      if (!p.targetLatched && d <= th.targetApproachPct) {
        p.targetLatched = true;
        out.push({ kind: 'TARGET_APPROACHING', positionId: p.id, price, level: p.target });
      }
    }
    const levels = th.onceLevels;
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i]!;
      if ((p.fired & (1 << i)) === 0 && pnl >= level.pct) {
        p.fired |= 1 << i;
        out.push({ kind: 'ONCE_LEVEL', positionId: p.id, price, level: level.pct, tag: level.tag });
      }
    }
    const t = th.trailing;
    if (t !== undefined) {
      if (Number.isNaN(p.peak)) {
        if (pnl >= t.activationPct) {
          p.peak = price;
          p.trail = naiveStop(p, price, t);
          out.push({
            kind: 'TRAILING_ACTIVATED',
            positionId: p.id,
            price,
            trailingStop: p.trail,
            peak: price,
          });
        }
      } else if (long ? price > p.peak : price < p.peak) {
        p.peak = price;
        const next = naiveStop(p, price, t);
        if (long ? next > p.trail : next < p.trail) {
          p.trail = next;
          out.push({ kind: 'TRAILING_MOVED', positionId: p.id, price, trailingStop: next, peak: price });
        }
      }
    }
    return false;
  }
}

function naiveStop(p: NaivePosition, peak: number, t: NonNullable<TriggerThresholds['trailing']>): number {
  let d = t.distancePct;
  if (t.tighten !== undefined) {
    const gain = ((p.long ? peak - p.entry : p.entry - peak) / p.entry) * 100;
    const steps = Math.floor((gain - t.activationPct) / t.tighten.everyGainPct);
    d = Math.max(t.tighten.floorPct, d - t.tighten.byPct * steps);
  }
  return p.long ? peak * (1 - d / 100) : peak * (1 + d / 100);
}
