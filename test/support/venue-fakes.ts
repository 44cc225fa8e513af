import type { CancelTimer, Clock } from '../../src/ports/clock.ts';
import type { IdGenerator } from '../../src/ports/ids.ts';

/** A clock that only moves when a test sets `now`; due timers run in schedule order. */
export class FakeClock implements Clock {
  private current: number;
  private readonly timers: { at: number; seq: number; callback: () => void }[] = [];
  private seq = 0;

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  get time(): number {
    return this.current;
  }

  /** Moves the clock to `at` and runs every timer due by then. */
  set time(at: number) {
    this.current = at;
    const due = this.timers.filter((t) => t.at <= at).sort((a, b) => a.at - b.at || a.seq - b.seq);
    for (const t of due) {
      this.timers.splice(this.timers.indexOf(t), 1);
      t.callback();
    }
  }

  now(): number {
    return this.current;
  }

  schedule(at: number, callback: () => void): CancelTimer {
    const timer = { at, seq: this.seq++, callback };
    this.timers.push(timer);
    return () => {
      const i = this.timers.indexOf(timer);
      if (i >= 0) this.timers.splice(i, 1);
    };
  }
}

/** Ids `id-1`, `id-2`, … in call order. */
export class FakeIds implements IdGenerator {
  private n = 0;

  next(): string {
    this.n += 1;
    return `id-${this.n}`;
  }
}
