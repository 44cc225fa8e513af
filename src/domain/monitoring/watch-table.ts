import type { HeapPositions } from './indexed-heap.ts';
import type { TriggerRules } from './trigger-rules.ts';

/** Flag bits of a watched position. */
export const SHORT = 1;
export const STOP_LATCHED = 2;
export const TARGET_LATCHED = 4;
export const SUSPENDED = 8;
/** A stop (target) hit whose exit is off fired: no hit again until the price is back beyond it. */
export const STOP_HIT_LATCHED = 16;
export const TARGET_HIT_LATCHED = 32;

/** The four heaps of a symbol, as slots in HeapPositions. */
export const SLOT_DOWN_EXTREME = 0;
export const SLOT_UP_EXTREME = 1;
export const SLOT_DOWN_LAST = 2;
export const SLOT_UP_LAST = 3;
export const SLOTS = 4;

/**
 * Every watched position as one row of typed columns, addressed by a numeric handle that is
 * reused after removal. About 100 bytes of columns a row, no object per position: the index's
 * memory per position is these columns, its heap entries and its id.
 */
export class WatchTable implements HeapPositions {
  readonly stride = SLOTS;
  capacity = 0;
  entry = new Float64Array(0);
  /** NaN when the position has no stop (target). */
  stop = new Float64Array(0);
  target = new Float64Array(0);
  /** Trailing peak and stop; NaN until the trailing stop activates. */
  peak = new Float64Array(0);
  trail = new Float64Array(0);
  /** Add order, for a deterministic order across positions within a tick. */
  seq = new Float64Array(0);
  /** Fired once-levels: bit i is `rules.once[i]`. */
  fired = new Int32Array(0);
  flags = new Uint8Array(0);
  /** Tick stamp that deduplicates a position reached through several heaps in one tick. */
  stamp = new Uint32Array(0);
  pos = new Int32Array(0);
  ids: (string | undefined)[] = [];
  rules: (TriggerRules | undefined)[] = [];
  book: (number | undefined)[] = [];
  /** Restored fired keys the position's thresholds do not know, kept for the memory round-trip. */
  readonly extraFired = new Map<number, readonly string[]>();
  private readonly free: number[] = [];
  private next = 0;

  allocate(): number {
    const h = this.free.pop();
    if (h !== undefined) return h;
    if (this.next === this.capacity) this.grow(Math.max(64, this.capacity * 2));
    return this.next++;
  }

  release(h: number): void {
    this.ids[h] = undefined;
    this.rules[h] = undefined;
    this.book[h] = undefined;
    this.extraFired.delete(h);
    this.free.push(h);
  }

  private grow(capacity: number): void {
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(capacity);
      b.set(a);
      return b;
    };
    this.entry = f64(this.entry);
    this.stop = f64(this.stop);
    this.target = f64(this.target);
    this.peak = f64(this.peak);
    this.trail = f64(this.trail);
    this.seq = f64(this.seq);
    const fired = new Int32Array(capacity);
    fired.set(this.fired);
    this.fired = fired;
    const flags = new Uint8Array(capacity);
    flags.set(this.flags);
    this.flags = flags;
    const stamp = new Uint32Array(capacity);
    stamp.set(this.stamp);
    this.stamp = stamp;
    const pos = new Int32Array(capacity * SLOTS).fill(-1);
    pos.set(this.pos);
    this.pos = pos;
    this.capacity = capacity;
  }
}
