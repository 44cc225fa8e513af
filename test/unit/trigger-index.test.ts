import { describe, expect, it } from 'vitest';
import { isWardenError } from '../../src/domain/errors.ts';
import { TriggerIndex } from '../../src/domain/monitoring/trigger-index.ts';
import type {
  FiredTrigger,
  TrailingStopSettings,
  TriggerThresholds,
  WatchSpec,
} from '../../src/domain/monitoring/types.ts';

const NONE: TriggerThresholds = {
  stopApproachPct: 2,
  stopRearmPct: 3,
  targetApproachPct: 5,
  targetRearmPct: 6,
  onceLevels: [],
};
const MILESTONES: TriggerThresholds = {
  ...NONE,
  onceLevels: [5, 10, 20, 50, 100].map((pct) => ({ pct, tag: 'milestone' })),
};
const trailing = (t: TrailingStopSettings): TriggerThresholds => ({ ...NONE, trailing: t });

function spec(over: Partial<WatchSpec>): WatchSpec {
  return { id: 'p', symbol: 'X', side: 'long', entryPrice: 100, thresholds: NONE, ...over };
}

/** Ticks `prices` of symbol X (a [price, low, high] triple is a conflated tick); fired per tick. */
function run(index: TriggerIndex, prices: readonly (number | readonly [number, number, number])[]) {
  return prices.map((p) => {
    const out: FiredTrigger[] = [];
    if (typeof p === 'number') index.onTick('X', p, out);
    else index.onTick('X', p[0], out, p[1], p[2]);
    return out;
  });
}

function kinds(index: TriggerIndex, prices: readonly (number | readonly [number, number, number])[]) {
  return run(index, prices).map((out) =>
    out.map((f) => (f.kind === 'ONCE_LEVEL' ? `ONCE@${f.level}` : f.kind)),
  );
}

function watch(...specs: WatchSpec[]): TriggerIndex {
  const index = new TriggerIndex();
  for (const s of specs) index.add(s);
  return index;
}

describe('TriggerIndex hits', () => {
  it('fires a long stop at equality, not a cent above', () => {
    const index = watch(spec({ stopPrice: 95 }));
    expect(kinds(index, [95.01])).toEqual([['STOP_APPROACHING']]);
    expect(run(index, [95])).toEqual([[{ kind: 'STOP_HIT', positionId: 'p', price: 95, level: 95 }]]);
  });

  it('fires a short stop at equality', () => {
    const index = watch(spec({ side: 'short', stopPrice: 105 }));
    expect(kinds(index, [104.99, 105])).toEqual([['STOP_APPROACHING'], ['STOP_HIT']]);
  });

  it('fires long and short targets at equality', () => {
    const long = watch(spec({ targetPrice: 110 }));
    expect(kinds(long, [109.99, 110])).toEqual([['TARGET_APPROACHING'], ['TARGET_HIT']]);
    const short = watch(spec({ side: 'short', targetPrice: 90 }));
    expect(run(short, [90.01, 90])[1]).toEqual([
      { kind: 'TARGET_HIT', positionId: 'p', price: 90, level: 90 },
    ]);
  });

  it('suspends a position after a hit until resume()', () => {
    const index = watch(spec({ stopPrice: 95 }));
    expect(kinds(index, [95, 94, 96])).toEqual([['STOP_HIT'], [], []]);
    index.resume('p');
    expect(kinds(index, [94])).toEqual([['STOP_HIT']]);
  });

  it('applies the no-stop loss limit strictly below −15%, only without a stop', () => {
    const index = watch(spec({ thresholds: { ...NONE, noStopLossPct: 15 } }));
    expect(kinds(index, [85])).toEqual([[]]);
    expect(run(index, [84.99])).toEqual([
      [{ kind: 'LOSS_NO_STOP', positionId: 'p', price: 84.99, level: 85 }],
    ]);
    const withStop = watch(spec({ stopPrice: 80, thresholds: { ...NONE, noStopLossPct: 15 } }));
    expect(kinds(withStop, [84])).toEqual([[]]);
  });

  it('lets the stop win over a target on a conflated tick, at the extreme that crossed', () => {
    const index = watch(spec({ stopPrice: 95, targetPrice: 110 }));
    expect(run(index, [[100, 94, 111]])).toEqual([
      [{ kind: 'STOP_HIT', positionId: 'p', price: 94, level: 95, conflicting: ['TARGET_HIT'] }],
    ]);
  });

  it('fires a conflated stop that was crossed and recovered, at the low (high for a short)', () => {
    const long = watch(spec({ stopPrice: 95 }));
    expect(run(long, [[97, 94.5, 97.5]])).toEqual([
      [{ kind: 'STOP_HIT', positionId: 'p', price: 94.5, level: 95 }],
    ]);
    const short = watch(spec({ side: 'short', stopPrice: 105 }));
    expect(run(short, [[103, 102, 105.5]])[0]![0]).toMatchObject({ kind: 'STOP_HIT', price: 105.5 });
  });

  it('judges a conflated target against the favourable extreme', () => {
    const index = watch(spec({ targetPrice: 110 }));
    expect(run(index, [[104, 100, 110]])).toEqual([
      [{ kind: 'TARGET_HIT', positionId: 'p', price: 110, level: 110 }],
    ]);
  });
});

describe('TriggerIndex approach hysteresis', () => {
  it('fires stop approaching at exactly 2%, once, and re-arms only past 3%', () => {
    // S = 98: |100 − 98| / 100 is exactly 2%; past 3% means P > 101.0309…
    const index = watch(spec({ entryPrice: 105, stopPrice: 98 }));
    expect(kinds(index, [100.5, 100, 99.5, 100.5, 101, 100, 101.04, 100])).toEqual([
      [],
      ['STOP_APPROACHING'],
      [],
      [],
      [],
      [],
      [],
      ['STOP_APPROACHING'],
    ]);
  });

  it('does not re-arm at exactly 3%', () => {
    // S = 97: at P = 100 the distance is exactly 3%, not more.
    const index = watch(spec({ stopPrice: 97 }));
    expect(kinds(index, [98.9, 100, 98.9, 100.01, 98.9])).toEqual([
      ['STOP_APPROACHING'],
      [],
      [],
      [],
      ['STOP_APPROACHING'],
    ]);
  });

  it('fires target approaching at exactly 5% and re-arms only past 6%', () => {
    // T = 105: 100 is exactly 5% away; past 6% means P < 99.0566…
    const index = watch(spec({ entryPrice: 90, targetPrice: 105 }));
    expect(kinds(index, [99.99, 100, 99.06, 100, 99.05, 100])).toEqual([
      [],
      ['TARGET_APPROACHING'],
      [],
      [],
      [],
      ['TARGET_APPROACHING'],
    ]);
    // T = 106: 100 is exactly 6% away, which does not re-arm.
    const six = watch(spec({ entryPrice: 90, targetPrice: 106 }));
    expect(kinds(six, [101, 100, 101, 99.99, 101])).toEqual([
      ['TARGET_APPROACHING'],
      [],
      [],
      [],
      ['TARGET_APPROACHING'],
    ]);
  });

  it('fires on the first tick of a position that starts inside the zone', () => {
    const index = watch(spec({ stopPrice: 99 }));
    expect(kinds(index, [100, 100])).toEqual([['STOP_APPROACHING'], []]);
  });

  it('clears the latch when the stop moves, keeps it when set to the same level', () => {
    const index = watch(spec({ stopPrice: 99 }));
    expect(kinds(index, [100])).toEqual([['STOP_APPROACHING']]);
    index.setStop('p', 99);
    expect(kinds(index, [100])).toEqual([[]]);
    index.setStop('p', 98.5);
    expect(kinds(index, [100])).toEqual([['STOP_APPROACHING']]);
    index.setStop('p', undefined);
    expect(index.memory('p')?.stopApproachLatched).toBe(false);
  });
});

describe('TriggerIndex once-levels', () => {
  it('fires each milestone once', () => {
    const index = watch(spec({ thresholds: MILESTONES }));
    expect(kinds(index, [105, 104, 105.5, 110, 109, 111])).toEqual([['ONCE@5'], [], [], ['ONCE@10'], [], []]);
    expect(index.memory('p')?.fired).toEqual(['milestone@5', 'milestone@10']);
  });

  it('fires every milestone a gap passes, in ascending order', () => {
    const index = watch(spec({ thresholds: MILESTONES }));
    expect(run(index, [121])).toEqual([
      [5, 10, 20].map((level) => ({
        kind: 'ONCE_LEVEL',
        positionId: 'p',
        price: 121,
        level,
        tag: 'milestone',
      })),
    ]);
  });

  it('is exact on decimals: +5% fires at exactly +5% where float arithmetic falls short', () => {
    const long = watch(spec({ entryPrice: 0.7, thresholds: MILESTONES }));
    expect(kinds(long, [0.7349, 0.735])).toEqual([[], ['ONCE@5']]);
    // In floats 0.07 → 0.0735 is +4.99999…% and 0.0735 < 0.07 · 1.05.
    expect(((0.0735 - 0.07) / 0.07) * 100).toBeLessThan(5);
    expect(0.0735 >= 0.07 * 1.05).toBe(false);
    const small = watch(spec({ entryPrice: 0.07, thresholds: MILESTONES }));
    expect(kinds(small, [0.07349, 0.0735])).toEqual([[], ['ONCE@5']]);
    // Short: 0.7 → 0.665 is +4.99999…% in floats, exactly +5%.
    expect(((0.7 - 0.665) / 0.7) * 100).toBeLessThan(5);
    const short = watch(spec({ side: 'short', entryPrice: 0.7, thresholds: MILESTONES }));
    expect(kinds(short, [0.6651, 0.665])).toEqual([[], ['ONCE@5']]);
  });

  it('keeps fired levels after setEntry', () => {
    const index = watch(spec({ thresholds: MILESTONES }));
    expect(kinds(index, [105])).toEqual([['ONCE@5']]);
    index.setEntry('p', 110);
    // +5% and +10% of the new entry: only 10 is new.
    expect(kinds(index, [115.5, 121])).toEqual([[], ['ONCE@10']]);
  });

  it('orders stop approaching, target approaching, once-levels, trailing within a tick', () => {
    const index = watch(
      spec({
        stopPrice: 108,
        targetPrice: 113,
        thresholds: { ...MILESTONES, trailing: { activationPct: 10, distancePct: 5 } },
      }),
    );
    expect(kinds(index, [110])).toEqual([
      ['STOP_APPROACHING', 'TARGET_APPROACHING', 'ONCE@5', 'ONCE@10', 'TRAILING_ACTIVATED'],
    ]);
  });
});

describe('TriggerIndex trailing stop', () => {
  it('activates at the activation gain, tracks the peak and fires at the stop', () => {
    const index = watch(spec({ thresholds: trailing({ activationPct: 10, distancePct: 5 }) }));
    expect(run(index, [109.99, 110, 112, 111, 115, 109.26, 109.25])).toEqual([
      [],
      [{ kind: 'TRAILING_ACTIVATED', positionId: 'p', price: 110, trailingStop: 104.5, peak: 110 }],
      [{ kind: 'TRAILING_MOVED', positionId: 'p', price: 112, trailingStop: 106.4, peak: 112 }],
      [],
      [{ kind: 'TRAILING_MOVED', positionId: 'p', price: 115, trailingStop: 109.25, peak: 115 }],
      [],
      [
        {
          kind: 'TRAILING_HIT',
          positionId: 'p',
          price: 109.25,
          level: 109.25,
          trailingStop: 109.25,
          peak: 115,
        },
      ],
    ]);
  });

  it('never loosens the stop', () => {
    // Restored with a stop tighter than 5% below the peak: a new peak of 111 gives 105.45 < 108.
    const index = watch(
      spec({
        thresholds: trailing({ activationPct: 10, distancePct: 5 }),
        memory: {
          fired: [],
          stopApproachLatched: false,
          targetApproachLatched: false,
          trailing: { peak: 110, stop: 108 },
        },
      }),
    );
    expect(kinds(index, [111])).toEqual([[]]);
    expect(index.memory('p')?.trailing).toEqual({ peak: 111, stop: 108 });
    expect(kinds(index, [114])).toEqual([['TRAILING_MOVED']]);
    expect(index.memory('p')?.trailing).toEqual({ peak: 114, stop: 108.3 });
  });

  it('tightens by one point per 5% of gain beyond activation, down to the floor', () => {
    const index = watch(
      spec({
        thresholds: trailing({
          activationPct: 10,
          distancePct: 5,
          tighten: { everyGainPct: 5, byPct: 1, floorPct: 2 },
        }),
      }),
    );
    const stops = run(index, [110, 114.99, 115, 120, 125, 130, 140]).map((o) => o[0]?.trailingStop);
    // d = 5, 5, 4, 3, 2, 2 (floor), 2.
    expect(stops).toEqual([104.5, 109.2405, 110.4, 116.4, 122.5, 127.4, 137.2]);
  });

  it('mirrors for a short: activation below entry, trough tracking, stop above', () => {
    const index = watch(spec({ side: 'short', thresholds: trailing({ activationPct: 10, distancePct: 5 }) }));
    expect(run(index, [90.01, 90, 88, 89, 92.39, 92.4])).toEqual([
      [],
      [{ kind: 'TRAILING_ACTIVATED', positionId: 'p', price: 90, trailingStop: 94.5, peak: 90 }],
      [{ kind: 'TRAILING_MOVED', positionId: 'p', price: 88, trailingStop: 92.4, peak: 88 }],
      [],
      [],
      [{ kind: 'TRAILING_HIT', positionId: 'p', price: 92.4, level: 92.4, trailingStop: 92.4, peak: 88 }],
    ]);
  });

  it('lets the stop win over the trailing stop on the same tick', () => {
    const index = watch(
      spec({ stopPrice: 104, thresholds: trailing({ activationPct: 10, distancePct: 5 }) }),
    );
    run(index, [110]);
    expect(run(index, [103])[0]).toEqual([
      { kind: 'STOP_HIT', positionId: 'p', price: 103, level: 104, conflicting: ['TRAILING_HIT'] },
    ]);
  });

  it('tracks the peak at the favourable extreme of a conflated tick', () => {
    const index = watch(spec({ thresholds: trailing({ activationPct: 10, distancePct: 5 }) }));
    expect(run(index, [[108, 107, 112]])).toEqual([
      [{ kind: 'TRAILING_ACTIVATED', positionId: 'p', price: 112, trailingStop: 106.4, peak: 112 }],
    ]);
  });
});

describe('TriggerIndex lifecycle', () => {
  it('fires nothing while suspended and re-arms from memory on resume', () => {
    const index = watch(spec({ stopPrice: 95, thresholds: MILESTONES }));
    index.suspend('p');
    expect(kinds(index, [94, 106])).toEqual([[], []]);
    index.resume('p');
    expect(kinds(index, [106, 94])).toEqual([['ONCE@5'], ['STOP_HIT']]);
  });

  it('round-trips its memory through a new index', () => {
    const thresholds = { ...MILESTONES, trailing: { activationPct: 10, distancePct: 5 } };
    const a = watch(spec({ stopPrice: 110, thresholds }));
    expect(kinds(a, [112])).toEqual([['STOP_APPROACHING', 'ONCE@5', 'ONCE@10', 'TRAILING_ACTIVATED']]);
    const memory = a.memory('p')!;
    expect(memory).toEqual({
      fired: ['milestone@5', 'milestone@10'],
      stopApproachLatched: true,
      targetApproachLatched: false,
      trailing: { peak: 112, stop: 106.4 },
    });
    const b = watch(
      spec({ stopPrice: 110, thresholds, memory: { ...memory, fired: [...memory.fired, 'old@7'] } }),
    );
    expect(b.memory('p')).toEqual({ ...memory, fired: [...memory.fired, 'old@7'] });
    // Nothing fires again; the trailing stop continues from the restored peak.
    expect(kinds(b, [112, 113])).toEqual([[], ['TRAILING_MOVED']]);
    expect(b.memory('p')?.trailing).toEqual({ peak: 113, stop: 107.35 });
  });

  it('throws on a duplicate id; remove is a no-op when absent', () => {
    const index = watch(spec({}));
    let error: unknown;
    try {
      index.add(spec({}));
    } catch (e) {
      error = e;
    }
    expect(isWardenError(error, 'WARDEN_INTERNAL')).toBe(true);
    index.remove('nope');
    expect(index.size).toBe(1);
    expect(index.has('p')).toBe(true);
    index.remove('p');
    expect(index.has('p')).toBe(false);
    expect(index.memory('p')).toBeUndefined();
    expect(kinds(index, [1])).toEqual([[]]);
  });

  it('orders positions by when they were added, also after handles are reused', () => {
    const index = new TriggerIndex();
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) {
      ids.push(`a${i}`);
      index.add(spec({ id: `a${i}`, stopPrice: 90 + (i % 7) }));
    }
    // Free some handles and reuse them for later positions.
    for (let i = 0; i < 40; i += 3) {
      index.remove(`a${i}`);
      ids.splice(ids.indexOf(`a${i}`), 1);
    }
    for (let i = 0; i < 10; i++) {
      ids.push(`b${i}`);
      index.add(spec({ id: `b${i}`, stopPrice: 95 }));
    }
    const small = watch(spec({ id: 'y' }), spec({ id: 'x' }));
    small.remove('y');
    small.add(spec({ id: 'z' }));
    for (const idx of [index, small]) {
      const out: FiredTrigger[] = [];
      idx.onTick('X', 50, out, 50, 50);
      expect(out.map((f) => f.positionId)).toEqual(idx === small ? [] : ids);
    }
    const smallOut: FiredTrigger[] = [];
    small.setStop('x', 99);
    small.setStop('z', 99);
    small.onTick('X', 98, smallOut);
    expect(smallOut.map((f) => f.positionId)).toEqual(['x', 'z']);
  });

  it('keeps symbols apart', () => {
    const index = watch(spec({ id: 'a', stopPrice: 95 }), spec({ id: 'b', symbol: 'Y', stopPrice: 95 }));
    const out: FiredTrigger[] = [];
    index.onTick('Y', 90, out);
    index.onTick('Z', 90, out);
    expect(out.map((f) => f.positionId)).toEqual(['b']);
  });
});
