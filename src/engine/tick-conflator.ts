import type { Tick } from '../domain/tick.ts';
import { RangeBuilder, type TickRange } from '../domain/tick-range.ts';

/** The latest tick of a symbol plus the range it travelled since the last one processed. */
export interface ConflatedTick extends Tick {
  /** The last price's range (as `range.last`). */
  readonly low: number;
  readonly high: number;
  readonly range: TickRange;
  /** How many ticks this one stands for (1 when nothing was conflated). */
  readonly count: number;
}

interface Slot {
  tick: Tick;
  range: RangeBuilder;
  count: number;
  volume: number | undefined;
}

/**
 * Holds at most one pending tick per symbol. When market data outruns the engine, a new tick of a
 * symbol that is still waiting replaces it but widens the range of its last price, mid, bid and
 * ask, so a stop crossed and recovered inside the interval still fires at the price that crossed
 * it, whichever price the position's profile watches. Symbols come out in
 * the order they first became pending. Only ticks go through here: fills, orders and account
 * events are never conflated or dropped. Depth is bounded by the number of symbols.
 */
export class TickConflator {
  private readonly slots = new Map<string, Slot>();
  private readonly order: string[] = [];
  private head = 0;
  /** Ticks merged into a pending one since the start. */
  conflated = 0;

  /** Queues a tick; `range` widens its slot by what the tick stands for (a confirmed jump's range). */
  push(tick: Tick, range?: TickRange): void {
    const slot = this.slots.get(tick.symbol);
    if (slot === undefined) {
      const builder = new RangeBuilder();
      builder.add(tick);
      if (range !== undefined) builder.addRange(range);
      this.slots.set(tick.symbol, { tick, range: builder, count: 1, volume: tick.volume });
      this.order.push(tick.symbol);
      return;
    }
    slot.tick = tick;
    slot.range.add(tick);
    if (range !== undefined) slot.range.addRange(range);
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
    const { tick } = slot;
    const range = slot.range.range()!;
    return {
      ...tick,
      ...(slot.volume !== undefined ? { volume: slot.volume } : {}),
      low: range.last.low,
      high: range.last.high,
      range,
      count: slot.count,
    };
  }

  /** Symbols waiting to be processed. */
  get depth(): number {
    return this.order.length - this.head;
  }
}
