import { describe, expect, it } from 'vitest';
import {
  detailsText,
  formatDecision,
  formatDecisionSummary,
  oneLine,
  readDecisions,
  selectDecisions,
  totalDecisions,
} from '../../src/app/inspect/decisions.ts';
import type { DecisionRow, EventStore } from '../../src/ports/store.ts';

const T0 = Date.parse('2026-03-03T14:30:00.000Z');

const llm: DecisionRow = {
  id: 'D1',
  positionId: 'POS-A',
  accountId: 'TS1',
  decidedAt: T0,
  policy: 'llm',
  trigger: 'Position.Stop.Near.v1',
  action: 'ADJUST_STOP',
  confidence: 0.82,
  reasoning: 'Price holds above the swing low;\nraise the stop under it.',
  actionDetails: { newStopPrice: 4990.25 },
  stateAtDecision: { position: { id: 'POS-A' } },
  marketContext: { interval: '5m', candles: [] },
  rawResponse: '{"action":"ADJUST_STOP"}',
  latencyMs: 1234,
  promptTokens: 812,
  completionTokens: 96,
  cost: 0.000315,
  model: 'gpt-4o-mini',
  promptVersion: 'manage-position.v1',
};

const rules: DecisionRow = {
  id: 'D2',
  positionId: 'POS-B',
  accountId: 'TS2',
  decidedAt: T0 + 60_000,
  policy: 'rules',
  trigger: 'Market.Candle.Closed.v1',
  action: 'REDUCE',
  confidence: 0.8,
  reasoning: 'Half off at the first milestone.',
  actionDetails: { reduceFraction: 0.5 },
  latencyMs: 0,
};

const fallback: DecisionRow = {
  id: 'D3',
  positionId: 'POS-A',
  accountId: 'TS1',
  decidedAt: T0 + 120_000,
  policy: 'rules',
  trigger: 'Position.TakeProfit.Near.v1',
  action: 'HOLD',
  confidence: 1,
  reasoning: 'Nothing to do yet.',
  latencyMs: 30_002,
  model: 'gpt-4o-mini',
  fallbackReason: 'TIMEOUT: no answer within 30000 ms',
};

const rejected: DecisionRow = {
  id: 'D4',
  positionId: 'POS-A',
  accountId: 'TS1',
  decidedAt: T0 + 180_000,
  policy: 'rules',
  trigger: 'Position.Stop.Near.v1',
  action: 'ADJUST_TARGET',
  confidence: 0.7,
  reasoning: 'x'.repeat(400),
  actionDetails: { newTargetPrice: 5100 },
  latencyMs: 950,
  promptTokens: 700,
  completionTokens: 80,
  cost: 0.0003,
  model: 'gpt-4o-mini',
  promptVersion: 'manage-position.v1',
  fallbackReason: "GUARDRAIL_STOP_WIDENED: llm's decision refused (the stop would move away from the price)",
  rejected: {
    policy: 'llm',
    rule: 'STOP_WIDENED',
    why: 'the stop would move away from the price',
    proposed: {
      action: 'ADJUST_STOP',
      confidence: 0.9,
      reasoning: 'Give it room.',
      details: { newStopPrice: 4950 },
    },
  },
};

const ALL = [llm, rules, fallback, rejected];

describe('formatDecision', () => {
  it('shows an LLM decision: time, position, policy with model and prompt, action, usage', () => {
    expect(formatDecision(llm)).toEqual([
      '2026-03-03T14:30:00.000Z  POS-A on TS1  llm (gpt-4o-mini, prompt manage-position.v1)  Position.Stop.Near.v1',
      '  ADJUST_STOP new stop 4990.25, confidence 0.82, latency 1234 ms, tokens 812 in / 96 out, cost $0.000315',
      '  reasoning: Price holds above the swing low; raise the stop under it.',
    ]);
  });

  it('shows a rules decision without model, tokens or cost', () => {
    expect(formatDecision(rules)).toEqual([
      '2026-03-03T14:31:00.000Z  POS-B on TS2  rules  Market.Candle.Closed.v1',
      '  REDUCE reduce fraction 0.5, confidence 0.8, latency 0 ms',
      '  reasoning: Half off at the first milestone.',
    ]);
  });

  it('shows why the fallback answered', () => {
    const lines = formatDecision(fallback);
    expect(lines[0]).toBe(
      '2026-03-03T14:32:00.000Z  POS-A on TS1  rules (gpt-4o-mini)  Position.TakeProfit.Near.v1',
    );
    expect(lines[1]).toBe('  HOLD, confidence 1, latency 30002 ms');
    expect(lines).toContain('  fallback: TIMEOUT: no answer within 30000 ms');
    expect(lines.some((l) => l.startsWith('  rejected:'))).toBe(false);
  });

  it('shows the guardrail rule and what was proposed, and cuts a long reasoning', () => {
    const lines = formatDecision(rejected);
    expect(lines[1]).toBe(
      '  ADJUST_TARGET new target 5100, confidence 0.7, latency 950 ms, tokens 700 in / 80 out, cost $0.000300',
    );
    expect(lines[2]).toBe(
      "  fallback: GUARDRAIL_STOP_WIDENED: llm's decision refused (the stop would move away from the price)",
    );
    expect(lines[3]).toBe('  rejected: STOP_WIDENED: llm proposed ADJUST_STOP new stop 4950');
    expect(lines[4]).toBe(`  reasoning: ${'x'.repeat(159)}…`);
    for (const line of lines) expect(line).not.toContain('\n');
  });
});

describe('oneLine and detailsText', () => {
  it('keeps a short text, flattens whitespace, and cuts at the width with an ellipsis', () => {
    expect(oneLine('short')).toBe('short');
    expect(oneLine('  a\n\tb  ')).toBe('a b');
    expect(oneLine('y'.repeat(160))).toBe('y'.repeat(160));
    expect(oneLine('y'.repeat(161))).toBe(`${'y'.repeat(159)}…`);
    expect(oneLine('abcdef', 4)).toBe('abc…');
  });

  it('names the known numbers and keeps unknown members as JSON', () => {
    expect(detailsText(undefined)).toBe('');
    expect(detailsText({})).toBe('');
    expect(detailsText({ newStopPrice: 1, newTargetPrice: 2 })).toBe('new stop 1, new target 2');
    expect(detailsText({ reduceFraction: 0.25, note: 'x' })).toBe('reduce fraction 0.25, {"note":"x"}');
  });
});

describe('totalDecisions and formatDecisionSummary', () => {
  it('counts decisions per policy, tokens, cost, fallbacks and rejections', () => {
    const t = totalDecisions(ALL);
    expect(t).toEqual({
      count: 4,
      byPolicy: [
        ['rules', 3],
        ['llm', 1],
      ],
      promptTokens: 1512,
      completionTokens: 176,
      cost: 0.000315 + 0.0003,
      fallbacks: 2,
      rejections: 1,
    });
    expect(formatDecisionSummary(t)).toBe(
      '4 decisions (rules 3, llm 1), tokens 1512 in / 176 out, cost $0.0006, 2 fallbacks, 1 guardrail rejection',
    );
  });

  it('uses the singular for one and orders tied policies by name', () => {
    const one = formatDecisionSummary(totalDecisions([rules]));
    expect(one).toBe(
      '1 decision (rules 1), tokens 0 in / 0 out, cost $0.0000, 0 fallbacks, 0 guardrail rejections',
    );
    expect(totalDecisions([rules, llm]).byPolicy).toEqual([
      ['llm', 1],
      ['rules', 1],
    ]);
  });
});

describe('selectDecisions and readDecisions', () => {
  it('filters by account, policy and time, then cuts to the limit, keeping the order', () => {
    expect(selectDecisions(ALL, {}).map((d) => d.id)).toEqual(['D1', 'D2', 'D3', 'D4']);
    expect(selectDecisions(ALL, { accountId: 'TS1' }).map((d) => d.id)).toEqual(['D1', 'D3', 'D4']);
    expect(selectDecisions(ALL, { policy: 'llm' }).map((d) => d.id)).toEqual(['D1']);
    expect(selectDecisions(ALL, { since: T0 + 60_000 }).map((d) => d.id)).toEqual(['D2', 'D3', 'D4']);
    expect(selectDecisions(ALL, { policy: 'rules', limit: 2 }).map((d) => d.id)).toEqual(['D2', 'D3']);
    expect(selectDecisions(ALL, { accountId: 'NOPE' })).toEqual([]);
  });

  it('asks the store for one position and filters the rest itself', async () => {
    const asked: unknown[] = [];
    const store = {
      async decisions(filter: { positionId?: string } = {}) {
        asked.push(filter);
        return ALL.filter((d) => filter.positionId === undefined || d.positionId === filter.positionId);
      },
    } as unknown as EventStore;
    const got = await readDecisions(store, { positionId: 'POS-A', policy: 'rules' });
    expect(got.map((d) => d.id)).toEqual(['D3', 'D4']);
    expect(await readDecisions(store, {})).toEqual(ALL);
    expect(asked).toEqual([{ positionId: 'POS-A' }, {}]);
  });
});
