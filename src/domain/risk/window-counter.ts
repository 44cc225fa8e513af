/**
 * Counts events in a sliding time window: at time `now` an event at `ts` counts while
 * now − windowMs < ts <= now. Events live in a ring buffer that doubles when full, so recording
 * and expiring are amortised O(1) however many events the window holds.
 *
 * Time only moves forward: every call takes the current time, and a time earlier than one
 * already seen (by any method) throws a `RangeError`, since expired events are gone.
 */
export class WindowCounter {
  private readonly windowMs: number;
  private events = new Float64Array(16);
  private head = 0;
  private size = 0;
  private latest = Number.NEGATIVE_INFINITY;

  /** @throws RangeError when `windowMs` is not a positive finite number. */
  constructor(windowMs: number) {
    if (!(windowMs > 0 && Number.isFinite(windowMs))) {
      throw new RangeError(`windowMs ${windowMs} is not a positive finite number`);
    }
    this.windowMs = windowMs;
  }

  /**
   * Records one event at `ts` and returns the count within (ts − windowMs, ts], this one included.
   *
   * @throws RangeError when `ts` is not finite or is earlier than a time already seen.
   */
  record(ts: number): number {
    this.advance(ts);
    if (this.size === this.events.length) this.grow();
    this.events[(this.head + this.size) & (this.events.length - 1)] = ts;
    this.size += 1;
    return this.size;
  }

  /**
   * The number of events within (now − windowMs, now].
   *
   * @throws RangeError when `now` is not finite or is earlier than a time already seen.
   */
  count(now: number): number {
    this.advance(now);
    return this.size;
  }

  /**
   * The timestamp of the oldest event still counted at `now`, or undefined when none is; the
   * count next drops at that timestamp + windowMs.
   *
   * @throws RangeError when `now` is not finite or is earlier than a time already seen.
   */
  oldest(now: number): number | undefined {
    this.advance(now);
    return this.size === 0 ? undefined : this.events[this.head];
  }

  /** Forgets every event and the latest time seen, as if newly constructed. */
  clear(): void {
    this.head = 0;
    this.size = 0;
    this.latest = Number.NEGATIVE_INFINITY;
  }

  private advance(now: number): void {
    if (!Number.isFinite(now)) throw new RangeError(`time ${now} is not finite`);
    if (now < this.latest) {
      throw new RangeError(`time went backwards: ${now} is earlier than ${this.latest}`);
    }
    this.latest = now;
    const cutoff = now - this.windowMs;
    const mask = this.events.length - 1;
    while (this.size > 0 && (this.events[this.head] as number) <= cutoff) {
      this.head = (this.head + 1) & mask;
      this.size -= 1;
    }
  }

  /** Doubles the buffer, moving the events to its start in order. */
  private grow(): void {
    const next = new Float64Array(this.events.length * 2);
    const tail = this.events.subarray(this.head);
    next.set(tail);
    next.set(this.events.subarray(0, this.head), tail.length);
    this.events = next;
    this.head = 0;
  }
}
