/** Cancels a scheduled timer; calling it after the timer fired does nothing. */
export type CancelTimer = () => void;

/**
 * The engine's only source of time. The system clock reads the wall clock and uses real timers;
 * the simulated clock is driven by tick timestamps so that a replay is deterministic.
 */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
  /**
   * Runs `callback` once the clock reaches `at` (epoch ms). Timers due at the same moment run in
   * the order they were scheduled. A time in the past runs at the next opportunity.
   */
  schedule(at: number, callback: () => void): CancelTimer;
}
