import type { Tick } from '../ports/market-data.ts';

/** The latest tick of a symbol plus the range it travelled since the last one processed. */
export interface ConflatedTick extends Tick {
  readonly low: number;
  readonly high: number;
  /** How many ticks this one stands for (1 when nothing was conflated). */
  readonly count: number;
}

interface Slot {
  tick: Tick;
  low: number;
  high: number;
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
      this.slots.set(tick.symbol, { tick, low: tick.price, high: tick.price, count: 1, volume: tick.volume });
      this.order.push(tick.symbol);
      return;
    }
    slot.tick = tick;
    if (tick.price < slot.low) slot.low = tick.price;
    if (tick.price > slot.high) slot.high = tick.price;
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
    return {
      ...tick,
      ...(slot.volume !== undefined ? { volume: slot.volume } : {}),
      low: slot.low,
      high: slot.high,
      count: slot.count,
    };
  }

  /** Symbols waiting to be processed. */
  get depth(): number {
    return this.order.length - this.head;
  }
}
