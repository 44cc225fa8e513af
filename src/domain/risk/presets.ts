import { type Decimal, dec } from '../money.ts';
import type { AccountRules, ChallengeRules } from './rules.ts';

/** What a preset contributes to an account; every field can be overridden in the config. */
export interface Preset {
  readonly name: string;
  readonly description: string;
  /** Where the numbers come from, for a person to check them against the firm's current rules. */
  readonly source: string;
  /** The rules, from the account's starting balance (FTMO's limits are percentages of it). */
  readonly rules: (startingBalance: Decimal) => AccountRules;
  readonly challenge?: (startingBalance: Decimal) => ChallengeRules;
  /** Monitoring profile the account's positions use when they name none. */
  readonly profile?: string;
}

const CHICAGO_RESET = { time: '17:00', timezone: 'America/Chicago' } as const;

/**
 * Built-in presets. The figures are the firms' published rules as of 2025-2026; firms change them,
 * so every field can be overridden per account (see examples/README.md).
 */
export const PRESETS: Readonly<Record<string, Preset>> = {
  'topstep-50k': {
    name: 'topstep-50k',
    description:
      'Topstep $50K Trading Combine: $2,000 maximum loss trailing the end-of-day balance high up to the starting balance, 5 contracts, flat by 15:10 Chicago, trading resumes 17:00, no daily loss limit by default.',
    source:
      'Topstep Help Center: "Trading Combine parameters", "Maximum Loss Limit", "Daily Loss Limit" (optional personal limit), "Consistency target", "Trading hours" (help.topstep.com)',
    rules: () => ({
      day: CHICAGO_RESET,
      maxContracts: { limit: 5 },
      maxLoss: { amount: dec(2000), trailing: 'eod' },
      session: {
        timezone: 'America/Chicago',
        days: [1, 2, 3, 4, 5],
        open: '17:00',
        close: '15:10',
        flatBy: '15:10',
        holidays: [],
      },
    }),
    challenge: () => ({
      phase: 'Trading Combine',
      profitTarget: dec(3000),
      minTradingDays: 2,
      consistency: 0.5,
      failOn: ['MAX_LOSS'],
    }),
  },
  'ftmo-100k': {
    name: 'ftmo-100k',
    description:
      'FTMO Challenge, 100,000 account: maximum daily loss 5% of the initial balance below the balance at midnight Europe/Prague, on equity; maximum loss 10% of the initial balance; profit target 10%; 4 trading days.',
    source:
      'FTMO "Trading Objectives" (ftmo.com/en/trading-objectives): Max Daily Loss, Max Loss, Profit Target, Minimum Trading Days',
    rules: (start) => ({
      day: { time: '00:00', timezone: 'Europe/Prague' },
      dailyLoss: { limit: start.times('0.05'), manualReset: true },
      maxLoss: { amount: start.times('0.10'), trailing: 'none' },
    }),
    challenge: (start) => ({
      phase: 'FTMO Challenge',
      profitTarget: start.times('0.10'),
      minTradingDays: 4,
      failOn: ['DAILY_LOSS', 'MAX_LOSS'],
    }),
  },
  'retail-crypto': {
    name: 'retail-crypto',
    description:
      'A self-directed crypto account: daily loss 3% of the starting balance (halts until 00:00 UTC), any one position closed at an unrealized loss of 1.5% of the starting balance, trailing stops on.',
    source:
      'Warden defaults (no firm): common retail risk guidance of risking 1-2% per trade and stopping for the day at 3%',
    rules: (start) => ({
      day: { time: '00:00', timezone: 'UTC' },
      dailyLoss: { limit: start.times('0.03'), manualReset: false },
      unrealizedLoss: { limit: start.times('0.015') },
    }),
    profile: 'retail-crypto',
  },
};

export const PRESET_NAMES = Object.keys(PRESETS);
