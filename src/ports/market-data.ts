import type { InputProblem, SourcedTick, Tick } from '../domain/tick.ts';

export type { InputProblem, SourcedTick, Tick } from '../domain/tick.ts';

/**
 * A connection going down or coming back: a venue's (`Venue.onConnection`) or a market data
 * feed's (`MarketDataSource.onConnection`). The ConnectionLoss rule and the stale-feed watchdog
 * listen to them.
 */
// Sample: { connected: false, message: 'paper venue outage for 120 s (scripted)', at: 1735689660000 }
export interface ConnectionEvent {
  /** True when the connection is (back) up, false when it was lost. */
  readonly connected: boolean;
  /** What happened, for people: the cause of a loss, what was resynchronised on a reconnection. */
  readonly message: string;
  /** When it happened, epoch ms on the engine clock. */
  readonly at: number;
}

/** What a market data source can do beyond yielding ticks; absent members are `false`. */
export interface MarketDataCapabilities {
  /**
   * `subscribe` and `unsubscribe` choose the symbols the source streams (a venue's WebSocket).
   * Without it the source streams what it has (a file, a generator).
   */
  readonly subscribe: boolean;
  /** `onConnection` reports the feed's connection going down and coming back. */
  readonly connectionEvents: boolean;
}

/**
 * A source of ticks: a file, a generator, a venue's stream. Yields ticks in the order it has them;
 * validating them against the configuration is the engine's job.
 *
 * A live source (a venue's market data) also says which symbols it streams and whether it is
 * connected: those members are optional, and `capabilities` says which ones a source has, so a
 * file source (csv, synthetic) stays a plain `ticks()`.
 */
export interface MarketDataSource {
  /** Ticks until the source ends or `signal` aborts. Problems in the raw records go to `onProblem`. */
  ticks(options: {
    signal?: AbortSignal;
    onProblem?: (problem: InputProblem) => void;
  }): AsyncIterable<SourcedTick>;
  /** What the source can do; a source without it can do neither. */
  readonly capabilities?: MarketDataCapabilities;
  /**
   * Adds symbols to the stream (each a configured symbol; one already subscribed is left alone).
   * Resolves once the source has asked for them; their ticks follow through `ticks()`. A source
   * resubscribes by itself after a reconnection. Present when `capabilities.subscribe`.
   */
  subscribe?(symbols: readonly string[]): Promise<void>;
  /** Stops streaming symbols (one not subscribed is left alone). Present when `capabilities.subscribe`. */
  unsubscribe?(symbols: readonly string[]): Promise<void>;
  /**
   * Registers a listener for the feed's connection going down and coming back; returns an
   * unsubscribe function. Present when `capabilities.connectionEvents`.
   */
  onConnection?(listener: (event: ConnectionEvent) => void): () => void;
}

/**
 * Something fed the market as it happens, in tick order: what a simulated venue (the paper
 * venue) implements to match its resting orders. The pipeline feeds every such consumer a tick
 * before the account book sees it, so an order placed on an earlier tick fills at this tick's
 * price before any rule reacts to the price; a real venue matches at the exchange and is not one.
 */
export interface MarketDataConsumer {
  /**
   * Takes one accepted tick (already validated: known symbol, positive prices, in order).
   * Synchronous: whatever the tick causes (fills, their reports) has happened when it returns.
   */
  onTick(tick: Tick): void;
}
