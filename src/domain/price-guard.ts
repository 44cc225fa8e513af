import type { SourcedTick } from '../domain/tick.ts';
import { RangeBuilder, type TickRange } from './tick-range.ts';

/** How far one tick may move from the last accepted price of its symbol before it is doubted. */
export interface PriceGuardSettings {
  /** A move beyond this % of the last accepted price is held back until confirmed. */
  readonly maxJumpPct: number;
  /** Ticks at the new level (within `maxJumpPct` of the doubted tick) that confirm the move. */
  readonly confirmTicks: number;
}

/** What to do with the ticks of a symbol after one more arrived. */
export interface PriceGuardVerdict {
  /**
   * The tick to process now, or undefined when it is held back. After a confirmed move it is the
   * confirming tick, with `range` covering the held ticks too, so a stop crossed while they were
   * held still fires at the price that crossed it.
   */
  readonly accept?: {
    readonly tick: SourcedTick;
    readonly range?: TickRange;
    /** How many input ticks it stands for: 1, or the held ones and the confirming one. */
    readonly count: number;
  };
  /** Held ticks found to be bad prints: the price came back before the move was confirmed. */
  readonly rejected: readonly Outlier[];
}

/** A tick held back as a jump, with the last accepted price it jumped from. */
export interface Outlier {
  readonly tick: SourcedTick;
  readonly from: number;
}

interface Doubt {
  /** The last accepted price when the jump came. */
  readonly from: number;
  /** The held ticks, oldest first: the doubted one, then those confirming it. */
  readonly held: SourcedTick[];
}

const NONE: readonly Outlier[] = [];

function outliersOf(doubt: Doubt): Outlier[] {
  return doubt.held.map((tick) => ({ tick, from: doubt.from }));
}

function within(price: number, reference: number, pct: number): boolean {
  return (Math.abs(price - reference) / reference) * 100 <= pct;
}

/**
 * The price sanity guard (DESIGN.md "Input safety"): a tick whose price jumps beyond
 * `maxJumpPct` from the last accepted price of its symbol is held back. If the next ticks stay at
 * the new level (`confirmTicks` of them within `maxJumpPct` of the doubted price), the move is
 * real: it is accepted at the confirming tick with the range of the held ones, so positions are
 * stopped out by a real crash one or two ticks late, never not at all. If the price comes back
 * first, the held ticks were bad prints and are rejected (`WARDEN_TICK_OUTLIER`). A symbol's first
 * tick is accepted as it is: there is nothing to compare it with. Symbols without settings pass.
 */
export class PriceGuard {
  /** Per symbol: the last accepted price and the jump held back, if any (one lookup a tick). */
  private readonly symbols = new Map<string, { last: number; doubt: Doubt | undefined }>();

  constructor(private readonly settingsOf: (symbol: string) => PriceGuardSettings | undefined) {}

  /** Judges the next tick of its symbol (ticks of one symbol in order). */
  push(tick: SourcedTick): PriceGuardVerdict {
    const state = this.symbols.get(tick.symbol);
    const settings = state === undefined ? undefined : this.settingsOf(tick.symbol);
    if (state === undefined || settings === undefined) {
      if (state === undefined) this.symbols.set(tick.symbol, { last: tick.price, doubt: undefined });
      else state.last = tick.price;
      return { accept: { tick, count: 1 }, rejected: NONE };
    }
    const { maxJumpPct, confirmTicks } = settings;
    const doubt = state.doubt;
    if (doubt === undefined) {
      if (within(tick.price, state.last, maxJumpPct)) {
        state.last = tick.price;
        return { accept: { tick, count: 1 }, rejected: NONE };
      }
      state.doubt = { from: state.last, held: [tick] };
      return { rejected: NONE };
    }
    const doubted = doubt.held[0]!;
    if (within(tick.price, doubted.price, maxJumpPct)) {
      doubt.held.push(tick);
      if (doubt.held.length <= confirmTicks) return { rejected: NONE };
      // Confirmed: the move is real.
      state.doubt = undefined;
      state.last = tick.price;
      const range = new RangeBuilder();
      for (const t of doubt.held) range.add(t);
      return { accept: { tick, range: range.range()!, count: doubt.held.length }, rejected: NONE };
    }
    // Not at the new level: the doubted ticks were bad prints. This tick is judged afresh.
    state.doubt = undefined;
    const verdict = this.push(tick);
    return { ...verdict, rejected: [...outliersOf(doubt), ...verdict.rejected] };
  }

  /** Ticks still held back (at the end of the input they are moves never confirmed). */
  drain(): Outlier[] {
    const held: Outlier[] = [];
    for (const state of this.symbols.values()) {
      if (state.doubt !== undefined) held.push(...outliersOf(state.doubt));
      state.doubt = undefined;
    }
    return held;
  }

  /** The last accepted price of a symbol. */
  lastPrice(symbol: string): number | undefined {
    return this.symbols.get(symbol)?.last;
  }
}
