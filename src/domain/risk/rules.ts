import type { Urgency } from '../events/envelope.ts';
import { rootSymbol } from '../instrument.ts';
import type { Decimal } from '../money.ts';
import type { DailyBoundary, SessionSpec } from './calendar.ts';

/**
 * Stable reason codes of the account rules (DESIGN.md "Risk"): the `rule` of
 * `Risk.Limit.Breached.v1`, the `reason` of `Risk.Trading.Halted.v1` holds and of enforcement.
 */
export const RULE_CODES = [
  'MAX_CONTRACTS',
  'MAX_CONTRACTS_PER_INSTRUMENT',
  'DAILY_LOSS',
  'DAILY_PROFIT_LOCK',
  'UNREALIZED_LOSS',
  'UNREALIZED_PROFIT',
  'MAX_LOSS',
  'TRADE_FREQUENCY',
  'COOLDOWN_AFTER_LOSS',
  'NO_STOP_LOSS',
  'SYMBOL_BLOCK',
  'SESSION_WINDOW',
  'SESSION_FLAT_BY',
  'CONNECTION_LOSS',
] as const;
export type RuleCode = (typeof RULE_CODES)[number];

/** What a breach makes the engine do, as recorded in `Risk.Limit.Breached.v1.action`. */
export type EnforcementAction =
  | 'FLATTEN_AND_HALT'
  | 'CLOSE_POSITION'
  | 'CLOSE_EXCESS'
  | 'COOLDOWN'
  | 'ALERT'
  | 'FLATTEN'
  | 'HALT';

/**
 * A broken rule as an evaluator reports it: what `Risk.Limit.Breached.v1` records (`rule`,
 * `limit`, `value`, `action`) and how urgent the event is. Money is a `Decimal`, counts and
 * seconds are numbers.
 */
export interface RuleBreach {
  readonly rule: RuleCode;
  readonly limit: Decimal | number;
  readonly value: Decimal | number;
  readonly action: EnforcementAction;
  readonly urgency: Urgency;
}

/** The parameters of TradeFrequencyLimit. */
export interface TradeFrequencyRule {
  readonly perMinute?: number;
  readonly perHour?: number;
  readonly perSession?: number;
  /** How long new entries are refused once a limit is exceeded. */
  readonly cooldownSeconds: number;
}

/** One tier of CooldownAfterLoss. */
export interface CooldownTier {
  /** A single close realizing at least this loss (a positive amount) … */
  readonly loss?: Decimal;
  /** … or this many losing closes in a row … */
  readonly consecutiveLosses?: number;
  /** … refuses new entries for this long. */
  readonly minutes: number;
}

/**
 * The rules of one account with every parameter resolved (preset ← account overrides). A rule that
 * is absent is off. Money limits are positive amounts in the account currency.
 */
export interface AccountRules {
  /** When the trading day ends: daily PnL, daily holds and frequency counts reset then. */
  readonly day: DailyBoundary;
  readonly maxContracts?: { readonly limit: number };
  readonly maxContractsPerInstrument?: {
    /** By symbol or root symbol (`RTY` covers `CON.F.US.RTY.H25`). */
    readonly limits: Readonly<Record<string, number>>;
    readonly default?: number;
  };
  /** Realized + unrealized PnL of the trading day (equity − balance at the day's start) ≤ −limit. */
  readonly dailyLoss?: { readonly limit: Decimal; readonly manualReset: boolean };
  /** Daily PnL ≥ limit: lock the profit in (flatten, halt until the daily reset). */
  readonly dailyProfitLock?: { readonly limit: Decimal };
  /** One position's unrealized PnL ≤ −limit closes it. */
  readonly unrealizedLoss?: { readonly limit: Decimal };
  /** One position's unrealized PnL ≥ limit closes it (takes the profit). */
  readonly unrealizedProfit?: { readonly limit: Decimal };
  /**
   * Equity ≤ floor flattens and halts until a manual reset. The floor is `start − amount`; with
   * `trailing: 'eod'` it trails the highest end-of-day balance (never falls) and stops trailing
   * once it reaches the starting balance.
   */
  readonly maxLoss?: { readonly amount: Decimal; readonly trailing: 'eod' | 'none' };
  readonly tradeFrequency?: TradeFrequencyRule;
  readonly cooldownAfterLoss?: { readonly tiers: readonly CooldownTier[] };
  /** A position without a protective stop this long after its opening fill is closed. */
  readonly noStopLossGrace?: { readonly seconds: number };
  readonly symbolBlock?: { readonly symbols: readonly string[] };
  readonly session?: SessionSpec;
  /** What a lost venue connection does: an alert always; `pauseEntries` also refuses entries until it is back. */
  readonly connectionLoss?: { readonly pauseEntries: boolean };
}

/** Pre-trade limits on entries (DESIGN.md "Entry flow"); every one is optional. */
export interface EntryLimits {
  /** Minimum edge an entry needs (0.05 = 5%). */
  readonly minEdge: number;
  /** Fraction of the full Kelly bet (0.25 = quarter Kelly). */
  readonly kellyFraction: number;
  readonly maxPositions?: number;
  /** Largest notional in one market, account currency. */
  readonly maxExposurePerMarket?: Decimal;
  /** Largest notional over all markets, account currency. */
  readonly maxExposureTotal?: Decimal;
  /** Largest notional of one entry as a share of equity. */
  readonly maxBankrollFraction?: number;
  /** Refuse an entry whose returns correlate at least this much with an open position in the same direction. */
  readonly maxCorrelation?: number;
  /** Orders an account may send per minute (entries only; exits and enforcement are never limited). */
  readonly maxOrdersPerMinute?: number;
  /** How long an entry limit order works before it is walked or cancelled. */
  readonly orderTimeoutSeconds: number;
  /** Cancel-and-replace steps one tick more aggressive before an unfilled entry is cancelled. */
  readonly walks: number;
}

/** A prop-firm evaluation the account is in: what passes it. */
export interface ChallengeRules {
  readonly phase: string;
  /** Profit over the starting balance that completes the phase. */
  readonly profitTarget: Decimal;
  readonly minTradingDays: number;
  /** Best day's share of total profit must stay below this (0.5 = 50%), when set. */
  readonly consistency?: number;
  /** Rules whose breach fails the evaluation (others are enforced and recorded as violations). */
  readonly failOn: readonly RuleCode[];
}

/** Everything the risk engine enforces for one account. */
export interface AccountRiskSpec {
  readonly accountId: string;
  readonly preset?: string;
  readonly rules: AccountRules;
  readonly entry: EntryLimits;
  readonly challenge?: ChallengeRules;
}

/** Whether the account's symbol block covers `symbol`, by itself or by its root (`RTY` covers `CON.F.US.RTY.H25`). */
export function isSymbolBlocked(rules: AccountRules, symbol: string): boolean {
  const blocked = rules.symbolBlock?.symbols;
  if (blocked === undefined) return false;
  const root = rootSymbol(symbol);
  return blocked.some((b) => b === symbol || b === root);
}

/** The per-instrument contract limit for `symbol`: by symbol, then by root symbol, then the default. */
export function instrumentLimit(rules: AccountRules, symbol: string): number | undefined {
  const per = rules.maxContractsPerInstrument;
  return per && (per.limits[symbol] ?? per.limits[rootSymbol(symbol)] ?? per.default);
}
