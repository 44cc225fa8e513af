import { WardenError } from '../../domain/errors.ts';
import type { DecisionRow, EventStore } from '../../ports/store.ts';

/**
 * The names a decision row's policy can have: the policies a profile asks for, and `guardrails`
 * for a decision refused by the guardrails (HOLD when no policy's answer passed).
 */
export const DECISION_POLICIES = ['rules', 'llm', 'hold', 'guardrails'] as const;

/** `--policy` as given, checked: a name no decision can have is a typo, not an empty answer. */
export function parsePolicyFlag(value: string): string {
  if ((DECISION_POLICIES as readonly string[]).includes(value)) return value;
  throw new WardenError(
    'WARDEN_CONFIG_INVALID',
    `--policy must be one of ${DECISION_POLICIES.join(', ')}, got "${value}"`,
  );
}

/** Which decisions `warden decisions` lists. Every member narrows; none means all. */
export interface DecisionFilter {
  readonly positionId?: string;
  readonly accountId?: string;
  readonly policy?: string;
  /** Only decisions made at or after this time (epoch ms). */
  readonly since?: number;
  /** At most this many, the oldest first. */
  readonly limit?: number;
}

/**
 * The decisions matching `filter`, oldest first (by time, then id, as the store orders them). The
 * position filter goes to the store; the others apply here, then the limit.
 */
export async function readDecisions(store: EventStore, filter: DecisionFilter): Promise<DecisionRow[]> {
  const rows = await store.decisions(
    filter.positionId !== undefined ? { positionId: filter.positionId } : {},
  );
  return selectDecisions(rows, filter);
}

/** The rows that pass `filter`'s account, policy and time, cut to its limit (order kept). */
export function selectDecisions(rows: readonly DecisionRow[], filter: DecisionFilter): DecisionRow[] {
  const kept = rows.filter(
    (d) =>
      (filter.positionId === undefined || d.positionId === filter.positionId) &&
      (filter.accountId === undefined || d.accountId === filter.accountId) &&
      (filter.policy === undefined || d.policy === filter.policy) &&
      (filter.since === undefined || d.decidedAt >= filter.since),
  );
  return filter.limit !== undefined ? kept.slice(0, filter.limit) : kept;
}

/** How long a reasoning may be on screen; `--json` has all of it. */
export const REASONING_WIDTH = 160;

/** The text on one line (runs of whitespace, newlines included, become one space), cut to `width` with `…`. */
export function oneLine(text: string, width = REASONING_WIDTH): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= width ? flat : `${flat.slice(0, width - 1).trimEnd()}…`;
}

type Fields = Readonly<Record<string, unknown>>;

function fields(value: unknown): Fields | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Fields) : undefined;
}

/**
 * The numbers an action carries, `new stop 4990`, `new target 5100`, `reduce fraction 0.5`; other
 * members as compact JSON. Empty when there are none.
 */
export function detailsText(details: unknown): string {
  const d = fields(details);
  if (d === undefined) return details === undefined || details === null ? '' : JSON.stringify(details);
  const parts: string[] = [];
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(d)) {
    if (value === undefined) continue;
    if (key === 'newStopPrice') parts.push(`new stop ${String(value)}`);
    else if (key === 'newTargetPrice') parts.push(`new target ${String(value)}`);
    else if (key === 'reduceFraction') parts.push(`reduce fraction ${String(value)}`);
    else rest[key] = value;
  }
  if (Object.keys(rest).length > 0) parts.push(JSON.stringify(rest));
  return parts.join(', ');
}

/** `ADJUST_STOP new stop 4990`: an action and its numbers. */
function actionText(action: unknown, details: unknown): string {
  const numbers = detailsText(details);
  return numbers === '' ? String(action) : `${String(action)} ${numbers}`;
}

/** `llm (gpt-4o-mini, prompt manage-position.v1)`, or just `rules`. */
function policyText(d: DecisionRow): string {
  const extra = [d.model, d.promptVersion !== undefined ? `prompt ${d.promptVersion}` : undefined].filter(
    (x) => x !== undefined,
  );
  return extra.length > 0 ? `${d.policy} (${extra.join(', ')})` : d.policy;
}

/** `tokens 812 in / 96 out`, either half alone when only one is known; undefined for neither. */
function tokensText(d: DecisionRow): string | undefined {
  const sides = [
    d.promptTokens !== undefined ? `${d.promptTokens} in` : undefined,
    d.completionTokens !== undefined ? `${d.completionTokens} out` : undefined,
  ].filter((x) => x !== undefined);
  return sides.length > 0 ? `tokens ${sides.join(' / ')}` : undefined;
}

/** `STOP_WIDENED: llm proposed ADJUST_STOP new stop 4950`, from a row's `rejected`. */
export function rejectedText(rejected: unknown): string {
  const r = fields(rejected);
  if (r === undefined) return JSON.stringify(rejected);
  const proposed = fields(r.proposed);
  const who = r.policy !== undefined ? String(r.policy) : 'a policy';
  const what = proposed !== undefined ? ` proposed ${actionText(proposed.action, proposed.details)}` : '';
  return `${String(r.rule ?? 'unknown rule')}${what !== '' ? `: ${who}${what}` : ''}`;
}

/**
 * One decision as `warden decisions` prints it: a header line (time, position and account, policy
 * with model and prompt version, trigger), then indented lines: the action with its numbers,
 * confidence, latency, tokens and cost; the fallback reason; the guardrail rule that rejected a
 * proposal; and the reasoning (when there is one) on one line, truncated. No newlines inside a line.
 */
export function formatDecision(d: DecisionRow): string[] {
  const facts = [
    actionText(d.action, d.actionDetails),
    `confidence ${d.confidence}`,
    `latency ${d.latencyMs} ms`,
    tokensText(d),
    d.cost !== undefined ? `cost $${d.cost.toFixed(6)}` : undefined,
  ].filter((x) => x !== undefined);
  const lines = [
    `${new Date(d.decidedAt).toISOString()}  ${d.positionId} on ${d.accountId}  ${policyText(d)}  ${d.trigger}`,
    `  ${facts.join(', ')}`,
  ];
  if (d.fallbackReason !== undefined) lines.push(`  fallback: ${oneLine(d.fallbackReason)}`);
  if (d.rejected !== undefined && d.rejected !== null) lines.push(`  rejected: ${rejectedText(d.rejected)}`);
  const reasoning = oneLine(d.reasoning);
  if (reasoning !== '') lines.push(`  reasoning: ${reasoning}`);
  return lines;
}

/** What a list of decisions adds up to. */
export interface DecisionTotals {
  readonly count: number;
  /** Decisions per policy, the most frequent first (ties by name). */
  readonly byPolicy: ReadonlyArray<readonly [policy: string, count: number]>;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** In USD. */
  readonly cost: number;
  /** Rows with a fallback reason: the asked policy failed, a guardrail refused, or confidence was low. */
  readonly fallbacks: number;
  /** Rows whose proposal a guardrail refused (they have a fallback reason too). */
  readonly rejections: number;
}

export function totalDecisions(rows: readonly DecisionRow[]): DecisionTotals {
  const policies = new Map<string, number>();
  let promptTokens = 0;
  let completionTokens = 0;
  let cost = 0;
  let fallbacks = 0;
  let rejections = 0;
  for (const d of rows) {
    policies.set(d.policy, (policies.get(d.policy) ?? 0) + 1);
    promptTokens += d.promptTokens ?? 0;
    completionTokens += d.completionTokens ?? 0;
    cost += d.cost ?? 0;
    if (d.fallbackReason !== undefined) fallbacks++;
    if (d.rejected !== undefined && d.rejected !== null) rejections++;
  }
  const byPolicy = [...policies].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { count: rows.length, byPolicy, promptTokens, completionTokens, cost, fallbacks, rejections };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * `4 decisions (llm 2, rules 1, guardrails 1), tokens 1624 in / 192 out, cost $0.0024,
 * 2 fallbacks, 1 guardrail rejection`: the last line of `warden decisions`.
 */
export function formatDecisionSummary(t: DecisionTotals): string {
  const policies = t.byPolicy.map(([policy, n]) => `${policy} ${n}`).join(', ');
  return [
    `${plural(t.count, 'decision')} (${policies})`,
    `tokens ${t.promptTokens} in / ${t.completionTokens} out`,
    `cost $${t.cost.toFixed(4)}`,
    plural(t.fallbacks, 'fallback'),
    plural(t.rejections, 'guardrail rejection'),
  ].join(', ');
}
