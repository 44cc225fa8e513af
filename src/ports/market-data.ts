import type { InputProblem, SourcedTick } from '../domain/tick.ts';

export type { InputProblem, SourcedTick, Tick } from '../domain/tick.ts';

/**
 * A source of ticks: a file, a generator, a venue's stream. Yields ticks in the order it has them;
 * validating them against the configuration is the engine's job.
 */
export interface MarketDataSource {
  /** Ticks until the source ends or `signal` aborts. Problems in the raw records go to `onProblem`. */
  ticks(options: {
    signal?: AbortSignal;
    onProblem?: (problem: InputProblem) => void;
  }): AsyncIterable<SourcedTick>;
}
