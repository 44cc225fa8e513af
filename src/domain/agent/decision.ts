import { z } from 'zod';

/** What a decision policy may do about a position. */
export const DECISION_ACTIONS = ['HOLD', 'CLOSE', 'REDUCE', 'ADJUST_STOP', 'ADJUST_TARGET'] as const;
export type DecisionAction = (typeof DECISION_ACTIONS)[number];

const price = z.number().finite().positive();

/**
 * The decision contract: what every policy answers, and what an LLM's JSON must parse to.
 * `details` carries the numbers the action needs: `newStopPrice` for ADJUST_STOP,
 * `newTargetPrice` for ADJUST_TARGET, `reduceFraction` (0 < f < 1) for REDUCE.
 */
export const decisionSchema = z.strictObject({
  action: z.enum(DECISION_ACTIONS),
  confidence: z.number().min(0).max(1),
  reasoning: z.string().min(1).max(4_000),
  details: z
    .strictObject({
      newStopPrice: price.optional(),
      newTargetPrice: price.optional(),
      reduceFraction: z.number().gt(0).lt(1).optional(),
    })
    .optional(),
});

export type Decision = z.infer<typeof decisionSchema>;

/** A candle as a policy sees it: times ISO 8601, prices as numbers. */
export interface InputCandle {
  readonly openTime: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/**
 * Everything a policy is shown about one decision, as plain JSON: it is what an LLM prompt is
 * built from and what the decisions table keeps as the decision's inputs.
 */
export interface DecisionInput {
  /** What asked: a HIGH or MEDIUM event, or the close of a managed position's candle. */
  readonly trigger: {
    readonly type: string;
    readonly urgency?: string;
    readonly ts: string;
    readonly data: Readonly<Record<string, unknown>>;
  };
  readonly position: {
    readonly id: string;
    readonly accountId: string;
    readonly symbol: string;
    readonly side: 'long' | 'short';
    readonly quantity: number;
    readonly entryPrice: number;
    readonly stopPrice?: number;
    readonly targetPrice?: number;
    readonly price: number;
    /** Unrealized PnL in account currency, as a decimal string. */
    readonly pnl: string;
    readonly pnlPct: number;
    readonly ageHours: number;
    readonly lotSize: number;
    readonly tickSize: number;
  };
  /** The account's risk standing: trading state and the headroom left to each limit. */
  readonly account?: {
    readonly state: string;
    readonly balance: string;
    readonly dailyPnl: string;
    readonly headroom: Readonly<Record<string, string>>;
  };
  /** Recent candles of the position's symbol with indicators over them. */
  readonly market?: {
    readonly interval: string;
    readonly candles: readonly InputCandle[];
    readonly atr?: number;
    readonly rsi?: number;
    readonly swingHigh?: number;
    readonly swingLow?: number;
    /** (swing − price) / price × 100. */
    readonly toSwingHighPct?: number;
    readonly toSwingLowPct?: number;
  };
  /** The position's latest events, oldest first. */
  readonly recentEvents: readonly { readonly type: string; readonly ts: string; readonly summary: string }[];
}
