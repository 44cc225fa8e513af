/*
 * Request limits of the LLM policy. Written here rather than taken from p-limit or p-queue:
 * the rate window runs on the policy's injected clock (so tests and replays control it), and a
 * request is admitted only when its slot opens before the decision's deadline, which those
 * libraries, built on real timers, cannot answer up front.
 */

/** Releases a slot taken from a {@link ConcurrencyGate}; calling it again does nothing. */
export type Release = () => void;

/**
 * Bounds the requests in flight. Waiters are served in arrival order, and a slot that is released
 * passes straight to the next waiter, so a late arrival cannot overtake the queue.
 */
export class ConcurrencyGate {
  readonly #limit: number;
  #inFlight = 0;
  readonly #waiters: ((release: Release) => void)[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit ${limit} is not ≥ 1`);
    this.#limit = limit;
  }

  /** Slots taken now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Callers waiting for a slot. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Takes a slot, waiting for one if all are taken. Resolves with the release function, or with
   * `undefined` when `signal` aborts first (the caller then holds nothing). Never rejects.
   */
  acquire(signal: AbortSignal): Promise<Release | undefined> {
    if (signal.aborted) return Promise.resolve(undefined);
    if (this.#inFlight < this.#limit) {
      this.#inFlight++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve) => {
      const waiter = (release: Release) => {
        signal.removeEventListener('abort', onAbort);
        resolve(release);
      };
      const onAbort = () => {
        const at = this.#waiters.indexOf(waiter);
        if (at >= 0) this.#waiters.splice(at, 1);
        resolve(undefined);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #releaser(): Release {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const next = this.#waiters.shift();
      if (next) next(this.#releaser());
      else this.#inFlight--;
    };
  }
}

/** The outcome of asking a {@link SlidingWindowLimiter} for a request slot. */
export type Reservation =
  | { readonly granted: true /** Wait this long, then send. */; readonly waitMs: number }
  | {
      readonly granted: false /** When the earliest free slot opens, from now. */;
      readonly nextInMs: number;
    };

/**
 * At most `limit` requests start in any `windowMs` (a sliding window, not a fixed minute), on
 * the injected clock. A caller reserves its start time before it sends; when the window is full
 * the reservation is for the moment the oldest start leaves it, granted only if that lies within
 * the wait the caller can afford. Start times are kept in order, so the check is the start
 * `limit` places back.
 */
export class SlidingWindowLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  /** Reserved start times, ascending; some may lie in the future. */
  readonly #starts: number[] = [];

  constructor(limit: number, windowMs: number, now: () => number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`rate limit ${limit} is not ≥ 1`);
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Starts reserved in the window that ends now (including reserved future starts). */
  get used(): number {
    this.#prune(this.#now());
    return this.#starts.length;
  }

  /** Reserves the earliest start within `maxWaitMs` from now, or reserves nothing. */
  reserve(maxWaitMs: number): Reservation {
    const now = this.#now();
    this.#prune(now);
    const blocking = this.#starts[this.#starts.length - this.#limit];
    const start = blocking === undefined ? now : Math.max(now, blocking + this.#windowMs);
    const waitMs = start - now;
    if (waitMs > maxWaitMs) return { granted: false, nextInMs: waitMs };
    this.#starts.push(start);
    return { granted: true, waitMs };
  }

  #prune(now: number): void {
    let expired = 0;
    while (expired < this.#starts.length && (this.#starts[expired] as number) <= now - this.#windowMs)
      expired++;
    if (expired > 0) this.#starts.splice(0, expired);
  }
}

/**
 * Waits `ms` on the real clock, or less if `signal` aborts. Resolves `true` when the full wait
 * passed, `false` when it was cut short. Never rejects.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Marks the moment a {@link Deadline} passed. */
export const TIMED_OUT: unique symbol = Symbol('timed out');

/** The time one decision may take, on the real clock. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Resolves when the time is up (and stays pending if the deadline is cleared first). */
  readonly expired: Promise<typeof TIMED_OUT>;
  /** What is left of it, in ms (0 once passed). */
  remainingMs(): number;
  /** Stops the timer; call it when the decision is done. */
  clear(): void;
}

/** A real-time deadline for one decision: aborts its signal when `ms` have passed. */
export function startDeadline(ms: number): Deadline {
  const controller = new AbortController();
  const startedAt = performance.now();
  let expire: () => void = () => {};
  const expired = new Promise<typeof TIMED_OUT>((resolve) => {
    expire = () => resolve(TIMED_OUT);
  });
  const timer = setTimeout(() => {
    controller.abort();
    expire();
  }, ms);
  return {
    signal: controller.signal,
    expired,
    remainingMs: () => Math.max(0, ms - (performance.now() - startedAt)),
    clear: () => clearTimeout(timer),
  };
}
