import type { Tick } from '../ports/market-data.ts';

/** The lowest and highest of one price over a conflated interval. */
export interface PriceRange {
  readonly low: number;
  readonly high: number;
}

/**
 * The range each watched price travelled over a conflated interval: the last price, and the mid,
 * bid and ask as the monitor reads them (a tick without both quotes stands for all three at its
 * last price).
 */
export interface TickRange {
  readonly last: PriceRange;
  readonly mid: PriceRange;
  readonly bid: PriceRange;
  readonly ask: PriceRange;
}

/** The latest tick of a symbol plus the range it travelled since the last one processed. */
export interface ConflatedTick extends Tick {
  /** The last price's range (as `range.last`). */
  readonly low: number;
  readonly high: number;
  readonly range: TickRange;
  /** How many ticks this one stands for (1 when nothing was conflated). */
  readonly count: number;
}

/** A mutable [low, high] per price: last, mid, bid, ask. */
type Extremes = Float64Array;

function quoteOf(tick: Tick): { mid: number; bid: number; ask: number } {
  if (tick.bid !== undefined && tick.ask !== undefined)
    return { mid: (tick.bid + tick.ask) / 2, bid: tick.bid, ask: tick.ask };
  return { mid: tick.price, bid: tick.price, ask: tick.price };
}

function startExtremes(tick: Tick): Extremes {
  const q = quoteOf(tick);
  return Float64Array.of(tick.price, tick.price, q.mid, q.mid, q.bid, q.bid, q.ask, q.ask);
}

function widen(x: Extremes, tick: Tick): void {
  const q = quoteOf(tick);
  const values = [tick.price, q.mid, q.bid, q.ask];
  for (let i = 0; i < 4; i++) {
    const v = values[i]!;
    if (v < x[2 * i]!) x[2 * i] = v;
    if (v > x[2 * i + 1]!) x[2 * i + 1] = v;
  }
}

interface Slot {
  tick: Tick;
  extremes: Extremes;
  count: number;
  volume: number | undefined;
}

/**
 * Holds at most one pending tick per symbol. When market data outruns the engine, a new tick of a
 * symbol that is still waiting replaces it but widens its low/high, so a stop crossed and
 * recovered inside the interval still fires at the price that crossed it. Symbols come out in
 * the order they first became pending. Only ticks go through here: fills, orders and account
 * events are never conflated or dropped. Depth is bounded by the number of symbols.
 */
export class TickConflator {
  private readonly slots = new Map<string, Slot>();
  private readonly order: string[] = [];
  private head = 0;
  /** Ticks merged into a pending one since the start. */
  conflated = 0;

  push(tick: Tick): void {
    const slot = this.slots.get(tick.symbol);
    if (slot === undefined) {
      this.slots.set(tick.symbol, { tick, extremes: startExtremes(tick), count: 1, volume: tick.volume });
      this.order.push(tick.symbol);
      return;
    }
    slot.tick = tick;
    widen(slot.extremes, tick);
    slot.count++;
    if (tick.volume !== undefined) slot.volume = (slot.volume ?? 0) + tick.volume;
    this.conflated++;
  }

  /** The oldest pending symbol's tick, or undefined when nothing is pending. */
  shift(): ConflatedTick | undefined {
    if (this.head >= this.order.length) return undefined;
    const symbol = this.order[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.order.length) {
      this.order.splice(0, this.head);
      this.head = 0;
    }
    const slot = this.slots.get(symbol)!;
    this.slots.delete(symbol);
    const { tick, extremes: x } = slot;
    return {
      ...tick,
      ...(slot.volume !== undefined ? { volume: slot.volume } : {}),
      low: x[0]!,
      high: x[1]!,
      range: {
        last: { low: x[0]!, high: x[1]! },
        mid: { low: x[2]!, high: x[3]! },
        bid: { low: x[4]!, high: x[5]! },
        ask: { low: x[6]!, high: x[7]! },
      },
      count: slot.count,
    };
  }

  /** Symbols waiting to be processed. */
  get depth(): number {
    return this.order.length - this.head;
  }
}
