import { type Decimal, dec } from '../../domain/money.ts';
import { PRESETS } from '../../domain/risk/presets.ts';
import type { AccountRiskSpec, AccountRules, ChallengeRules, EntryLimits } from '../../domain/risk/rules.ts';
import type { ChallengeInput, EntryInput, RulesInput } from './risk-schema.ts';
import type { AccountConfig, WardenConfig } from './schema.ts';

/** Entry limits when neither `risk.entry` nor the account says otherwise (DESIGN.md "Entry flow"). */
export const DEFAULT_ENTRY: EntryLimits = {
  minEdge: 0.05,
  kellyFraction: 0.25,
  orderTimeoutSeconds: 30,
  walks: 2,
};

/**
 * The rules of every account: the preset's (or `risk.rules` for an account without one), then the
 * account's own `rules` on top, field by field; `null` removes a rule.
 */
export function riskSpecsOf(config: WardenConfig): Map<string, AccountRiskSpec> {
  const specs = new Map<string, AccountRiskSpec>();
  for (const account of config.accounts) specs.set(account.id, riskSpecOf(config, account));
  return specs;
}

export function riskSpecOf(config: WardenConfig, account: AccountConfig): AccountRiskSpec {
  const balance = dec(account.balance);
  const preset = account.preset !== undefined ? PRESETS[account.preset] : undefined;
  const day = { time: config.risk.day.resetTime, timezone: config.risk.day.timezone };
  let rules: AccountRules =
    preset !== undefined ? preset.rules(balance) : applyRules({ day }, config.risk.rules);
  if (account.rules !== undefined) rules = applyRules(rules, account.rules);
  const entry = applyEntry(applyEntry(DEFAULT_ENTRY, config.risk.entry), account.entry ?? {});
  const base = preset?.challenge?.(balance);
  const challenge = account.challenge === undefined ? base : applyChallenge(base, account.challenge);
  return {
    accountId: account.id,
    ...(account.preset !== undefined ? { preset: account.preset } : {}),
    rules,
    entry,
    ...(challenge !== undefined ? { challenge } : {}),
  };
}

/** Monitoring profile per account from its preset, for positions that name none. */
export function accountProfilesOf(config: WardenConfig): Map<string, string> {
  const out = new Map<string, string>();
  for (const a of config.accounts) {
    const profile = a.preset !== undefined ? PRESETS[a.preset]?.profile : undefined;
    if (profile !== undefined) out.set(a.id, profile);
  }
  return out;
}

function applyRules(base: AccountRules, input: RulesInput): AccountRules {
  const out: Record<string, unknown> = { ...base };
  const set = (key: keyof AccountRules, value: unknown) => {
    if (value === undefined) return;
    if (value === null) delete out[key];
    else out[key] = value;
  };
  if (input.day !== undefined) out.day = { time: input.day.resetTime, timezone: input.day.timezone };
  set('maxContracts', input.maxContracts);
  set(
    'maxContractsPerInstrument',
    input.maxContractsPerInstrument &&
      (input.maxContractsPerInstrument.default !== undefined
        ? {
            limits: input.maxContractsPerInstrument.symbols,
            default: input.maxContractsPerInstrument.default,
          }
        : { limits: input.maxContractsPerInstrument.symbols }),
  );
  set(
    'dailyLoss',
    input.dailyLoss && { limit: dec(input.dailyLoss.limit), manualReset: input.dailyLoss.manualReset },
  );
  set('dailyProfitLock', input.dailyProfitLock && { limit: dec(input.dailyProfitLock.limit) });
  set('unrealizedLoss', input.unrealizedLoss && { limit: dec(input.unrealizedLoss.limit) });
  set('unrealizedProfit', input.unrealizedProfit && { limit: dec(input.unrealizedProfit.limit) });
  set('maxLoss', input.maxLoss && { amount: dec(input.maxLoss.amount), trailing: input.maxLoss.trailing });
  set('tradeFrequency', input.tradeFrequency);
  set(
    'cooldownAfterLoss',
    input.cooldownAfterLoss && {
      tiers: input.cooldownAfterLoss.tiers.map((t) => ({
        minutes: t.minutes,
        ...(t.loss !== undefined ? { loss: dec(t.loss) } : {}),
        ...(t.consecutiveLosses !== undefined ? { consecutiveLosses: t.consecutiveLosses } : {}),
      })),
    },
  );
  set('noStopLossGrace', input.noStopLossGrace);
  set('symbolBlock', input.symbolBlock);
  set('session', input.session);
  set('connectionLoss', input.connectionLoss);
  return out as unknown as AccountRules;
}

function applyEntry(base: EntryLimits, input: EntryInput): EntryLimits {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    out[key] = key === 'maxExposurePerMarket' || key === 'maxExposureTotal' ? dec(value as string) : value;
  }
  return out as unknown as EntryLimits;
}

function applyChallenge(base: ChallengeRules | undefined, input: ChallengeInput): ChallengeRules | undefined {
  const profitTarget: Decimal | undefined =
    input.profitTarget !== undefined ? dec(input.profitTarget) : base?.profitTarget;
  if (profitTarget === undefined) return base;
  const consistency = input.consistency === null ? undefined : (input.consistency ?? base?.consistency);
  return {
    phase: input.phase ?? base?.phase ?? 'Evaluation',
    profitTarget,
    minTradingDays: input.minTradingDays ?? base?.minTradingDays ?? 0,
    ...(consistency !== undefined ? { consistency } : {}),
    failOn: input.failOn ?? base?.failOn ?? ['MAX_LOSS'],
  };
}
