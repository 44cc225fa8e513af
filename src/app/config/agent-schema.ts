import { z } from 'zod';

const nonNegative = () => z.number().nonnegative();

/** What the rules policy does per event (`agent.rules`); see `DEFAULT_RULES`. */
const rulesSchema = z.strictObject({
  breakEvenAtPct: z.number().positive().optional(),
  trailFromPct: z.number().positive().optional(),
  lockPct: z.number().gt(0).lt(100).default(50),
  targetApproaching: z.enum(['tighten', 'hold']).default('tighten'),
  /** Target approaching tightens only from this gain: PnL% and, optionally, ATRs from the entry. */
  tightenMinGain: z
    .strictObject({ pct: nonNegative().default(1), atr: nonNegative().optional() })
    .prefault({}),
  stopApproaching: z.enum(['hold', 'close']).default('hold'),
  thesisInvalidated: z.enum(['close', 'hold']).default('close'),
  timeDecay: z
    .strictObject({
      losing: z.enum(['close', 'hold']).default('close'),
      winning: z.enum(['close', 'hold']).default('hold'),
    })
    .prefault({}),
  candleClose: z.strictObject({ atrMultiple: nonNegative().default(2) }).prefault({}),
});

/**
 * The LLM policy (`agent.llm`): any OpenAI-compatible chat-completions endpoint. Profiles with
 * `policy: llm` use it; without this section they fall back to the rules policy.
 */
const llmSchema = z.strictObject({
  /** https://api.openai.com/v1, https://openrouter.ai/api/v1, http://localhost:11434/v1 (Ollama). */
  baseUrl: z.url({ message: 'must be a URL such as https://api.openai.com/v1' }),
  model: z.string().min(1),
  /** Usually `${OPENAI_API_KEY}`; a local Ollama needs none. */
  apiKey: z.string().optional(),
  timeoutSeconds: z.number().positive().max(600).default(30),
  maxRetries: z.number().int().min(0).max(5).default(1),
  maxConcurrency: z.number().int().positive().default(4),
  requestsPerMinute: z.number().int().positive().default(60),
  /** USD per million tokens, for the cost of each decision and the daily budget. */
  prices: z
    .strictObject({ inputPerMillion: nonNegative().default(0), outputPerMillion: nonNegative().default(0) })
    .prefault({}),
  /** After the day's (UTC) spend reaches this, decisions fall back to the rules policy. */
  dailyBudgetUsd: z.number().positive().optional(),
  /** The prompt template: `prompts/manage-position.<version>.md`. */
  promptVersion: z
    .string()
    .regex(/^v[0-9]+$/, 'must look like v1')
    .default('v1'),
  /** Sampling temperature; null sends none (o-series and other reasoning models refuse one). */
  temperature: z.number().min(0).max(2).nullable().default(0),
  /** Cap on the answer's tokens; none by default. */
  maxTokens: z.number().int().positive().optional(),
  /** Extra HTTP headers (OpenRouter's HTTP-Referer and X-Title). */
  headers: z.record(z.string(), z.string()).optional(),
});

export const agentSchema = z.strictObject({
  rules: rulesSchema.prefault({}),
  llm: llmSchema.optional(),
});

export type AgentConfig = z.output<typeof agentSchema>;
export type LlmConfig = NonNullable<AgentConfig['llm']>;
