import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { openEventStore } from '../../src/adapters/stores/open-store.ts';
import type { DecisionRow } from '../../src/ports/store.ts';
import { expectFlagRefused, STACK_FRAME, warden } from '../support/warden-cli.ts';

/*
 * `warden decisions` against a real SQLite store holding hand-built decision rows. Expected
 * values are computed here from the fixtures. About a dozen CLI processes, run concurrently.
 */

const CLI_TIMEOUT_MS = 180_000;
const T0 = Date.parse('2026-03-03T14:00:00.000Z');
const MIN = 60_000;

/** The fixtures, in the order the store must return them: by time, then id. */
const ROWS: DecisionRow[] = [
  {
    id: '01A-LLM',
    positionId: 'POS-1',
    accountId: 'TS1',
    decidedAt: T0,
    policy: 'llm',
    trigger: 'Position.Stop.Near.v1',
    action: 'ADJUST_STOP',
    confidence: 0.82,
    reasoning: 'Price holds above the 5m swing low at 4988; tighten the stop under it.',
    actionDetails: { newStopPrice: 4987.5 },
    stateAtDecision: { position: { id: 'POS-1', side: 'long', quantity: 2 }, account: null },
    marketContext: { interval: '5m', candles: [], atr: 3.25 },
    rawResponse: '{"action":"ADJUST_STOP","confidence":0.82}',
    latencyMs: 1840,
    promptTokens: 1210,
    completionTokens: 88,
    cost: 0.00123,
    model: 'gpt-4o-mini',
    promptVersion: 'manage-position.v1',
  },
  // Same time as the next row: the id breaks the tie.
  {
    id: '02B-RULES',
    positionId: 'POS-2',
    accountId: 'TS2',
    decidedAt: T0 + 5 * MIN,
    policy: 'rules',
    trigger: 'Market.Candle.Closed.v1',
    action: 'REDUCE',
    confidence: 0.8,
    reasoning: 'First milestone reached: take half off.',
    actionDetails: { reduceFraction: 0.5 },
    latencyMs: 0,
  },
  {
    id: '02C-FALLBACK',
    positionId: 'POS-1',
    accountId: 'TS1',
    decidedAt: T0 + 5 * MIN,
    policy: 'rules',
    trigger: 'Position.TakeProfit.Near.v1',
    action: 'HOLD',
    confidence: 1,
    reasoning: 'Nothing to change.',
    latencyMs: 30_004,
    model: 'gpt-4o-mini',
    fallbackReason: 'TIMEOUT: no answer within 30000 ms',
  },
  {
    id: '03D-REJECTED',
    positionId: 'POS-1',
    accountId: 'TS1',
    decidedAt: T0 + 20 * MIN,
    policy: 'guardrails',
    trigger: 'Position.Stop.Near.v1',
    action: 'HOLD',
    confidence: 1,
    reasoning: `HOLD: the stop would move away from the price. ${'Long explanation. '.repeat(20)}`,
    latencyMs: 2210,
    promptTokens: 1302,
    completionTokens: 140,
    cost: 0.0021,
    model: 'gpt-4o-mini',
    promptVersion: 'manage-position.v1',
    fallbackReason:
      "GUARDRAIL_STOP_WIDENED: llm's decision refused (the stop would move away from the price)",
    rejected: {
      policy: 'llm',
      rule: 'STOP_WIDENED',
      why: 'the stop would move away from the price',
      proposed: {
        action: 'ADJUST_STOP',
        confidence: 0.7,
        reasoning: 'Room.',
        details: { newStopPrice: 4950 },
      },
    },
  },
  {
    id: '04E-LLM',
    positionId: 'POS-3',
    accountId: 'TS2',
    decidedAt: T0 + 45 * MIN,
    policy: 'llm',
    trigger: 'Position.Milestone.Reached.v1',
    action: 'ADJUST_TARGET',
    confidence: 0.66,
    reasoning: 'Momentum is strong; let it run to the next resistance.',
    actionDetails: { newTargetPrice: 5125 },
    latencyMs: 1500,
    promptTokens: 990,
    completionTokens: 61,
    cost: 0.00098,
    model: 'gpt-4o',
    promptVersion: 'manage-position.v1',
  },
];

let dir: string;
let store: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warden-decisions-'));
  store = join(dir, 'store.db');
  const s = await openEventStore(store);
  try {
    // Not in order: the store orders them.
    await s.commit({ decisions: [ROWS[3]!, ROWS[0]!, ROWS[2]!] });
    await s.commit({ decisions: [ROWS[4]!, ROWS[1]!] });
  } finally {
    await s.close();
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The blocks of the text output (lines of each) and its summary line. */
function parse(stdout: string): { blocks: string[][]; summary: string } {
  const parts = stdout.replace(/\n$/, '').split('\n\n');
  return { blocks: parts.slice(0, -1).map((b) => b.split('\n')), summary: parts.at(-1)! };
}

/** The header a row's block begins with: time, position on account, policy (model, prompt), trigger. */
function header(d: DecisionRow): RegExp {
  const extra = [d.model, d.promptVersion !== undefined ? `prompt ${d.promptVersion}` : undefined].filter(
    (x) => x !== undefined,
  );
  const policy = extra.length > 0 ? `${d.policy} (${extra.join(', ')})` : d.policy;
  const text = `${new Date(d.decidedAt).toISOString()}  ${d.positionId} on ${d.accountId}  ${policy}  ${d.trigger}`;
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/** The summary's figures, computed from the fixtures. */
function expectedSummary(rows: readonly DecisionRow[]): string[] {
  const sum = (f: (d: DecisionRow) => number | undefined) => rows.reduce((a, d) => a + (f(d) ?? 0), 0);
  const fallbacks = rows.filter((d) => d.fallbackReason !== undefined).length;
  const rejections = rows.filter((d) => d.rejected !== undefined).length;
  return [
    `${rows.length} decision${rows.length === 1 ? '' : 's'} (`,
    `tokens ${sum((d) => d.promptTokens)} in / ${sum((d) => d.completionTokens)} out`,
    `cost $${sum((d) => d.cost).toFixed(4)}`,
    `${fallbacks} fallback${fallbacks === 1 ? '' : 's'}`,
    `${rejections} guardrail rejection${rejections === 1 ? '' : 's'}`,
  ];
}

describe.concurrent('warden decisions', { timeout: CLI_TIMEOUT_MS }, () => {
  it('lists every decision oldest first with its facts, then the totals', async ({ expect }) => {
    const { code, stdout, stderr } = await warden('decisions', '--store', store);
    expect(code, stderr).toBe(0);
    expect(stderr).toBe('');
    const { blocks, summary } = parse(stdout);
    expect(blocks).toHaveLength(ROWS.length);
    blocks.forEach((block, i) => {
      const d = ROWS[i]!;
      const text = block.join('\n');
      expect(block[0]).toMatch(header(d));
      expect(block[1]).toMatch(new RegExp(`^  ${d.action}\\b`));
      expect(block[1]).toContain(`confidence ${d.confidence}`);
      expect(block[1]).toContain(`latency ${d.latencyMs} ms`);
      if (d.promptTokens !== undefined) {
        expect(block[1]).toContain(`tokens ${d.promptTokens} in / ${d.completionTokens} out`);
      } else {
        expect(block[1]).not.toContain('tokens');
      }
      if (d.cost !== undefined) expect(block[1]).toContain(`cost $${d.cost.toFixed(6)}`);
      else expect(block[1]).not.toContain('cost');
      if (d.fallbackReason !== undefined) expect(text).toContain(`\n  fallback: ${d.fallbackReason}`);
      else expect(text).not.toContain('fallback:');
      const rule = (d.rejected as { rule?: string } | undefined)?.rule;
      if (rule !== undefined) expect(text).toContain(`\n  rejected: ${rule}`);
      else expect(text).not.toContain('rejected:');
      const reasoning = block.at(-1)!;
      expect(reasoning.startsWith('  reasoning: ')).toBe(true);
      const shown = reasoning.slice('  reasoning: '.length);
      expect(shown.length).toBeLessThanOrEqual(160);
      expect(d.reasoning.startsWith(shown.replace(/…$/, ''))).toBe(true);
    });
    expect(blocks[0]![1]).toContain('new stop 4987.5');
    expect(blocks[1]![1]).toContain('reduce fraction 0.5');
    expect(blocks[3]!.join('\n')).toContain('rejected: STOP_WIDENED: llm proposed ADJUST_STOP new stop 4950');
    expect(blocks[3]!.at(-1)).toMatch(/…$/);
    expect(blocks[4]![1]).toContain('new target 5125');
    for (const part of expectedSummary(ROWS)) expect(summary).toContain(part);
    expect(summary).toContain('(llm 2, rules 2, guardrails 1)');
  });

  it('filters by position, account, policy, time and limit', async ({ expect }) => {
    const since = '2026-03-03T14:05:00Z';
    const cases: Array<[string[], DecisionRow[]]> = [
      [['--position', 'POS-1'], ROWS.filter((d) => d.positionId === 'POS-1')],
      [['--account', 'TS2'], ROWS.filter((d) => d.accountId === 'TS2')],
      [['--policy', 'llm'], ROWS.filter((d) => d.policy === 'llm')],
      [['--since', since], ROWS.filter((d) => d.decidedAt >= Date.parse(since))],
      [['--limit', '2'], ROWS.slice(0, 2)],
      [
        ['--position', 'POS-1', '--policy', 'rules', '--since', since],
        ROWS.filter(
          (d) => d.positionId === 'POS-1' && d.policy === 'rules' && d.decidedAt >= Date.parse(since),
        ),
      ],
    ];
    const runs = await Promise.all(cases.map(([args]) => warden('decisions', '--store', store, ...args)));
    runs.forEach((run, i) => {
      const [args, want] = cases[i]!;
      const label = args.join(' ');
      expect(run.code, `${label}: ${run.stderr}`).toBe(0);
      const { blocks, summary } = parse(run.stdout);
      expect(blocks.length, label).toBe(want.length);
      blocks.forEach((block, j) => {
        expect(block[0], label).toMatch(header(want[j]!));
      });
      for (const part of expectedSummary(want)) expect(summary, label).toContain(part);
    });
    // The filters are not vacuous: each case selects something, and not everything.
    for (const [args, want] of cases) {
      expect(want.length, args.join(' ')).toBeGreaterThan(0);
      expect(want.length, args.join(' ')).toBeLessThan(ROWS.length);
    }
  });

  it('--json prints the rows as stored, one per line, inputs and raw response included', async ({
    expect,
  }) => {
    const [all, one] = await Promise.all([
      warden('decisions', '--store', store, '--json'),
      warden('decisions', '--store', store, '--json', '--position', 'POS-1', '--limit', '1'),
    ]);
    expect(all.code, all.stderr).toBe(0);
    expect(
      all.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual(ROWS);
    expect(one.code, one.stderr).toBe(0);
    expect(
      one.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([ROWS[0]]);
  });

  it('says "no decisions" and exits 0 when nothing matches', async ({ expect }) => {
    const [text, json] = await Promise.all([
      warden('decisions', '--store', store, '--position', 'NO-SUCH-POSITION'),
      warden('decisions', '--store', store, '--position', 'NO-SUCH-POSITION', '--json'),
    ]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe('no decisions\n');
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).toBe('');
  });

  it('names a SQLite store that does not exist, exits 2 and does not create it', async ({ expect }) => {
    const missing = join(dir, 'no-such.db');
    const run = await warden('decisions', '--store', missing);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^error \[WARDEN_STORE_NOT_FOUND\]: /);
    expect(run.stderr).toContain(missing);
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(existsSync(missing)).toBe(false);
  });

  it('refuses a bad --since, --limit or --policy with exit 2 naming the flag', async () => {
    const runs = await Promise.all([
      warden('decisions', '--store', store, '--since', 'yesterday'),
      warden('decisions', '--store', store, '--limit', '0'),
      warden('decisions', '--store', store, '--policy', 'nope'),
    ]);
    expectFlagRefused(runs[0]!, '--since');
    expectFlagRefused(runs[1]!, '--limit');
    expectFlagRefused(runs[2]!, '--policy');
  });

  it('has help with a description, exit codes and examples', async ({ expect }) => {
    const { code, stdout } = await warden('decisions', '--help');
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: warden decisions');
    expect(stdout).toContain('Exit codes:');
    expect(stdout).toMatch(/^\s+\$ warden decisions /m);
  });
});
