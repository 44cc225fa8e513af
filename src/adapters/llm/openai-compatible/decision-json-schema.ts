import { z } from 'zod';
import { type Decision, decisionSchema } from '../../../domain/agent/decision.ts';

/** A JSON Schema node as plain JSON. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/**
 * The decision contract as the JSON Schema sent in `response_format` (strict Structured Outputs).
 *
 * It is derived from `decisionSchema` so the two cannot drift: zod 4's `z.toJSONSchema` writes the
 * contract, then {@link toStrictSchema} makes it acceptable to strict mode, which requires every
 * property to be listed in `required`. A field the contract leaves optional becomes
 * "this type or null", and {@link parseDecisionAnswer} drops those nulls again before the
 * contract checks the answer. Numeric and length bounds are kept: OpenAI enforces them, other
 * endpoints ignore what they do not support, and the contract checks them on our side anyway.
 */
export const DECISION_JSON_SCHEMA: JsonSchema = deepFreeze(toStrictSchema(contractSchema()));

/** The `json_schema.name` sent with {@link DECISION_JSON_SCHEMA}. */
export const DECISION_SCHEMA_NAME = 'position_decision';

function contractSchema(): Record<string, unknown> {
  const { $schema: _dialect, ...schema } = z.toJSONSchema(decisionSchema) as Record<string, unknown>;
  return schema;
}

/**
 * Rewrites an object schema for strict Structured Outputs: every property becomes required, and a
 * property that was optional accepts `null` in its place. Other nodes are copied unchanged.
 */
export function toStrictSchema(node: Record<string, unknown>): Record<string, unknown> {
  const properties = node.properties as Record<string, Record<string, unknown>> | undefined;
  if (node.type !== 'object' || properties === undefined) return { ...node };
  const required = new Set((node.required as string[] | undefined) ?? []);
  const strictProperties: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(properties)) {
    const strictChild = toStrictSchema(child);
    strictProperties[key] = required.has(key) ? strictChild : { anyOf: [strictChild, { type: 'null' }] };
  }
  return {
    ...node,
    properties: strictProperties,
    required: Object.keys(properties),
    additionalProperties: false,
  };
}

/** Why an answer is not a decision: the fallback reason code and a one-line detail. */
export type AnswerProblem = {
  readonly ok: false;
  readonly code: 'MALFORMED_JSON' | 'SCHEMA_INVALID';
  readonly detail: string;
};

/**
 * Reads a model's answer as a decision: parses the JSON (inside a single Markdown code fence, as
 * endpoints that ignore `response_format` sometimes send it), drops the `null`s strict mode makes
 * the model write for absent optional fields, and validates the rest with `decisionSchema`.
 * Never throws.
 */
export function parseDecisionAnswer(
  content: string,
): { readonly ok: true; readonly decision: Decision } | AnswerProblem {
  let value: unknown;
  try {
    value = JSON.parse(unfence(content));
  } catch (e) {
    return { ok: false, code: 'MALFORMED_JSON', detail: `not JSON: ${(e as Error).message}` };
  }
  const parsed = decisionSchema.safeParse(withoutNulls(value));
  if (parsed.success) return { ok: true, decision: parsed.data };
  const detail = parsed.error.issues
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, code: 'SCHEMA_INVALID', detail };
}

const FENCE = /^```[a-zA-Z]*\s*\n([\s\S]*?)\n?```$/;

function unfence(content: string): string {
  const trimmed = content.trim();
  return FENCE.exec(trimmed)?.[1] ?? trimmed;
}

/** A copy of a JSON value without object properties whose value is `null`. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (child !== null) out[key] = withoutNulls(child);
  }
  return out;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
