import type { CancelTimer, Clock } from '../../ports/clock.ts';
import { TimerQueue } from './timer-queue.ts';

/**
 * A clock that moves only when told to: a replay advances it to each tick's timestamp, tests
 * advance it by hand. Due timers run inside `advanceTo`, in time order, each seeing `now()` equal
 * to its own due time, so a replay is deterministic and no test sleeps.
 */
export class SimulatedClock implements Clock {
  private current: number;
  private readonly timers = new TimerQueue();

  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  schedule(at: number, callback: () => void): CancelTimer {
    const timer = this.timers.push(Math.max(at, this.current), callback);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Moves time forward to `to`, running every timer due at or before it. Never moves backwards. */
  advanceTo(to: number): void {
    for (let t = this.timers.peek(); t !== undefined && t.at <= to; t = this.timers.peek()) {
      this.timers.pop();
      if (t.at > this.current) this.current = t.at;
      t.callback();
    }
    if (to > this.current) this.current = to;
  }

  /**
   * Runs the earliest timer due at or before `to` (moving time to it) and returns true, or returns
   * false when none is due. Lets a replay settle async work a timer started before the next one.
   */
  runNextTimer(to: number): boolean {
    const t = this.timers.peek();
    if (t === undefined || t.at > to) return false;
    this.timers.pop();
    if (t.at > this.current) this.current = t.at;
    t.callback();
    return true;
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.current + ms);
  }

  /** Due time of the next pending timer, if any. */
  nextTimerAt(): number | undefined {
    return this.timers.peek()?.at;
  }
}
