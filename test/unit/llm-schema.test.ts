import { describe, expect, it } from 'vitest';
import {
  DECISION_JSON_SCHEMA,
  parseDecisionAnswer,
  toStrictSchema,
  withoutNulls,
} from '../../src/adapters/llm/openai-compatible/decision-json-schema.ts';
import { decisionSchema } from '../../src/domain/agent/decision.ts';

/*
 * The JSON Schema sent to the model is derived from the zod contract; these tests check, on
 * sample answers, that the two accept and refuse the same things (the JSON Schema seeing the
 * answer as the model writes it, with nulls; the contract seeing it after the nulls are dropped).
 * A small validator below covers the keywords the schema uses, and a test fails if the schema
 * ever uses one it does not know, so it cannot pass by ignoring a rule.
 */

type Node = Record<string, unknown>;

const KNOWN_KEYWORDS = new Set([
  'type',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'anyOf',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
]);

function keywords(node: Node): string[] {
  const own = Object.keys(node);
  const children = [
    ...Object.values((node.properties as Record<string, Node>) ?? {}),
    ...((node.anyOf as Node[]) ?? []),
  ];
  return [...own, ...children.flatMap(keywords)];
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Whether `value` satisfies `node`, for the keywords in KNOWN_KEYWORDS. */
function validates(node: Node, value: unknown): boolean {
  if (node.anyOf) return (node.anyOf as Node[]).some((branch) => validates(branch, value));
  if (node.type !== undefined && node.type !== typeOf(value)) return false;
  if (node.enum && !(node.enum as unknown[]).includes(value)) return false;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return false;
    if (typeof node.minimum === 'number' && value < node.minimum) return false;
    if (typeof node.maximum === 'number' && value > node.maximum) return false;
    if (typeof node.exclusiveMinimum === 'number' && value <= node.exclusiveMinimum) return false;
    if (typeof node.exclusiveMaximum === 'number' && value >= node.exclusiveMaximum) return false;
  }
  if (typeof value === 'string') {
    if (typeof node.minLength === 'number' && value.length < node.minLength) return false;
    if (typeof node.maxLength === 'number' && value.length > node.maxLength) return false;
  }
  if (node.type === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (node.properties as Record<string, Node>) ?? {};
    if ((node.required as string[]).some((key) => !(key in object))) return false;
    if (node.additionalProperties === false && Object.keys(object).some((key) => !(key in properties))) {
      return false;
    }
    return Object.entries(object).every(([key, child]) => validates(properties[key] as Node, child));
  }
  return true;
}

/** Answers as a model in strict mode writes them: every field present, null for the absent ones. */
const VALID = [
  { action: 'HOLD', confidence: 1, reasoning: 'nothing to do', details: null },
  { action: 'CLOSE', confidence: 0, reasoning: 'thesis gone', details: null },
  {
    action: 'ADJUST_STOP',
    confidence: 0.8,
    reasoning: 'lock in',
    details: { newStopPrice: 101.5, newTargetPrice: null, reduceFraction: null },
  },
  {
    action: 'ADJUST_TARGET',
    confidence: 0.5,
    reasoning: 'extend',
    details: { newStopPrice: null, newTargetPrice: 130, reduceFraction: null },
  },
  {
    action: 'REDUCE',
    confidence: 0.6,
    reasoning: 'trim',
    details: { newStopPrice: null, newTargetPrice: null, reduceFraction: 0.25 },
  },
  { action: 'HOLD', confidence: 0.5, reasoning: 'r'.repeat(4000), details: null },
];

const INVALID = [
  { action: 'DOUBLE_DOWN', confidence: 0.5, reasoning: 'x', details: null },
  { action: 'HOLD', confidence: 7, reasoning: 'x', details: null },
  { action: 'HOLD', confidence: -0.1, reasoning: 'x', details: null },
  { action: 'HOLD', confidence: 0.5, reasoning: '', details: null },
  { action: 'HOLD', confidence: 0.5, reasoning: 'r'.repeat(4001), details: null },
  { action: 'HOLD', confidence: '0.5', reasoning: 'x', details: null },
  {
    action: 'REDUCE',
    confidence: 0.5,
    reasoning: 'x',
    details: { newStopPrice: null, newTargetPrice: null, reduceFraction: 1 },
  },
  {
    action: 'REDUCE',
    confidence: 0.5,
    reasoning: 'x',
    details: { newStopPrice: null, newTargetPrice: null, reduceFraction: 0 },
  },
  {
    action: 'ADJUST_STOP',
    confidence: 0.5,
    reasoning: 'x',
    details: { newStopPrice: -5, newTargetPrice: null, reduceFraction: null },
  },
  {
    action: 'ADJUST_STOP',
    confidence: 0.5,
    reasoning: 'x',
    details: { newStopPrice: 0, newTargetPrice: null, reduceFraction: null },
  },
  { action: 'HOLD', confidence: 0.5, reasoning: 'x', details: null, removeStop: true },
  {
    action: 'ADJUST_STOP',
    confidence: 0.5,
    reasoning: 'x',
    details: { newStopPrice: 1, newTargetPrice: null, reduceFraction: null, quantity: 9 },
  },
  { confidence: 0.5, reasoning: 'x', details: null },
  ['HOLD'],
  'HOLD',
];

describe('DECISION_JSON_SCHEMA', () => {
  it('uses only keywords strict mode accepts and the checks here know', () => {
    expect(keywords(DECISION_JSON_SCHEMA).filter((k) => !KNOWN_KEYWORDS.has(k))).toEqual([]);
  });

  it('requires every property of every object and forbids others (strict mode)', () => {
    const details = (DECISION_JSON_SCHEMA.properties as Record<string, Node>).details as Node;
    const detailsObject = (details.anyOf as Node[])[0] as Node;
    for (const node of [DECISION_JSON_SCHEMA, detailsObject]) {
      expect(node.type).toBe('object');
      expect(node.additionalProperties).toBe(false);
      expect([...(node.required as string[])].sort()).toEqual(Object.keys(node.properties as Node).sort());
    }
  });

  it.each(VALID.map((v) => [JSON.stringify(v).slice(0, 80), v]))(
    'and the contract both accept %s',
    (_n, answer) => {
      expect(validates(DECISION_JSON_SCHEMA, answer)).toBe(true);
      expect(decisionSchema.safeParse(withoutNulls(answer)).success).toBe(true);
    },
  );

  it.each(INVALID.map((v) => [JSON.stringify(v).slice(0, 80), v]))(
    'and the contract both refuse %s',
    (_n, answer) => {
      expect(validates(DECISION_JSON_SCHEMA, answer)).toBe(false);
      expect(decisionSchema.safeParse(withoutNulls(answer)).success).toBe(false);
    },
  );

  it('is frozen', () => {
    expect(Object.isFrozen(DECISION_JSON_SCHEMA)).toBe(true);
    expect(Object.isFrozen(DECISION_JSON_SCHEMA.properties)).toBe(true);
  });
});

describe('toStrictSchema', () => {
  it('makes optional properties required-or-null and leaves required ones alone', () => {
    const strict = toStrictSchema({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'number' } },
      required: ['a'],
    });
    expect(strict).toEqual({
      type: 'object',
      properties: { a: { type: 'string' }, b: { anyOf: [{ type: 'number' }, { type: 'null' }] } },
      required: ['a', 'b'],
      additionalProperties: false,
    });
  });
});

describe('parseDecisionAnswer', () => {
  it('reads a strict-mode answer, dropping the nulls', () => {
    const answer = parseDecisionAnswer(JSON.stringify(VALID[2]));
    expect(answer).toEqual({
      ok: true,
      decision: {
        action: 'ADJUST_STOP',
        confidence: 0.8,
        reasoning: 'lock in',
        details: { newStopPrice: 101.5 },
      },
    });
  });

  it('reads an answer without the optional fields at all', () => {
    const answer = parseDecisionAnswer('{"action":"HOLD","confidence":1,"reasoning":"fine"}');
    expect(answer).toEqual({ ok: true, decision: { action: 'HOLD', confidence: 1, reasoning: 'fine' } });
  });

  it('reads JSON inside one Markdown code fence', () => {
    const answer = parseDecisionAnswer(
      '```json\n{"action":"CLOSE","confidence":0.9,"reasoning":"gone"}\n```',
    );
    expect(answer.ok).toBe(true);
  });

  it('calls text MALFORMED_JSON and a broken contract SCHEMA_INVALID, with paths', () => {
    expect(parseDecisionAnswer('Sure! {"action":')).toMatchObject({ ok: false, code: 'MALFORMED_JSON' });
    const invalid = parseDecisionAnswer(JSON.stringify(INVALID[6]));
    expect(invalid).toMatchObject({ ok: false, code: 'SCHEMA_INVALID' });
    expect(!invalid.ok && invalid.detail).toMatch(/^details\.reduceFraction: /);
    const rootless = parseDecisionAnswer('"HOLD"');
    expect(!rootless.ok && rootless.detail).toMatch(/^\(root\): /);
  });
});
