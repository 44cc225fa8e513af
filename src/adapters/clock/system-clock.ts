import type { CancelTimer, Clock } from '../../ports/clock.ts';

/** Longest delay `setTimeout` accepts; longer timers are chained. */
const MAX_DELAY = 2_147_483_647;

/** The wall clock, with real timers. For the live daemon only; replays and tests use SimulatedClock. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  schedule(at: number, callback: () => void): CancelTimer {
    let handle: NodeJS.Timeout | undefined;
    let cancelled = false;
    const arm = () => {
      const delay = at - Date.now();
      if (delay <= 0) {
        handle = setTimeout(() => {
          if (!cancelled) callback();
        }, 0);
      } else {
        handle = setTimeout(arm, Math.min(delay, MAX_DELAY));
      }
      handle.unref?.();
    };
    arm();
    return () => {
      cancelled = true;
      if (handle !== undefined) clearTimeout(handle);
    };
  }
}
