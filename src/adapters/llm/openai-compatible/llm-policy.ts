import OpenAI from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { DecisionContext, DecisionPolicy, PolicyResult } from '../../../ports/decision-policy.ts';
import { packageFile } from '../../package-files.ts';
import { costUsd, DailySpendLedger, type DaySpend, type TokenPrices } from './accounting.ts';
import { DECISION_JSON_SCHEMA, DECISION_SCHEMA_NAME, parseDecisionAnswer } from './decision-json-schema.ts';
import {
  classifyCallError,
  type FallbackCause,
  type FallbackCode,
  formatFallbackReason,
} from './fallback-reasons.ts';
import {
  ConcurrencyGate,
  type Deadline,
  SlidingWindowLimiter,
  sleep,
  startDeadline,
  TIMED_OUT,
} from './limits.ts';
import { type LlmPolicyOptions, resolveLlmOptions } from './options.ts';
import { loadPromptTemplate, type PromptTemplate, renderPrompt } from './prompt.ts';

export { LLM_POLICY_DEFAULTS, type LlmPolicyOptions } from './options.ts';

/** The repository's `prompts/` folder. */
export const DEFAULT_PROMPTS_DIR = packageFile('prompts');

/** `rawResponse` keeps at most this many characters of the answer. */
export const MAX_RAW_RESPONSE = 20_000;

/** Sent as the bearer token when no key is configured (Ollama and vLLM ignore it). */
const NO_KEY = 'no-key';
const RATE_WINDOW_MS = 60_000;

/** What the LLM answered, kept on the result even when the policy falls back. */
type Received = Pick<
  PolicyResult,
  'model' | 'promptVersion' | 'promptTokens' | 'completionTokens' | 'costUsd' | 'rawResponse'
>;

type Outcome =
  | { readonly kind: 'answer'; readonly result: PolicyResult }
  | { readonly kind: 'miss'; readonly cause: FallbackCause; readonly received: Received };

/** What an {@link LlmPolicy} runs with; built by {@link createLlmPolicy}. */
export interface LlmPolicySettings {
  readonly model: string;
  readonly timeoutMs: number;
  readonly maxConcurrency: number;
  readonly requestsPerMinute: number;
  readonly prices: TokenPrices;
  readonly dailyBudgetUsd: number | undefined;
  readonly template: PromptTemplate;
  readonly fallback: DecisionPolicy;
  readonly now: () => number;
  readonly client: OpenAI;
  /** Undefined: none sent. */
  readonly temperature: number | undefined;
  readonly maxTokens: number | undefined;
}

/**
 * Asks an OpenAI-compatible chat endpoint what to do, with the decision contract as a strict
 * JSON Schema (`response_format: json_schema`) at temperature 0, and falls back to `fallback`
 * whenever it gets no valid answer in time: see {@link FallbackCode} for every reason. `decide`
 * never rejects unless the fallback does. Whatever the model answers still passes the engine's
 * guardrails; this policy checks only that the answer fits the contract.
 */
export class LlmPolicy implements DecisionPolicy {
  readonly name = 'llm';
  /** The configured model; a result names the one the endpoint says answered. */
  readonly model: string;
  /** `manage-position.v1`: the template in use. */
  readonly promptVersion: string;
  readonly #settings: LlmPolicySettings;
  readonly #gate: ConcurrencyGate;
  readonly #window: SlidingWindowLimiter;
  readonly #ledger: DailySpendLedger;

  /** Use {@link createLlmPolicy}, which checks the options and loads the template. */
  constructor(settings: LlmPolicySettings) {
    this.#settings = settings;
    this.model = settings.model;
    this.promptVersion = settings.template.id;
    this.#gate = new ConcurrencyGate(settings.maxConcurrency);
    this.#window = new SlidingWindowLimiter(settings.requestsPerMinute, RATE_WINDOW_MS, settings.now);
    this.#ledger = new DailySpendLedger(settings.now);
  }

  /**
   * What the current UTC day (on the injected clock) has cost: every call that returned usage
   * counts, usable answer or not. Kept in memory; a restart starts the day from zero.
   */
  spentToday(): DaySpend {
    return this.#ledger.today();
  }

  /**
   * Answers with the model's decision (`policy: 'llm'`), or with the fallback's decision and
   * `fallbackReason` (`CODE: detail`) plus whatever the model did return (model, tokens, cost,
   * raw answer).
   */
  async decide(ctx: DecisionContext): Promise<PolicyResult> {
    const started = this.#settings.now();
    let outcome: Outcome;
    try {
      outcome = await this.#ask(ctx);
    } catch (e) {
      // A bug on our side (an input JSON cannot encode, …): still answer, and say why.
      outcome = miss('INTERNAL', e instanceof Error ? e.message : String(e));
    }
    const latencyMs = Math.max(0, this.#settings.now() - started);
    if (outcome.kind === 'answer') return { ...outcome.result, latencyMs };
    const fallen = await this.#settings.fallback.decide(ctx);
    return { ...fallen, ...outcome.received, fallbackReason: formatFallbackReason(outcome.cause), latencyMs };
  }

  async #ask(ctx: DecisionContext): Promise<Outcome> {
    const { timeoutMs, maxConcurrency, requestsPerMinute } = this.#settings;
    const broke = this.#overBudget();
    if (broke) return broke;
    const deadline = startDeadline(timeoutMs);
    try {
      const release = await this.#gate.acquire(deadline.signal);
      if (release === undefined) {
        return miss(
          'RATE_LIMITED',
          `all ${maxConcurrency} request slots stayed busy for ${timeoutMs} ms (maxConcurrency)`,
        );
      }
      try {
        // Calls that finished while this one queued may have spent the rest of the budget.
        const brokeSince = this.#overBudget();
        if (brokeSince) return brokeSince;
        const slot = this.#window.reserve(deadline.remainingMs());
        if (!slot.granted) {
          return miss(
            'RATE_LIMITED',
            `${requestsPerMinute} requests in the last minute (requestsPerMinute); the next slot opens in ` +
              `${Math.ceil(slot.nextInMs)} ms, past the ${timeoutMs} ms deadline`,
          );
        }
        if (!(await sleep(slot.waitMs, deadline.signal))) {
          return miss(
            'RATE_LIMITED',
            `waited for a requestsPerMinute slot until the ${timeoutMs} ms deadline`,
          );
        }
        return await this.#call(ctx, deadline);
      } finally {
        release();
      }
    } finally {
      deadline.clear();
    }
  }

  #overBudget(): Outcome | undefined {
    const budget = this.#settings.dailyBudgetUsd;
    const spent = this.#ledger.today();
    if (budget === undefined || spent.usd < budget) return undefined;
    return miss('BUDGET_EXHAUSTED', `spent ${spent.usd.toFixed(4)} of ${budget} USD today`);
  }

  async #call(ctx: DecisionContext, deadline: Deadline): Promise<Outcome> {
    const { client, model, template, timeoutMs, temperature, maxTokens } = this.#settings;
    const prompt = renderPrompt(template, ctx.input, DECISION_JSON_SCHEMA);
    const request = client.chat.completions.create(
      {
        model,
        ...(temperature !== undefined ? { temperature } : {}),
        ...(maxTokens !== undefined ? { max_completion_tokens: maxTokens } : {}),
        messages: [
          { role: 'system', content: prompt.system },
          { role: 'user', content: prompt.user },
        ],
        response_format: {
          type: 'json_schema',
          json_schema: { name: DECISION_SCHEMA_NAME, strict: true, schema: { ...DECISION_JSON_SCHEMA } },
        },
      },
      { signal: deadline.signal },
    );
    // The client sleeps between retries without watching the signal, so the deadline races it.
    const settled = await Promise.race([
      request.then(
        (completion) => ({ ok: true as const, completion }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
      deadline.expired,
    ]);
    if (settled === TIMED_OUT) return miss('TIMEOUT', `no answer within ${timeoutMs} ms`);
    if (!settled.ok)
      return { kind: 'miss', cause: classifyCallError(settled.error, timeoutMs), received: {} };
    return this.#read(settled.completion);
  }

  #read(completion: ChatCompletion): Outcome {
    const { model, template, prices } = this.#settings;
    let received: Received = { model: completion.model || model, promptVersion: template.id };
    const usage = completion.usage;
    if (usage) {
      const promptTokens = tokenCount(usage.prompt_tokens);
      const completionTokens = tokenCount(usage.completion_tokens);
      const cost = costUsd(promptTokens, completionTokens, prices);
      this.#ledger.record(promptTokens, completionTokens, cost);
      received = { ...received, promptTokens, completionTokens, costUsd: cost };
    }
    const choice = completion.choices?.[0];
    const refusal = choice?.message?.refusal;
    if (typeof refusal === 'string' && refusal.trim() !== '') {
      return miss('REFUSED', refusal, { ...received, rawResponse: truncate(refusal) });
    }
    const content = choice?.message?.content;
    if (typeof content !== 'string' || content.trim() === '') {
      const why = choice === undefined ? 'no choices' : `no content (finish_reason ${choice.finish_reason})`;
      return miss('EMPTY', why, received);
    }
    received = { ...received, rawResponse: truncate(content) };
    const answer = parseDecisionAnswer(content);
    if (!answer.ok) {
      const cut = choice?.finish_reason === 'length' ? 'answer cut at the token limit; ' : '';
      return miss(answer.code, `${cut}${answer.detail}`, received);
    }
    return { kind: 'answer', result: { decision: answer.decision, policy: this.name, ...received } };
  }
}

/**
 * Builds the LLM policy: checks the options, loads the prompt template and creates the OpenAI
 * client (which reads no environment variable: key, base URL, organization and project are all
 * set here, and its own logging is off since every failure ends up in `fallbackReason`).
 *
 * @throws WardenError `WARDEN_CONFIG_INVALID` for options out of range (each problem listed);
 *   `WARDEN_LLM_PROMPT_INVALID` when the prompt version cannot be loaded.
 */
export function createLlmPolicy(options: LlmPolicyOptions): LlmPolicy {
  const { timeoutMs, maxRetries, maxConcurrency, requestsPerMinute, prices, promptVersion } =
    resolveLlmOptions(options);
  const template = loadPromptTemplate(options.promptsDir ?? DEFAULT_PROMPTS_DIR, promptVersion);
  const client = new OpenAI({
    baseURL: options.baseUrl,
    apiKey: options.apiKey || NO_KEY,
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    timeout: timeoutMs,
    maxRetries,
    logLevel: 'off',
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.extraHeaders ? { defaultHeaders: { ...options.extraHeaders } } : {}),
  });
  return new LlmPolicy({
    model: options.model,
    timeoutMs,
    maxConcurrency,
    requestsPerMinute,
    prices,
    dailyBudgetUsd: options.dailyBudgetUsd,
    template,
    fallback: options.fallback,
    now: options.now ?? Date.now,
    client,
    temperature: options.temperature === null ? undefined : (options.temperature ?? 0),
    maxTokens: options.maxTokens,
  });
}

function miss(code: FallbackCode, detail: string, received: Received = {}): Outcome {
  return { kind: 'miss', cause: { code, detail }, received };
}

function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

function truncate(text: string): string {
  return text.length > MAX_RAW_RESPONSE ? text.slice(0, MAX_RAW_RESPONSE) : text;
}
