import { setTimeout as sleepFor, setImmediate as yieldToLoop } from 'node:timers/promises';
import { WardenError } from '../../domain/errors.ts';
import {
  initialPathState,
  type PathStep,
  type ResolvedPath,
  resolvePath,
  type SyntheticPathParams,
  stepPath,
} from '../../domain/synthetic-path.ts';
import type { MarketDataSource, SourcedTick } from '../../ports/market-data.ts';

export interface SyntheticFeedOptions extends SyntheticPathParams {
  /** Any integer; the same seed and options give the same ticks. */
  readonly seed: number;
  /** Total ticks over all symbols; unbounded when absent. */
  readonly count?: number;
  /**
   * `full`: as fast as the consumer takes them (backtests). `live`: one tick per tickIntervalMs of
   * real time; pass startTime = clock.now() so the timestamps track the clock.
   */
  readonly pace: 'full' | 'live';
  /** Waits `ms` or rejects when `signal` aborts; for tests. Default: node's timers/promises setTimeout. */
  readonly sleep?: (ms: number, signal: AbortSignal | undefined) => Promise<void>;
}

export interface SyntheticFeed extends MarketDataSource {
  /** The parameters with their defaults filled in. */
  readonly path: ResolvedPath;
  /**
   * The same ticks as `ticks`, synchronously and with the regime and jumps of each move; ignores
   * the pace. For tests, benchmarks and anyone who wants the path without the event loop.
   */
  steps(): Generator<PathStep, void, undefined>;
}

/** Ticks at full pace between two turns of the event loop, so timers and aborts still run. */
const BATCH = 4096;

const defaultSleep = (ms: number, signal: AbortSignal | undefined): Promise<void> =>
  sleepFor(ms, undefined, signal === undefined ? undefined : { signal });

/**
 * A seeded synthetic feed (see domain/synthetic-path.ts for the model). Tick i is stamped
 * startTime + i·tickIntervalMs at either pace. Every call to `ticks` or `steps` starts the path
 * again from the seed. Aborting the signal ends the iteration without an error. Throws
 * `WARDEN_CONFIG_INVALID` at once for bad options.
 */
export function createSyntheticFeed(options: SyntheticFeedOptions): SyntheticFeed {
  const path = resolvePath(options);
  const count = options.count ?? Number.POSITIVE_INFINITY;
  if (!(count >= 0) || (Number.isFinite(count) && !Number.isInteger(count))) {
    throw new WardenError(
      'WARDEN_CONFIG_INVALID',
      `synthetic feed: count must be a whole number ≥ 0, got ${options.count}`,
    );
  }
  initialPathState(path, options.seed); // validates the seed now rather than at the first tick
  const sleep = options.sleep ?? defaultSleep;

  function* steps(): Generator<PathStep, void, undefined> {
    let state = initialPathState(path, options.seed);
    for (let i = 0; i < count; i++) {
      const step = stepPath(path, state);
      state = step.state;
      yield step;
    }
  }

  return {
    path,
    steps,
    async *ticks({ signal }): AsyncGenerator<SourcedTick, void, undefined> {
      let i = 0;
      for (const step of steps()) {
        if (signal?.aborted) return;
        if (options.pace === 'live') {
          if (i > 0) {
            try {
              await sleep(options.tickIntervalMs, signal);
            } catch (e) {
              if (signal?.aborted) return;
              throw e;
            }
            if (signal?.aborted) return;
          }
        } else if (i > 0 && i % BATCH === 0) {
          await yieldToLoop();
          if (signal?.aborted) return;
        }
        i += 1;
        yield step.tick;
      }
    },
  };
}
