import type { Decimal } from '../money.ts';
import { type DailyBoundary, nextBoundary } from './calendar.ts';
import type { CooldownTier, RuleBreach, TradeFrequencyRule } from './rules.ts';

// TradeFrequencyLimit and CooldownAfterLoss (DESIGN.md "Risk"): both refuse new entries for a while.

/** A cooldown's breach and the time (epoch ms) its hold ends. */
export interface CooldownBreach extends RuleBreach {
  readonly rule: 'TRADE_FREQUENCY' | 'COOLDOWN_AFTER_LOSS';
  readonly action: 'COOLDOWN';
  readonly until: number;
}

/** Trades counted at a fill: in the last minute, the last hour, and the trading day (this one included). */
export interface TradeCounts {
  readonly perMinute: number;
  readonly perHour: number;
  readonly today: number;
}

/**
 * The trade frequency limit broken at `now` by `counts`, checked per minute, per hour, then per
 * session. A minute or hour limit cools down for the rule's seconds; the session limit until the
 * day's end.
 */
export function tradeFrequencyBreach(
  rule: TradeFrequencyRule | undefined,
  counts: TradeCounts,
  now: number,
  day: DailyBoundary,
): CooldownBreach | undefined {
  if (rule === undefined) return undefined;
  const over =
    rule.perMinute !== undefined && counts.perMinute > rule.perMinute
      ? { limit: rule.perMinute, value: counts.perMinute, until: now + rule.cooldownSeconds * 1000 }
      : rule.perHour !== undefined && counts.perHour > rule.perHour
        ? { limit: rule.perHour, value: counts.perHour, until: now + rule.cooldownSeconds * 1000 }
        : rule.perSession !== undefined && counts.today > rule.perSession
          ? { limit: rule.perSession, value: counts.today, until: nextBoundary(now, day) }
          : undefined;
  if (over === undefined) return undefined;
  return { rule: 'TRADE_FREQUENCY', ...over, action: 'COOLDOWN', urgency: 'HIGH' };
}

/**
 * The cooldown a losing close at `now` starts, if any: of the tiers it meets (a single loss of at
 * least the tier's amount, or at least the tier's losses in a row), the longest. The breach names
 * the amount when the loss met the tier, else the run of losses.
 */
export function cooldownAfterLossBreach(
  tiers: readonly CooldownTier[],
  loss: Decimal,
  consecutiveLosses: number,
  now: number,
): CooldownBreach | undefined {
  let minutes = 0;
  let tier: CooldownTier | undefined;
  for (const t of tiers) {
    const hit =
      (t.loss !== undefined && loss.gte(t.loss)) ||
      (t.consecutiveLosses !== undefined && consecutiveLosses >= t.consecutiveLosses);
    if (hit && t.minutes > minutes) {
      minutes = t.minutes;
      tier = t;
    }
  }
  if (tier === undefined) return undefined;
  const byCount = tier.loss === undefined || loss.lt(tier.loss);
  return {
    rule: 'COOLDOWN_AFTER_LOSS',
    limit: byCount ? tier.consecutiveLosses! : tier.loss!,
    value: byCount ? consecutiveLosses : loss,
    action: 'COOLDOWN',
    urgency: 'HIGH',
    until: now + minutes * 60_000,
  };
}
