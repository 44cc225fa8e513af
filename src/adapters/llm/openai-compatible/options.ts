import { WardenError } from '../../../domain/errors.ts';
import type { DecisionPolicy } from '../../../ports/decision-policy.ts';
import { FREE, type TokenPrices } from './accounting.ts';

/** How to reach the endpoint and what the policy may spend; see `createLlmPolicy`. */
export interface LlmPolicyOptions {
  /**
   * Any OpenAI-compatible endpoint, up to and including `/v1`: `https://api.openai.com/v1`,
   * `https://openrouter.ai/api/v1`, `http://localhost:11434/v1` (Ollama), a vLLM server.
   */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer …`. Ollama needs none: a placeholder is sent instead. */
  readonly apiKey?: string;
  readonly model: string;
  /** The whole decision, queueing and client retries included. Default 30 000. */
  readonly timeoutMs?: number;
  /** Client retries on 429, 408, 409, 5xx and connection errors. Default 1. */
  readonly maxRetries?: number;
  /** Requests in flight at once; further decisions queue. Default 4. */
  readonly maxConcurrency?: number;
  /** Requests started in any 60 s (a sliding window). Default 60. */
  readonly requestsPerMinute?: number;
  /** USD per million tokens. Default 0/0: cost 0, tokens still counted. */
  readonly prices?: TokenPrices;
  /**
   * Once the UTC day's spend reaches it, every decision falls back until the next UTC day. Calls
   * already in flight still finish and count, so the day can end a few calls over it.
   */
  readonly dailyBudgetUsd?: number;
  /** Picks `prompts/manage-position.<promptVersion>.md`. Default `v1`. */
  readonly promptVersion?: string;
  /** Where the templates are. Default: the repository's `prompts/`. */
  readonly promptsDir?: string;
  /** Answers whenever the LLM does not: the rules policy. */
  readonly fallback: DecisionPolicy;
  /** Wall clock (epoch ms) for the rate window and the budget day. Default `Date.now`. */
  readonly now?: () => number;
  /** Passed to the OpenAI client in place of the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** Sent with every request, e.g. OpenRouter's `HTTP-Referer` and `X-Title`. */
  readonly extraHeaders?: Readonly<Record<string, string>>;
  /** Sampling temperature (default 0); null sends none, for reasoning models that refuse one. */
  readonly temperature?: number | null;
  /** Cap on the answer's tokens (`max_completion_tokens`); none by default. */
  readonly maxTokens?: number;
}

/** Defaults of {@link LlmPolicyOptions}. */
export const LLM_POLICY_DEFAULTS = {
  timeoutMs: 30_000,
  maxRetries: 1,
  maxConcurrency: 4,
  requestsPerMinute: 60,
  promptVersion: 'v1',
} as const;

/** The options with every default filled in and every number checked. */
export interface ResolvedLlmOptions {
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly maxConcurrency: number;
  readonly requestsPerMinute: number;
  readonly prices: TokenPrices;
  readonly promptVersion: string;
}

/**
 * Fills in the defaults and checks the options.
 *
 * @throws WardenError `WARDEN_CONFIG_INVALID` listing every option out of range.
 */
export function resolveLlmOptions(options: LlmPolicyOptions): ResolvedLlmOptions {
  const resolved: ResolvedLlmOptions = {
    timeoutMs: options.timeoutMs ?? LLM_POLICY_DEFAULTS.timeoutMs,
    maxRetries: options.maxRetries ?? LLM_POLICY_DEFAULTS.maxRetries,
    maxConcurrency: options.maxConcurrency ?? LLM_POLICY_DEFAULTS.maxConcurrency,
    requestsPerMinute: options.requestsPerMinute ?? LLM_POLICY_DEFAULTS.requestsPerMinute,
    prices: options.prices ?? FREE,
    promptVersion: options.promptVersion ?? LLM_POLICY_DEFAULTS.promptVersion,
  };
  const problems: string[] = [];
  const wholeAtLeast = (name: string, value: number, min: number) => {
    if (!Number.isInteger(value) || value < min) {
      problems.push(`${name}: must be a whole number ≥ ${min}, got ${value}`);
    }
  };
  const nonNegative = (name: string, value: number | undefined) => {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0)) {
      problems.push(`${name}: must be a finite number ≥ 0, got ${value}`);
    }
  };
  if (!URL.canParse(options.baseUrl)) problems.push(`baseUrl: not a URL: "${options.baseUrl}"`);
  if (options.model.trim() === '') problems.push('model: must not be empty');
  wholeAtLeast('timeoutMs', resolved.timeoutMs, 1);
  wholeAtLeast('maxRetries', resolved.maxRetries, 0);
  wholeAtLeast('maxConcurrency', resolved.maxConcurrency, 1);
  wholeAtLeast('requestsPerMinute', resolved.requestsPerMinute, 1);
  nonNegative('prices.inputPerMillion', resolved.prices.inputPerMillion);
  nonNegative('prices.outputPerMillion', resolved.prices.outputPerMillion);
  nonNegative('dailyBudgetUsd', options.dailyBudgetUsd);
  if (problems.length > 0) {
    throw new WardenError(
      'WARDEN_CONFIG_INVALID',
      `llm policy options: ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
      { problems },
    );
  }
  return resolved;
}
