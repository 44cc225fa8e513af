import { WardenError } from '../errors.ts';
import { IndexedHeap } from './indexed-heap.ts';
import { evaluatePosition } from './trigger-eval.ts';
import { EXTREME_DOWN, EXTREME_UP, LAST_DOWN, LAST_UP, levelsOf } from './trigger-levels.ts';
import { compileRules, type TriggerRules } from './trigger-rules.ts';
import type { FiredTrigger, TriggerMemory, TriggerThresholds, WatchSpec } from './types.ts';
import {
  SHORT,
  SLOT_DOWN_EXTREME,
  SLOT_DOWN_LAST,
  SLOT_UP_EXTREME,
  SLOT_UP_LAST,
  STOP_HIT_LATCHED,
  STOP_LATCHED,
  SUSPENDED,
  TARGET_HIT_LATCHED,
  TARGET_LATCHED,
  WatchTable,
} from './watch-table.ts';

/** The four heaps of one symbol; trigger-levels.ts says which conditions each holds. */
interface SymbolBook {
  readonly symbol: string;
  readonly downExtreme: IndexedHeap;
  readonly upExtreme: IndexedHeap;
  readonly downLast: IndexedHeap;
  readonly upLast: IndexedHeap;
}

/**
 * The per-symbol trigger index (DESIGN.md "Monitoring triggers"): stop and target hits and
 * approaches, once-only PnL% levels, the no-stop loss limit and trailing stops of every watched
 * position, evaluated on a tick in O(log n + k) for n positions on the symbol and k that the tick
 * concerns. Boundaries are exact for the decimal values of the numbers. setStop, setTarget,
 * setEntry, suspend and resume throw WARDEN_INTERNAL for an id that is not watched.
 */
export class TriggerIndex {
  private readonly table = new WatchTable();
  private readonly handles = new Map<string, number>();
  private readonly books: SymbolBook[] = [];
  private readonly bookOf = new Map<string, number>();
  private readonly compiled = new WeakMap<TriggerThresholds, TriggerRules>();
  private addSeq = 0;
  private tickStamp = 0;
  private readonly touched: number[] = [];
  private readonly levels = new Float64Array(4);
  private sortKeys = new Float64Array(64);
  private readonly reach = (h: number): void => {
    const t = this.table;
    if (t.stamp[h] === this.tickStamp) return;
    t.stamp[h] = this.tickStamp;
    this.touched.push(h);
  };

  /** Positions watched (suspended ones included). */
  get size(): number {
    return this.handles.size;
  }

  has(id: string): boolean {
    return this.handles.has(id);
  }

  /**
   * Starts watching a position, from `spec.memory` when given (fired keys the thresholds do not
   * know, and a trailing state without trailing settings, are kept for memory() but do nothing).
   * Throws WARDEN_INTERNAL on a duplicate id or a price that is not positive and finite.
   */
  add(spec: WatchSpec): void {
    if (this.handles.has(spec.id)) {
      throw new WardenError('WARDEN_INTERNAL', `trigger index: position ${spec.id} is already watched`, {
        positionId: spec.id,
      });
    }
    checkPrice(spec.id, 'entryPrice', spec.entryPrice);
    if (spec.stopPrice !== undefined) checkPrice(spec.id, 'stopPrice', spec.stopPrice);
    if (spec.targetPrice !== undefined) checkPrice(spec.id, 'targetPrice', spec.targetPrice);
    const rules = this.rulesOf(spec.thresholds);
    const t = this.table;
    const h = t.allocate();
    t.ids[h] = spec.id;
    t.rules[h] = rules;
    t.book[h] = this.bookFor(spec.symbol);
    t.entry[h] = spec.entryPrice;
    t.stop[h] = spec.stopPrice ?? Number.NaN;
    t.target[h] = spec.targetPrice ?? Number.NaN;
    t.seq[h] = this.addSeq++;
    t.stamp[h] = 0;
    let flags = spec.side === 'short' ? SHORT : 0;
    let fired = 0;
    const m = spec.memory;
    t.peak[h] = Number.NaN;
    t.trail[h] = Number.NaN;
    if (m !== undefined) {
      if (m.stopApproachLatched) flags |= STOP_LATCHED;
      if (m.targetApproachLatched) flags |= TARGET_LATCHED;
      // Only a hit no exit acts on stays latched: an acting hit fires again if still crossed.
      if (m.stopHitLatched === true && rules.stopHitLatches) flags |= STOP_HIT_LATCHED | STOP_LATCHED;
      if (m.targetHitLatched === true && rules.targetHitLatches) flags |= TARGET_HIT_LATCHED | TARGET_LATCHED;
      const extra: string[] = [];
      for (const key of m.fired) {
        const i = rules.onceIndex.get(key);
        if (i === undefined) extra.push(key);
        else fired |= 1 << i;
      }
      if (extra.length > 0) t.extraFired.set(h, extra);
      if (m.trailing !== undefined) {
        t.peak[h] = m.trailing.peak;
        t.trail[h] = m.trailing.stop;
      }
    }
    t.flags[h] = flags;
    t.fired[h] = fired;
    this.handles.set(spec.id, h);
    this.refresh(h);
  }

  /** Stops watching a position; no-op if absent. */
  remove(id: string): void {
    const h = this.handles.get(id);
    if (h === undefined) return;
    this.unlink(h);
    this.handles.delete(id);
    this.table.release(h);
  }

  /** Sets or clears the stop. A different stop clears the stop-approach and stop-hit latches. */
  setStop(id: string, stop: number | undefined): void {
    const h = this.handleOf(id);
    if (stop !== undefined) checkPrice(id, 'stopPrice', stop);
    const t = this.table;
    const next = stop ?? Number.NaN;
    if (!Object.is(next, t.stop[h])) t.flags[h] = t.flags[h]! & ~(STOP_LATCHED | STOP_HIT_LATCHED);
    t.stop[h] = next;
    this.refresh(h);
  }

  /** Sets or clears the target. A different target clears the target-approach and target-hit latches. */
  setTarget(id: string, target: number | undefined): void {
    const h = this.handleOf(id);
    if (target !== undefined) checkPrice(id, 'targetPrice', target);
    const t = this.table;
    const next = target ?? Number.NaN;
    if (!Object.is(next, t.target[h])) t.flags[h] = t.flags[h]! & ~(TARGET_LATCHED | TARGET_HIT_LATCHED);
    t.target[h] = next;
    this.refresh(h);
  }

  /** New average entry (after scaling in). Fired once-levels and the trailing state stay. */
  setEntry(id: string, entryPrice: number): void {
    const h = this.handleOf(id);
    checkPrice(id, 'entryPrice', entryPrice);
    this.table.entry[h] = entryPrice;
    this.refresh(h);
  }

  /** No triggers at all for this position (it is being closed) until resume(). */
  suspend(id: string): void {
    const h = this.handleOf(id);
    this.table.flags[h] = this.table.flags[h]! | SUSPENDED;
    this.unlink(h);
  }

  /** Re-arms a suspended position from its current memory. */
  resume(id: string): void {
    const h = this.handleOf(id);
    this.table.flags[h] = this.table.flags[h]! & ~SUSPENDED;
    this.refresh(h);
  }

  /** What the index remembers about a position, for a restart; undefined if not watched. */
  memory(id: string): TriggerMemory | undefined {
    const h = this.handles.get(id);
    if (h === undefined) return undefined;
    const t = this.table;
    const rules = t.rules[h]!;
    const fired: string[] = [];
    const mask = t.fired[h]!;
    for (let i = 0; i < rules.once.length; i++) if ((mask & (1 << i)) !== 0) fired.push(rules.once[i]!.key);
    const extra = t.extraFired.get(h);
    if (extra !== undefined) fired.push(...extra);
    const flags = t.flags[h]!;
    const peak = t.peak[h]!;
    return {
      fired,
      stopApproachLatched: (flags & STOP_LATCHED) !== 0,
      targetApproachLatched: (flags & TARGET_LATCHED) !== 0,
      ...((flags & STOP_HIT_LATCHED) !== 0 ? { stopHitLatched: true } : {}),
      ...((flags & TARGET_HIT_LATCHED) !== 0 ? { targetHitLatched: true } : {}),
      ...(Number.isNaN(peak) ? {} : { trailing: { peak, stop: t.trail[h]! } }),
    };
  }

  /**
   * Evaluates one tick of `symbol`, appending the triggers that fire to `out`: per position in
   * add order, and within a position in the order of DESIGN.md. `low`/`high` are the extremes of
   * a conflated interval that ended at `price` (clamped to include `price`).
   */
  onTick(symbol: string, price: number, out: FiredTrigger[], low?: number, high?: number): void {
    const b = this.bookOf.get(symbol);
    if (b === undefined) return;
    const book = this.books[b]!;
    // The tick guard keeps bad prices out; a NaN one must not reach the heaps all the same.
    if (!(price > 0)) return;
    const lo = low !== undefined && low < price ? low : price;
    const hi = high !== undefined && high > price ? high : price;
    // Cheap exit for the common tick that concerns nobody.
    if (
      -book.downExtreme.peek() < lo &&
      book.upExtreme.peek() > hi &&
      -book.downLast.peek() < price &&
      book.upLast.peek() > price
    ) {
      return;
    }
    if (++this.tickStamp === 0xffffffff) {
      this.table.stamp.fill(0);
      this.tickStamp = 1;
    }
    const touched = this.touched;
    touched.length = 0;
    book.downExtreme.collect(-lo, this.reach);
    book.upExtreme.collect(hi, this.reach);
    book.downLast.collect(-price, this.reach);
    book.upLast.collect(price, this.reach);
    if (touched.length > 1) this.sortByAddOrder(touched);
    for (let i = 0; i < touched.length; i++) {
      const h = touched[i]!;
      evaluatePosition(this.table, h, price, lo, hi, out);
      this.refresh(h);
    }
  }

  /** Puts the position's current levels into its symbol's heaps (or takes it out if suspended). */
  private refresh(h: number): void {
    const t = this.table;
    if ((t.flags[h]! & SUSPENDED) !== 0) {
      this.unlink(h);
      return;
    }
    const book = this.books[t.book[h]!]!;
    const levels = this.levels;
    levelsOf(t, h, levels);
    // Down heaps are min-heaps of −level.
    setKey(book.downExtreme, h, -levels[EXTREME_DOWN]!);
    setKey(book.upExtreme, h, levels[EXTREME_UP]!);
    setKey(book.downLast, h, -levels[LAST_DOWN]!);
    setKey(book.upLast, h, levels[LAST_UP]!);
  }

  private unlink(h: number): void {
    const book = this.books[this.table.book[h]!]!;
    book.downExtreme.delete(h);
    book.upExtreme.delete(h);
    book.downLast.delete(h);
    book.upLast.delete(h);
  }

  /** Sorts handles by add order: insertion sort when few, else a numeric sort of packed keys. */
  private sortByAddOrder(hs: number[]): void {
    const t = this.table;
    const seq = t.seq;
    const n = hs.length;
    if (n <= 16) {
      for (let i = 1; i < n; i++) {
        const h = hs[i]!;
        const s = seq[h]!;
        let j = i - 1;
        while (j >= 0 && seq[hs[j]!]! > s) {
          hs[j + 1] = hs[j]!;
          j--;
        }
        hs[j + 1] = h;
      }
      return;
    }
    // seq · capacity + handle is exact below 2^53 and sorts by seq (unique per position).
    const cap = t.capacity;
    if (this.addSeq * cap >= Number.MAX_SAFE_INTEGER) {
      hs.sort((a, b) => seq[a]! - seq[b]!);
      return;
    }
    if (this.sortKeys.length < n) this.sortKeys = new Float64Array(Math.max(n, 2 * this.sortKeys.length));
    const keys = this.sortKeys.subarray(0, n);
    for (let i = 0; i < n; i++) keys[i] = seq[hs[i]!]! * cap + hs[i]!;
    keys.sort();
    for (let i = 0; i < n; i++) hs[i] = keys[i]! % cap;
  }

  private handleOf(id: string): number {
    const h = this.handles.get(id);
    if (h === undefined) {
      throw new WardenError('WARDEN_INTERNAL', `trigger index: position ${id} is not watched`, {
        positionId: id,
      });
    }
    return h;
  }

  private rulesOf(thresholds: TriggerThresholds): TriggerRules {
    let rules = this.compiled.get(thresholds);
    if (rules === undefined) {
      rules = compileRules(thresholds);
      this.compiled.set(thresholds, rules);
    }
    return rules;
  }

  private bookFor(symbol: string): number {
    let b = this.bookOf.get(symbol);
    if (b === undefined) {
      b = this.books.length;
      const t = this.table;
      this.books.push({
        symbol,
        downExtreme: new IndexedHeap(t, SLOT_DOWN_EXTREME),
        upExtreme: new IndexedHeap(t, SLOT_UP_EXTREME),
        downLast: new IndexedHeap(t, SLOT_DOWN_LAST),
        upLast: new IndexedHeap(t, SLOT_UP_LAST),
      });
      this.bookOf.set(symbol, b);
    }
    return b;
  }
}

/** A key of +Infinity means "no level": the position leaves that heap. */
function setKey(heap: IndexedHeap, h: number, key: number): void {
  if (key === Number.POSITIVE_INFINITY) heap.delete(h);
  else heap.set(h, key);
}

function checkPrice(id: string, field: string, value: number): void {
  if (!(value > 0 && value < Number.POSITIVE_INFINITY)) {
    throw new WardenError('WARDEN_INTERNAL', `trigger index: ${field} of ${id} must be a positive number`, {
      positionId: id,
      [field]: value,
    });
  }
}
