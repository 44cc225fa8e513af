import { stringify } from 'yaml';
import { z } from 'zod';
import { describe, TIMESTAMP_EXAMPLE } from './fields.ts';
import { wardenConfigSchema } from './shapes.ts';
import { DEFAULT_VENUE } from './venue-schema.ts';

/**
 * The words of the configuration's messages: zod's issues rendered as `path: message` in the
 * terms of the file format ("must be a whole number", "unknown key; did you mean …"), and the
 * notes on deprecated forms. Users read these messages and tests pin them: change them with care.
 */

/** One thing wrong with a configuration, at a path such as `['positions', 2, 'stopPrice']`. */
export interface Problem {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

export { describe } from './fields.ts';

const EXPECTED: Readonly<Record<string, string>> = {
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  int: 'a whole number',
};

/** Zod messages in the words of this file format. Passed to `safeParse` as its error map. */
export function configErrorMap(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'is required';
      if (iss.expected === 'int' && typeof iss.input === 'number') return 'must be a whole number';
      if (iss.expected === 'string' && iss.inst instanceof z.ZodISODateTime) return timestampMessage();
      return `must be ${EXPECTED[iss.expected] ?? iss.expected}, got ${describe(iss.input)}`;
    case 'too_small': {
      const min = Number(iss.minimum);
      if (iss.origin === 'array')
        return min === 1 ? 'must have at least one entry' : `must have at least ${min} entries`;
      if (iss.origin === 'string') return 'must not be empty';
      return iss.inclusive ? `must be at least ${min}` : `must be greater than ${min}`;
    }
    case 'too_big':
      return iss.inclusive
        ? `must be at most ${Number(iss.maximum)}`
        : `must be less than ${Number(iss.maximum)}`;
    case 'invalid_value':
      return iss.values.length === 1
        ? `must be ${JSON.stringify(iss.values[0])}`
        : `must be one of: ${iss.values.map(String).join(', ')}`;
    case 'invalid_format':
      return iss.format === 'datetime' ? timestampMessage() : undefined;
    case 'invalid_union':
      return iss.note === 'No matching discriminator' ? discriminatorMessage(iss) : undefined;
    default:
      return undefined;
  }
}

/** A `type` (or other discriminator) missing or naming no known variant, e.g. `venues[0].type`. */
function discriminatorMessage(iss: z.core.$ZodRawIssue<z.core.$ZodIssueInvalidUnion>): string {
  const options = Array.isArray(iss.options) ? iss.options.map(String) : [];
  const key = iss.discriminator;
  const value = typeof key === 'string' && isRecord(iss.input) ? iss.input[key] : undefined;
  if (value === undefined) return `is required (one of: ${options.join(', ')})`;
  return options.length === 1
    ? `must be ${JSON.stringify(options[0])}`
    : `must be one of: ${options.join(', ')}`;
}

function timestampMessage(): string {
  return `must be an ISO 8601 timestamp with seconds and a zone, e.g. ${TIMESTAMP_EXAMPLE}`;
}

/**
 * The keys the schema allows at `path`, for "did you mean" hints on unknown keys. `document`, the
 * file as read, picks the variant of a union told apart by a key (`venues[0]` of `type: paper`).
 */
export function knownKeysAt(path: readonly PropertyKey[], document?: unknown): string[] {
  let schema: z.ZodType | undefined = unwrap(wardenConfigSchema);
  let value: unknown = document;
  for (const part of path) {
    if (schema instanceof z.ZodDiscriminatedUnion) schema = variantOf(schema, value);
    value =
      isRecord(value) || Array.isArray(value) ? (value as Record<PropertyKey, unknown>)[part] : undefined;
    if (schema instanceof z.ZodArray && typeof part === 'number')
      schema = unwrap(schema.element as z.ZodType);
    else if (schema instanceof z.ZodRecord) schema = unwrap(schema.valueType as z.ZodType);
    else if (schema instanceof z.ZodObject && typeof part === 'string') {
      const next: z.ZodType | undefined = (schema.shape as Record<string, z.ZodType>)[part];
      schema = next === undefined ? undefined : unwrap(next);
    } else schema = undefined;
  }
  if (schema instanceof z.ZodDiscriminatedUnion) schema = variantOf(schema, value);
  if (schema instanceof z.ZodObject) return Object.keys(schema.shape);
  if (schema instanceof z.ZodUnion) {
    // No variant chosen: every key any variant allows.
    const keys = (schema.options as z.ZodType[])
      .map(unwrap)
      .flatMap((o) => (o instanceof z.ZodObject ? Object.keys(o.shape) : []));
    return [...new Set(keys)];
  }
  return [];
}

/** The variant of a discriminated union the value selects; the union itself when none does. */
function variantOf(union: z.ZodDiscriminatedUnion, value: unknown): z.ZodType {
  const key = union.def.discriminator;
  const chosen = isRecord(value) ? value[key] : undefined;
  const match = (union.options as z.ZodType[]).map(unwrap).find((o) => {
    if (!(o instanceof z.ZodObject)) return false;
    const tag = (o.shape as Record<string, z.ZodType>)[key];
    return tag instanceof z.ZodLiteral && tag.values.has(chosen as z.core.util.Literal);
  });
  return match ?? union;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema;
  for (;;) {
    if (
      s instanceof z.ZodOptional ||
      s instanceof z.ZodNullable ||
      s instanceof z.ZodDefault ||
      s instanceof z.ZodPrefault
    ) {
      s = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodPipe) s = s.in as z.ZodType;
    else return s;
  }
}

/** "unknown key; did you mean …" for a misspelt key, else the list of keys allowed there. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  const squash = (s: string) => s.toLowerCase().replace(/[-_\s]/g, '');
  const near = known.find((k) => squash(k) === squash(key) || editDistance(k, key) <= 2);
  if (near !== undefined) return `unknown key; did you mean "${near}"?`;
  return known.length === 0 ? 'unknown key' : `unknown key (expected one of: ${known.join(', ')})`;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The deprecation note for the old single `venue:` section, with the `venues:` list to write
 * instead. `section` is the section as written (before `${NAME}` substitution, so that no value
 * from the environment is shown).
 */
export function legacyVenueNote(source: string, section: unknown): string {
  const settings = isRecord(section) ? section : {};
  const replacement = stringify({ venues: [{ name: DEFAULT_VENUE, type: 'paper', ...settings }] }).trimEnd();
  return [
    `warning: ${source}: venue: the single "venue:" section is deprecated; write a "venues:" list instead`,
    '  (an account trades at the only venue, or names one with "venue:" when there are several):',
    ...replacement.split('\n').map((line) => `    ${line}`),
  ].join('\n');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
