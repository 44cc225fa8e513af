import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal } from '../../src/domain/money.ts';
import { TrailingRule } from '../../src/domain/monitoring/trailing.ts';
import { TriggerIndex } from '../../src/domain/monitoring/trigger-index.ts';
import type {
  FiredTrigger,
  OnceLevel,
  TrailingStopSettings,
  TriggerKind,
  TriggerMemory,
  TriggerThresholds,
  WatchSpec,
} from '../../src/domain/monitoring/types.ts';

/*
 * Differential test: the trigger index against a reference that checks every position on every
 * tick, straight from the semantics (DESIGN.md "Monitoring triggers", "Exits"), in exact decimal
 * arithmetic and with no sorted structure.
 */

/** Wide enough that a floor of a quotient of ~17-digit decimals is exact. */
const Big = Decimal.clone({ precision: 200 });
const D = (x: number | string) => new Big(x);

interface RefPosition {
  readonly id: string;
  readonly symbol: string;
  readonly long: boolean;
  entry: number;
  stop: number | undefined;
  target: number | undefined;
  readonly th: TriggerThresholds;
  readonly levels: readonly OnceLevel[];
  readonly fired: Set<string>;
  stopLatched: boolean;
  targetLatched: boolean;
  trailing: { peak: number; stop: number } | undefined;
  suspended: boolean;
}

/** PnL% × E: (P − E)·100 long, (E − P)·100 short. */
function pnlTimesEntry(p: RefPosition, price: number): Decimal {
  const diff = p.long ? D(price).minus(p.entry) : D(p.entry).minus(price);
  return diff.times(100);
}

function pnlAtLeast(p: RefPosition, price: number, pct: number): boolean {
  return pnlTimesEntry(p, price).gte(D(pct).times(p.entry));
}

/** |P − X|·100 ≤ pct·P. */
function within(price: number, level: number, pct: number): boolean {
  return D(price).minus(level).abs().times(100).lte(D(pct).times(price));
}

function refTrailingStop(long: boolean, entry: number, peak: number, s: TrailingStopSettings): number {
  let d = D(s.distancePct);
  if (s.tighten !== undefined) {
    const gainPct = (long ? D(peak).minus(entry) : D(entry).minus(peak)).times(100).div(entry);
    const steps = gainPct.minus(s.activationPct).div(s.tighten.everyGainPct).floor();
    d = Big.max(D(s.tighten.floorPct), d.minus(steps.times(s.tighten.byPct)));
  }
  const f = long ? D(100).minus(d) : D(100).plus(d);
  return D(peak).times(f).div(100).toNumber();
}

class Reference {
  readonly positions: RefPosition[] = [];

  add(spec: WatchSpec): void {
    const levels = [...spec.thresholds.onceLevels].sort((a, b) => a.pct - b.pct);
    const m = spec.memory;
    this.positions.push({
      id: spec.id,
      symbol: spec.symbol,
      long: spec.side === 'long',
      entry: spec.entryPrice,
      stop: spec.stopPrice,
      target: spec.targetPrice,
      th: spec.thresholds,
      levels,
      fired: new Set(m?.fired ?? []),
      stopLatched: m?.stopApproachLatched ?? false,
      targetLatched: m?.targetApproachLatched ?? false,
      trailing: m?.trailing === undefined ? undefined : { ...m.trailing },
      suspended: false,
    });
  }

  get(id: string): RefPosition {
    return this.positions.find((p) => p.id === id)!;
  }

  memory(id: string): TriggerMemory {
    const p = this.get(id);
    return {
      fired: [...p.fired],
      stopApproachLatched: p.stopLatched,
      targetApproachLatched: p.targetLatched,
      ...(p.trailing === undefined ? {} : { trailing: { ...p.trailing } }),
    };
  }

  onTick(symbol: string, price: number, out: FiredTrigger[], low?: number, high?: number): void {
    const lo = Math.min(low ?? price, price);
    const hi = Math.max(high ?? price, price);
    for (const p of this.positions) {
      if (p.symbol === symbol && !p.suspended) this.evaluate(p, price, lo, hi, out);
    }
  }

  private evaluate(p: RefPosition, price: number, lo: number, hi: number, out: FiredTrigger[]): void {
    const adverse = p.long ? lo : hi;
    const favourable = p.long ? hi : lo;
    const crossedAdverse = (level: number) => (p.long ? D(adverse).lte(level) : D(adverse).gte(level));
    const trailing = p.th.trailing !== undefined ? p.trailing : undefined;
    const hits: TriggerKind[] = [];
    // In the exit table's order: stop_loss, take_profit, then trailing_stop.
    if (p.stop !== undefined && crossedAdverse(p.stop)) hits.push('STOP_HIT');
    const loss = p.th.noStopLossPct;
    if (p.stop === undefined && loss !== undefined && pnlTimesEntry(p, adverse).lt(D(-loss).times(p.entry)))
      hits.push('LOSS_NO_STOP');
    if (p.target !== undefined && (p.long ? D(favourable).gte(p.target) : D(favourable).lte(p.target)))
      hits.push('TARGET_HIT');
    if (trailing !== undefined && crossedAdverse(trailing.stop)) hits.push('TRAILING_HIT');
    if (hits.length > 0) {
      const [kind, ...rest] = hits;
      const conflicting = rest.length > 0 ? { conflicting: rest } : {};
      const base = { positionId: p.id, price: kind === 'TARGET_HIT' ? favourable : adverse };
      if (kind === 'STOP_HIT') out.push({ kind, ...base, level: p.stop!, ...conflicting });
      else if (kind === 'TRAILING_HIT')
        out.push({
          kind,
          ...base,
          level: trailing!.stop,
          trailingStop: trailing!.stop,
          peak: trailing!.peak,
          ...conflicting,
        });
      else if (kind === 'LOSS_NO_STOP') {
        const f = p.long ? D(100).minus(loss!) : D(100).plus(loss!);
        out.push({ kind, ...base, level: D(p.entry).times(f).div(100).toNumber(), ...conflicting });
      } else out.push({ kind: 'TARGET_HIT', ...base, level: p.target!, ...conflicting });
      p.suspended = true;
      return;
    }
    const th = p.th;
    if (p.stop !== undefined) {
      if (p.stopLatched && !within(price, p.stop, th.stopRearmPct)) p.stopLatched = false;
      if (!p.stopLatched && within(price, p.stop, th.stopApproachPct)) {
        out.push({ kind: 'STOP_APPROACHING', positionId: p.id, price, level: p.stop });
        p.stopLatched = true;
      }
    }
    if (p.target !== undefined) {
      if (p.targetLatched && !within(price, p.target, th.targetRearmPct)) p.targetLatched = false;
      if (!p.targetLatched && within(price, p.target, th.targetApproachPct)) {
        out.push({ kind: 'TARGET_APPROACHING', positionId: p.id, price, level: p.target });
        p.targetLatched = true;
      }
    }
    for (const level of p.levels) {
      const key = `${level.tag}@${level.pct}`;
      if (p.fired.has(key) || !pnlAtLeast(p, price, level.pct)) continue;
      p.fired.add(key);
      out.push({ kind: 'ONCE_LEVEL', positionId: p.id, price, level: level.pct, tag: level.tag });
    }
    const s = th.trailing;
    if (s === undefined) return;
    if (p.trailing === undefined) {
      if (pnlAtLeast(p, favourable, s.activationPct)) {
        p.trailing = { peak: favourable, stop: refTrailingStop(p.long, p.entry, favourable, s) };
        out.push({
          kind: 'TRAILING_ACTIVATED',
          positionId: p.id,
          price: favourable,
          trailingStop: p.trailing.stop,
          peak: favourable,
        });
      }
    } else if (p.long ? favourable > p.trailing.peak : favourable < p.trailing.peak) {
      p.trailing.peak = favourable;
      const next = refTrailingStop(p.long, p.entry, favourable, s);
      if (p.long ? next > p.trailing.stop : next < p.trailing.stop) {
        p.trailing.stop = next;
        out.push({
          kind: 'TRAILING_MOVED',
          positionId: p.id,
          price: favourable,
          trailingStop: next,
          peak: favourable,
        });
      }
    }
  }
}

// ---- Generators -------------------------------------------------------------------------------

const SYMBOLS = ['AAA', 'BBB'] as const;

/** An exact decimal product rounded to a number: x·(100 + pct)/100. */
const scale = (x: number, pct: number) => D(x).times(D(100).plus(pct)).div(100).toNumber();

const trailingArb = fc.option(
  fc.record(
    {
      activationPct: fc.constantFrom(1, 2, 5),
      distancePct: fc.constantFrom(1, 2, 5),
      tighten: fc.record({
        everyGainPct: fc.constantFrom(0.5, 1, 2),
        byPct: fc.constantFrom(0.25, 1),
        floorPct: fc.constantFrom(0.5, 1),
      }),
    },
    { requiredKeys: ['activationPct', 'distancePct'] },
  ),
  { nil: undefined },
);

const thresholdsArb: fc.Arbitrary<TriggerThresholds> = fc
  .record({
    stopApproachPct: fc.constantFrom(1, 2, 2.5),
    stopRearmExtra: fc.constantFrom(0, 0.5, 1),
    targetApproachPct: fc.constantFrom(2, 5),
    targetRearmExtra: fc.constantFrom(0, 1),
    milestones: fc.subarray([-2, 1, 2, 3, 5, 10]),
    stage: fc.option(fc.constantFrom(2, 3, 4), { nil: undefined }),
    noStopLossPct: fc.option(fc.constantFrom(2, 3, 5), { nil: undefined }),
    trailing: trailingArb,
  })
  .map((r) => {
    const onceLevels: OnceLevel[] = r.milestones.map((pct) => ({ pct, tag: 'milestone' }));
    if (r.stage !== undefined) onceLevels.push({ pct: r.stage, tag: 'partial_exit:0' });
    onceLevels.sort((a, b) => a.pct - b.pct);
    return {
      stopApproachPct: r.stopApproachPct,
      stopRearmPct: r.stopApproachPct + r.stopRearmExtra,
      targetApproachPct: r.targetApproachPct,
      targetRearmPct: r.targetApproachPct + r.targetRearmExtra,
      onceLevels,
      ...(r.noStopLossPct !== undefined ? { noStopLossPct: r.noStopLossPct } : {}),
      ...(r.trailing !== undefined ? { trailing: r.trailing } : {}),
    };
  });

interface PositionGen {
  symbol: 0 | 1;
  long: boolean;
  entryOffset: number;
  stopPct: number | undefined;
  targetPct: number | undefined;
  th: TriggerThresholds;
  memory:
    | { latchStop: boolean; latchTarget: boolean; firedFirst: number; trailingPct: number | undefined }
    | undefined;
}

const positionArb: fc.Arbitrary<PositionGen> = fc.record({
  symbol: fc.constantFrom(0 as const, 1 as const),
  long: fc.boolean(),
  entryOffset: fc.integer({ min: -20, max: 20 }),
  stopPct: fc.option(fc.constantFrom(1, 1.5, 2, 3, 5, 10), { nil: undefined, freq: 4 }),
  targetPct: fc.option(fc.constantFrom(1, 2, 4, 5, 8, 10), { nil: undefined, freq: 4 }),
  th: thresholdsArb,
  memory: fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.record({
        latchStop: fc.boolean(),
        latchTarget: fc.boolean(),
        firedFirst: fc.integer({ min: 0, max: 3 }),
        trailingPct: fc.option(fc.constantFrom(1, 3), { nil: undefined }),
      }),
    },
  ),
});

type LevelName =
  | 'stop'
  | 'target'
  | 'trail'
  | 'peak'
  | 'stopApproach'
  | 'stopRearm'
  | 'targetApproach'
  | 'targetRearm'
  | 'once'
  | 'loss'
  | 'activation';

type PriceGen =
  | { kind: 'step'; n: number }
  | { kind: 'level'; pos: number; which: LevelName; nudge: -2 | -1 | 0 | 1 | 2 };

type Op =
  | { op: 'tick'; symbol: 0 | 1; price: PriceGen; conflate: { down: number; up: number } | undefined }
  | { op: 'setStop'; pos: number; pct: number | undefined | 'same' }
  | { op: 'setTarget'; pos: number; pct: number | undefined | 'same' }
  | { op: 'setEntry'; pos: number; pct: number }
  | { op: 'suspend' | 'resume'; pos: number };

const LEVEL_NAMES: LevelName[] = [
  'stop',
  'target',
  'trail',
  'peak',
  'stopApproach',
  'stopRearm',
  'targetApproach',
  'targetRearm',
  'once',
  'loss',
  'activation',
];

const priceArb: fc.Arbitrary<PriceGen> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('step' as const), n: fc.integer({ min: -4, max: 4 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('level' as const),
      pos: fc.nat(),
      which: fc.constantFrom(...LEVEL_NAMES),
      nudge: fc.constantFrom(-2 as const, -1 as const, 0 as const, 0 as const, 1 as const, 2 as const),
    }),
  },
);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.record({
      op: fc.constant('tick' as const),
      symbol: fc.constantFrom(0 as const, 1 as const),
      price: priceArb,
      conflate: fc.oneof(
        { weight: 3, arbitrary: fc.constant(undefined) },
        {
          weight: 1,
          arbitrary: fc.record({
            down: fc.integer({ min: 0, max: 30 }),
            up: fc.integer({ min: 0, max: 30 }),
          }),
        },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constantFrom('setStop' as const, 'setTarget' as const),
      pos: fc.nat(),
      pct: fc.option(fc.oneof(fc.constantFrom(1, 2, 3, 6), fc.constant('same' as const)), { nil: undefined }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('setEntry' as const),
      pos: fc.nat(),
      pct: fc.constantFrom(-3, -1, 1, 2),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('resume' as const), pos: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('suspend' as const), pos: fc.nat() }) },
);

interface Scenario {
  bases: [number, number];
  positions: PositionGen[];
  ops: Op[];
}

const scenarioArb = (maxPositions: number, maxOps: number): fc.Arbitrary<Scenario> =>
  fc.record({
    bases: fc.tuple(fc.constantFrom(100, 0.7, 20.5, 64000), fc.constantFrom(100, 1.1, 3)),
    positions: fc.array(positionArb, { minLength: 1, maxLength: maxPositions, size: 'max' }),
    ops: fc.array(opArb, { minLength: 5, maxLength: maxOps, size: 'max' }),
  });

// ---- Driver -----------------------------------------------------------------------------------

/** The exact boundary price of a level of `p`, rounded to a number; undefined if it has none. */
function levelPrice(p: RefPosition, which: LevelName): number | undefined {
  const th = p.th;
  const sign = p.long ? 1 : -1;
  const over = (x: number, pct: number) => D(x).times(100).div(D(100).plus(pct)).toNumber();
  switch (which) {
    case 'stop':
      return p.stop;
    case 'target':
      return p.target;
    case 'trail':
      return p.trailing?.stop;
    case 'peak':
      return p.trailing?.peak;
    case 'stopApproach':
      return p.stop === undefined ? undefined : over(p.stop, -sign * th.stopApproachPct);
    case 'stopRearm':
      return p.stop === undefined ? undefined : over(p.stop, -sign * th.stopRearmPct);
    case 'targetApproach':
      return p.target === undefined ? undefined : over(p.target, sign * th.targetApproachPct);
    case 'targetRearm':
      return p.target === undefined ? undefined : over(p.target, sign * th.targetRearmPct);
    case 'once': {
      const next = p.levels.find((l) => !p.fired.has(`${l.tag}@${l.pct}`));
      return next === undefined ? undefined : scale(p.entry, sign * next.pct);
    }
    case 'loss':
      return th.noStopLossPct === undefined ? undefined : scale(p.entry, -sign * th.noStopLossPct);
    case 'activation':
      return th.trailing === undefined ? undefined : scale(p.entry, sign * th.trailing.activationPct);
  }
}

function nudge(x: number, n: number, grid: number): number {
  if (n === 1 || n === -1) {
    // One representable number up or down.
    const f = new Float64Array([x]);
    const i = new BigInt64Array(f.buffer);
    i[0] = i[0]! + BigInt(n);
    return f[0]!;
  }
  return n === 0
    ? x
    : D(x)
        .plus(D(grid).times(n / 2))
        .toNumber();
}

function runScenario(s: Scenario): void {
  const index = new TriggerIndex();
  const ref = new Reference();
  const grids = s.bases.map((b) => D(b).div(1000).toNumber());
  const last = [...s.bases];
  s.positions.forEach((g, i) => {
    const base = s.bases[g.symbol];
    const entry = scale(base, g.entryOffset / 4);
    const sign = g.long ? 1 : -1;
    const stop = g.stopPct === undefined ? undefined : scale(entry, -sign * g.stopPct);
    const target = g.targetPct === undefined ? undefined : scale(entry, sign * g.targetPct);
    let memory: TriggerMemory | undefined;
    if (g.memory !== undefined) {
      const levels = [...g.th.onceLevels].sort((a, b) => a.pct - b.pct);
      const peak = g.memory.trailingPct === undefined ? undefined : scale(entry, sign * g.memory.trailingPct);
      memory = {
        fired: levels.slice(0, g.memory.firedFirst).map((l) => `${l.tag}@${l.pct}`),
        stopApproachLatched: g.memory.latchStop && stop !== undefined,
        targetApproachLatched: g.memory.latchTarget && target !== undefined,
        ...(peak === undefined ? {} : { trailing: { peak, stop: scale(peak, -sign * 2) } }),
      };
    }
    const spec: WatchSpec = {
      id: `p${i}`,
      symbol: SYMBOLS[g.symbol],
      side: g.long ? 'long' : 'short',
      entryPrice: entry,
      ...(stop === undefined ? {} : { stopPrice: stop }),
      ...(target === undefined ? {} : { targetPrice: target }),
      thresholds: g.th,
      ...(memory === undefined ? {} : { memory }),
    };
    index.add(spec);
    ref.add(spec);
  });
  const n = ref.positions.length;
  for (const [step, op] of s.ops.entries()) {
    if (op.op === 'tick') {
      let symbol: 0 | 1 = op.symbol;
      let price: number | undefined;
      if (op.price.kind === 'level') {
        const p = ref.positions[op.price.pos % n]!;
        symbol = p.symbol === SYMBOLS[0] ? 0 : 1;
        const level = levelPrice(p, op.price.which);
        if (level !== undefined) price = nudge(level, op.price.nudge, grids[symbol]!);
      }
      if (price === undefined || !(price > 0)) {
        const n0 = op.price.kind === 'step' ? op.price.n : 0;
        price = Math.max(grids[symbol]!, D(last[symbol]!).plus(D(grids[symbol]!).times(n0)).toNumber());
      }
      last[symbol] = price;
      let low: number | undefined;
      let high: number | undefined;
      if (op.conflate !== undefined) {
        low = Math.max(
          grids[symbol]! / 10,
          D(price).minus(D(grids[symbol]!).times(op.conflate.down)).toNumber(),
        );
        high = D(price).plus(D(grids[symbol]!).times(op.conflate.up)).toNumber();
      }
      const got: FiredTrigger[] = [];
      const want: FiredTrigger[] = [];
      index.onTick(SYMBOLS[symbol], price, got, low, high);
      ref.onTick(SYMBOLS[symbol], price, want, low, high);
      expect(got, `op ${step}: tick ${SYMBOLS[symbol]} ${price} [${low}, ${high}]`).toEqual(want);
      continue;
    }
    const p = ref.positions[op.pos % n]!;
    const sign = p.long ? 1 : -1;
    switch (op.op) {
      case 'setStop': {
        const stop =
          op.pct === 'same' ? p.stop : op.pct === undefined ? undefined : scale(p.entry, -sign * op.pct);
        index.setStop(p.id, stop);
        if (stop !== p.stop) p.stopLatched = false;
        p.stop = stop;
        break;
      }
      case 'setTarget': {
        const target =
          op.pct === 'same' ? p.target : op.pct === undefined ? undefined : scale(p.entry, sign * op.pct);
        index.setTarget(p.id, target);
        if (target !== p.target) p.targetLatched = false;
        p.target = target;
        break;
      }
      case 'setEntry':
        p.entry = scale(p.entry, op.pct);
        index.setEntry(p.id, p.entry);
        break;
      case 'suspend':
        index.suspend(p.id);
        p.suspended = true;
        break;
      case 'resume':
        index.resume(p.id);
        p.suspended = false;
        break;
    }
  }
  for (const p of ref.positions) {
    const got = index.memory(p.id)!;
    const want = ref.memory(p.id);
    expect({ ...got, fired: [...got.fired].sort() }).toEqual({ ...want, fired: [...want.fired].sort() });
  }
  expect(index.size).toBe(n);
}

describe('TriggerIndex against a reference that checks every position on every tick', () => {
  it('emits the same triggers in the same order on random paths (few positions, long paths)', () => {
    fc.assert(fc.property(scenarioArb(6, 150), runScenario), { seed: 20260105, numRuns: 1500 });
  });

  it('emits the same triggers with many positions per symbol', () => {
    fc.assert(fc.property(scenarioArb(40, 80), runScenario), { seed: 7, numRuns: 250 });
  });
});

/** A decimal with up to `digits` significant digits, as a number (bigint: safe to shrink). */
const decimalArb = (digits: number, maxExp: number) =>
  fc
    .tuple(fc.bigInt({ min: 1n, max: 10n ** BigInt(digits) - 1n }), fc.integer({ min: 0, max: maxExp }))
    .map(([m, e]) => Number(`${m}e-${e}`));

describe('TrailingRule', () => {
  it('equals the exact decimal formula rounded once, on its fast path and off it', () => {
    const settingsArb: fc.Arbitrary<TrailingStopSettings> = fc.record(
      {
        activationPct: fc.constantFrom(0, 1, 2.5, 10, 0.1),
        // 0.123456789 has more decimals than the fast path takes; 1e-7 prints in exponent form.
        distancePct: fc.constantFrom(5, 2.5, 1, 0.123456789, 1e-7),
        tighten: fc.record({
          everyGainPct: fc.constantFrom(5, 0.3, 1, 0.7),
          byPct: fc.constantFrom(1, 0.25, 0.1),
          floorPct: fc.constantFrom(2, 0.5, 0),
        }),
      },
      { requiredKeys: ['activationPct', 'distancePct'] },
    );
    fc.assert(
      fc.property(
        fc.boolean(),
        decimalArb(6, 4),
        fc.oneof(decimalArb(6, 4), decimalArb(17, 8)),
        settingsArb,
        (long, entry, peak, settings) => {
          const rule = new TrailingRule(settings);
          expect(rule.stopFor(long, entry, peak)).toBe(refTrailingStop(long, entry, peak, settings));
        },
      ),
      { seed: 11, numRuns: 3000 },
    );
  });

  it('floors the tightening steps exactly at whole multiples of everyGainPct', () => {
    // Gains of exactly 10 + k·0.7 % above an entry of 0.7: the step count flips exactly there.
    const settings = {
      activationPct: 10,
      distancePct: 5,
      tighten: { everyGainPct: 0.7, byPct: 1, floorPct: 0 },
    };
    const rule = new TrailingRule(settings);
    for (let k = 0; k < 5; k++) {
      const gain = D(10).plus(D(0.7).times(k));
      for (const nudge of [-1e-9, 0, 1e-9]) {
        const peak = D(0.7).times(D(100).plus(gain).plus(nudge)).div(100).toNumber();
        expect(rule.stopFor(true, 0.7, peak)).toBe(refTrailingStop(true, 0.7, peak, settings));
        const trough = D(0.7).times(D(100).minus(gain).minus(nudge)).div(100).toNumber();
        expect(rule.stopFor(false, 0.7, trough)).toBe(refTrailingStop(false, 0.7, trough, settings));
      }
    }
  });
});
