/**
 * Where each handle sits in each of the heaps that share this table: `pos[handle · stride + slot]`,
 * −1 when absent. The owner of the handles grows `pos`; heaps read it through this object.
 */
export interface HeapPositions {
  pos: Int32Array;
  readonly stride: number;
}

/**
 * A binary min-heap of integer handles keyed by numbers, with O(log n) insert, update and delete
 * of any handle, and a report of every handle whose key is ≤ a bound in time proportional to their
 * number. Keys and handles live in typed arrays: no object per entry.
 */
export class IndexedHeap {
  private keys = new Float64Array(16);
  private items = new Int32Array(16);
  private n = 0;
  private readonly stack: number[] = [];

  constructor(
    private readonly positions: HeapPositions,
    private readonly slot: number,
  ) {}

  get size(): number {
    return this.n;
  }

  /** Inserts `handle` with `key`, or moves it to `key` if present. `key` must not be NaN. */
  set(handle: number, key: number): void {
    const at = handle * this.positions.stride + this.slot;
    const i = this.positions.pos[at]!;
    if (i >= 0) {
      const old = this.keys[i]!;
      if (key === old) return;
      this.keys[i] = key;
      if (key < old) this.up(i);
      else this.down(i);
      return;
    }
    if (this.n === this.keys.length) this.grow();
    const j = this.n++;
    this.keys[j] = key;
    this.items[j] = handle;
    this.positions.pos[at] = j;
    this.up(j);
  }

  delete(handle: number): void {
    const at = handle * this.positions.stride + this.slot;
    const i = this.positions.pos[at]!;
    if (i < 0) return;
    this.positions.pos[at] = -1;
    const last = --this.n;
    if (i === last) return;
    const old = this.keys[i]!;
    const key = this.keys[last]!;
    this.place(i, this.items[last]!, key);
    if (key < old) this.up(i);
    else this.down(i);
  }

  /** Smallest key, +Infinity when empty. */
  peek(): number {
    return this.n === 0 ? Number.POSITIVE_INFINITY : this.keys[0]!;
  }

  /** Calls `visit` for every handle whose key is ≤ `bound` (in heap order, not sorted). */
  collect(bound: number, visit: (handle: number) => void): void {
    if (this.n === 0 || this.keys[0]! > bound) return;
    const keys = this.keys;
    const n = this.n;
    const stack = this.stack;
    stack.push(0);
    while (stack.length > 0) {
      const i = stack.pop()!;
      visit(this.items[i]!);
      const l = 2 * i + 1;
      if (l < n && keys[l]! <= bound) stack.push(l);
      if (l + 1 < n && keys[l + 1]! <= bound) stack.push(l + 1);
    }
  }

  private place(i: number, handle: number, key: number): void {
    this.keys[i] = key;
    this.items[i] = handle;
    this.positions.pos[handle * this.positions.stride + this.slot] = i;
  }

  private up(i: number): void {
    const handle = this.items[i]!;
    const key = this.keys[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pk = this.keys[p]!;
      if (pk <= key) break;
      this.place(i, this.items[p]!, pk);
      i = p;
    }
    this.place(i, handle, key);
  }

  private down(i: number): void {
    const handle = this.items[i]!;
    const key = this.keys[i]!;
    const n = this.n;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.keys[c + 1]! < this.keys[c]!) c++;
      const ck = this.keys[c]!;
      if (ck >= key) break;
      this.place(i, this.items[c]!, ck);
      i = c;
    }
    this.place(i, handle, key);
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    this.keys = keys;
    const items = new Int32Array(this.items.length * 2);
    items.set(this.items);
    this.items = items;
  }
}
