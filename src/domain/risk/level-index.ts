import { type HeapPositions, IndexedHeap } from '../monitoring/indexed-heap.ts';
import type { LevelDirection } from './levels.ts';

interface SymbolHeaps {
  /** Levels the price falls to, keyed by −level (a min-heap on −level is a max-heap on level). */
  readonly falls: IndexedHeap;
  /** Levels the price rises to, keyed by level. */
  readonly rises: IndexedHeap;
}

const SLOT_FALLS = 0;
const SLOT_RISES = 1;

/**
 * Price levels per symbol and direction in binary heaps over integer handles. A tick reads two heap
 * tops and visits only the handles whose level it reached: O(1) when nothing is reached, O(log n + k)
 * otherwise, however many levels the symbol has. Each handle holds one level at a time.
 */
export class RiskLevelIndex {
  private readonly heaps = new Map<string, SymbolHeaps>();
  private readonly positions: HeapPositions = { pos: new Int32Array(64).fill(-1), stride: 2 };
  private where: (SymbolHeaps | undefined)[] = [];
  private readonly free: number[] = [];
  private next = 0;
  private readonly reached: number[] = [];

  /** A new handle with no level. */
  allocate(): number {
    const handle = this.free.pop() ?? this.next++;
    const need = (handle + 1) * 2;
    if (need > this.positions.pos.length) {
      const pos = new Int32Array(Math.max(need, this.positions.pos.length * 2)).fill(-1);
      pos.set(this.positions.pos);
      this.positions.pos = pos;
    }
    return handle;
  }

  /** Removes the handle's level and returns the handle for reuse. */
  release(handle: number): void {
    this.clear(handle);
    this.free.push(handle);
  }

  /** Sets (or moves) the handle's level; a NaN or infinite level clears it (it can never be reached). */
  set(handle: number, symbol: string, direction: LevelDirection, level: number): void {
    let heaps = this.heaps.get(symbol);
    if (heaps === undefined) {
      heaps = {
        falls: new IndexedHeap(this.positions, SLOT_FALLS),
        rises: new IndexedHeap(this.positions, SLOT_RISES),
      };
      this.heaps.set(symbol, heaps);
    }
    const current = this.where[handle];
    if (current !== undefined && current !== heaps) this.clear(handle);
    if (!Number.isFinite(level)) {
      this.clear(handle);
      return;
    }
    this.where[handle] = heaps;
    if (direction === 'falls') {
      heaps.rises.delete(handle);
      heaps.falls.set(handle, -level);
    } else {
      heaps.falls.delete(handle);
      heaps.rises.set(handle, level);
    }
  }

  clear(handle: number): void {
    const heaps = this.where[handle];
    if (heaps === undefined) return;
    heaps.falls.delete(handle);
    heaps.rises.delete(handle);
    this.where[handle] = undefined;
  }

  /**
   * The handles whose level a tick reached: falling levels at or above `low`, rising levels at or
   * below `high` (both the price for an unconflated tick). The returned array is reused by the
   * next call; the levels stay set until their owner moves or clears them.
   */
  reachedBy(symbol: string, low: number, high: number): readonly number[] {
    const out = this.reached;
    out.length = 0;
    const heaps = this.heaps.get(symbol);
    if (heaps === undefined) return out;
    if (heaps.falls.peek() <= -low) heaps.falls.collect(-low, (h) => out.push(h));
    if (heaps.rises.peek() <= high) heaps.rises.collect(high, (h) => out.push(h));
    return out;
  }

  /** Number of levels set on a symbol (for tests and metrics). */
  size(symbol: string): number {
    const heaps = this.heaps.get(symbol);
    return heaps === undefined ? 0 : heaps.falls.size + heaps.rises.size;
  }
}
