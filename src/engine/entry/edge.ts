import type { Thesis } from '../../domain/position.ts';

/** What an edge source says: which market, which way, and how sure (DESIGN.md "Entry flow"). */
export interface Edge {
  readonly accountId: string;
  /** The market (symbol). */
  readonly symbol: string;
  readonly side: 'long' | 'short';
  /** Probability of the favourable outcome (binary contracts, or stop-and-target bets). */
  readonly probability?: number;
  /** Expected favourable move as a fraction of the price (with `confidence` as its probability). */
  readonly expectedMove?: number;
  /** 0 to 1; scales the size of a probability edge, is the probability of an expected-move edge. */
  readonly confidence?: number;
  /** Who says so: `demo`, a model name, a webhook. */
  readonly source: string;
  /** Limit price of the entry; the passive side of the quote (bid to buy, ask to sell) when absent. */
  readonly limitPrice?: number;
  readonly stopPrice?: number;
  readonly targetPrice?: number;
  readonly thesis?: Thesis;
  /** Monitoring profile of the position. */
  readonly profile?: string;
  /** A binary contract priced in (0, 1). */
  readonly binary?: boolean;
}
