import { describe, expect, it } from 'vitest';
import { costUsd, DailySpendLedger, FREE } from '../../src/adapters/llm/openai-compatible/accounting.ts';
import { formatFallbackReason } from '../../src/adapters/llm/openai-compatible/fallback-reasons.ts';

describe('costUsd', () => {
  it('prices prompt and completion tokens per million', () => {
    // 1 234 × 2.50 + 87 × 10.00 = 3 085 + 870 = 3 955 µUSD.
    expect(costUsd(1234, 87, { inputPerMillion: 2.5, outputPerMillion: 10 })).toBeCloseTo(0.003955, 12);
    expect(costUsd(1_000_000, 0, { inputPerMillion: 0.15, outputPerMillion: 0.6 })).toBeCloseTo(0.15, 12);
    expect(costUsd(0, 1_000_000, { inputPerMillion: 0.15, outputPerMillion: 0.6 })).toBeCloseTo(0.6, 12);
  });

  it('is 0 without prices and for no tokens', () => {
    expect(costUsd(5000, 700, FREE)).toBe(0);
    expect(costUsd(0, 0, { inputPerMillion: 3, outputPerMillion: 15 })).toBe(0);
  });
});

describe('DailySpendLedger', () => {
  const DAY = 86_400_000;
  const midnight = Date.UTC(2026, 0, 6);

  it('sums a UTC day and starts the next one from zero', () => {
    let clock = midnight - 10;
    const ledger = new DailySpendLedger(() => clock);
    ledger.record(100, 10, 0.25);
    ledger.record(200, 20, 0.5);
    expect(ledger.today()).toEqual({ usd: 0.75, promptTokens: 300, completionTokens: 30, decisions: 2 });

    clock = midnight;
    expect(ledger.today()).toEqual({ usd: 0, promptTokens: 0, completionTokens: 0, decisions: 0 });
    ledger.record(1, 1, 0.125);
    clock = midnight + DAY - 1;
    expect(ledger.today()).toEqual({ usd: 0.125, promptTokens: 1, completionTokens: 1, decisions: 1 });
  });
});

describe('formatFallbackReason', () => {
  it('is CODE: detail on one line, the detail cut to 500 characters', () => {
    expect(formatFallbackReason({ code: 'HTTP_500', detail: 'bad\n  gateway' })).toBe(
      'HTTP_500: bad gateway',
    );
    const long = formatFallbackReason({ code: 'SCHEMA_INVALID', detail: 'x'.repeat(2000) });
    expect(long).toHaveLength('SCHEMA_INVALID: '.length + 500);
    expect(long.endsWith('…')).toBe(true);
  });
});
