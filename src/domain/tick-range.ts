import type { Tick } from '../domain/tick.ts';

/** The lowest and highest of one price over an interval of ticks. */
export interface PriceRange {
  readonly low: number;
  readonly high: number;
}

/**
 * The range each watched price travelled over an interval of ticks of one symbol: the last
 * price, and the mid, bid and ask as the monitor reads them (a tick without both quotes stands
 * for all three at its last price).
 */
export interface TickRange {
  readonly last: PriceRange;
  readonly mid: PriceRange;
  readonly bid: PriceRange;
  readonly ask: PriceRange;
}

/** Accumulates the range of the ticks pushed into it (a [low, high] pair per price). */
export class RangeBuilder {
  private readonly x = new Float64Array(8);
  private empty = true;

  add(tick: Tick): void {
    const quoted = tick.bid !== undefined && tick.ask !== undefined;
    const mid = quoted ? (tick.bid! + tick.ask!) / 2 : tick.price;
    const bid = quoted ? tick.bid! : tick.price;
    const ask = quoted ? tick.ask! : tick.price;
    this.widen(0, tick.price);
    this.widen(2, mid);
    this.widen(4, bid);
    this.widen(6, ask);
    this.empty = false;
  }

  /** Widens the range by another range (ticks already summarised elsewhere). */
  addRange(range: TickRange): void {
    const prices = [range.last, range.mid, range.bid, range.ask];
    for (let i = 0; i < 4; i++) {
      this.widen(2 * i, prices[i]!.low);
      this.widen(2 * i, prices[i]!.high);
    }
    this.empty = false;
  }

  /** The range so far; undefined before the first tick. */
  range(): TickRange | undefined {
    const x = this.x;
    if (this.empty) return undefined;
    return {
      last: { low: x[0]!, high: x[1]! },
      mid: { low: x[2]!, high: x[3]! },
      bid: { low: x[4]!, high: x[5]! },
      ask: { low: x[6]!, high: x[7]! },
    };
  }

  private widen(i: number, v: number): void {
    const x = this.x;
    if (this.empty || v < x[i]!) x[i] = v;
    if (this.empty || v > x[i + 1]!) x[i + 1] = v;
  }
}
