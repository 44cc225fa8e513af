import { readFile } from 'node:fs/promises';
import { type Document, parseDocument, type YAMLError } from 'yaml';
import type { z } from 'zod';
import { type ErrorCode, WardenError } from '../../domain/errors.ts';
import { formatPath } from '../../domain/events/registry.ts';
import {
  checkRelations,
  configErrorMap,
  describe,
  knownKeysAt,
  legacyVenueNote,
  type Problem,
  unknownKeyMessage,
  type WardenConfig,
  wardenConfigSchema,
} from './schema.ts';

export interface ParseOptions {
  /** Names the text in messages: the file path, or e.g. `built-in defaults`. */
  readonly source?: string;
  /** Where `${NAME}` references are looked up; `process.env` when absent. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Gets each note on a valid file that still works but should change (a deprecated section),
   * as one or more lines starting `warning: `, with what to write instead. The CLI prints them on
   * stderr; without a listener they are dropped.
   */
  readonly onWarning?: (warning: string) => void;
}

export type LoadOptions = Omit<ParseOptions, 'source'>;

/**
 * Parses and validates a YAML configuration. Throws `WARDEN_CONFIG_INVALID` listing every problem
 * as `path: message` in `details.problems`, or `WARDEN_CONFIG_SECRET_MISSING` when the only
 * problems are environment variables that are not set.
 */
export function parseConfig(text: string, options: ParseOptions = {}): WardenConfig {
  const source = options.source ?? 'config';
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), { merge: true, prettyErrors: true });
  if (doc.errors.length > 0) fail(source, doc.errors.map(yamlProblem));
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (e) {
    // Aliases fail only here: one without its anchor, or more than `maxAliasCount` of them.
    fail(source, [`cannot read the YAML: ${e instanceof Error ? e.message : String(e)}`]);
  }
  if (raw === null || raw === undefined) {
    fail(source, ['the configuration is empty; it needs at least "accounts" and "instruments"']);
  }
  if (!isRecord(raw)) {
    fail(source, [
      `the configuration must be a mapping of sections (accounts, instruments, …), got ${describe(raw)}`,
    ]);
  }

  const env = new EnvSubstitution(options.env ?? process.env);
  const value = env.apply(raw, []) as Record<string, unknown>;
  const parsed = wardenConfigSchema.safeParse(value, { error: configErrorMap });
  // A value left unsubstituted is reported once, as the missing variable, not again as invalid.
  const unsubstituted = [...env.missing, ...env.malformed];
  const hidden = (path: readonly PropertyKey[]) => unsubstituted.some((m) => isWithin(path, m.path));
  const issues = parsed.success ? [] : parsed.error.issues.filter((issue) => !hidden(issue.path));
  const issueProblems = (issue: z.core.$ZodIssue): Problem[] => problemsOfIssue(issue, value);
  const relations = checkRelations(value, {
    secret: (path) => env.secrets.has(formatPath(path)),
    unresolved: hidden,
  });
  const problems = [
    ...unsubstituted,
    ...issues.flatMap(issueProblems),
    ...relations.filter((p) => !hidden(p.path)),
  ];

  if (problems.length > 0 || !parsed.success) {
    const ordered = inDocumentOrder(doc, problems);
    const onlySecrets = env.missing.length === problems.length;
    const missingVariables = [...new Set(env.missingNames)];
    fail(
      source,
      unique(ordered.map(formatProblem)),
      onlySecrets ? 'WARDEN_CONFIG_SECRET_MISSING' : 'WARDEN_CONFIG_INVALID',
      missingVariables.length > 0 ? { missingVariables } : {},
    );
  }
  if (raw.venue !== undefined) options.onWarning?.(legacyVenueNote(source, raw.venue));
  return parsed.data;
}

/** Reads a YAML configuration file and parses it; the path names the file in every message. */
export async function loadConfig(path: string, options: LoadOptions = {}): Promise<WardenConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT' ? `config file not found: ${path}` : `cannot read config file ${path} (${code ?? e})`;
    throw new WardenError('WARDEN_CONFIG_NOT_FOUND', message, { path, ...(code ? { cause: code } : {}) });
  }
  return parseConfig(text, { ...options, source: path });
}

function fail(
  source: string,
  problems: readonly string[],
  code: ErrorCode = 'WARDEN_CONFIG_INVALID',
  extra: Record<string, unknown> = {},
): never {
  const n = problems.length;
  throw new WardenError(code, `${source}: ${n} ${n === 1 ? 'problem' : 'problems'}`, {
    source,
    problems,
    ...extra,
  });
}

function yamlProblem(error: YAMLError): string {
  const firstLine = error.message.split('\n')[0] ?? error.message;
  const message = firstLine.replace(/ at line \d+, column \d+:?$/, '');
  const at = error.linePos?.[0];
  return at === undefined ? message : `line ${at.line}, column ${at.col}: ${message}`;
}

/** The problems of one zod issue; `document` picks the variant of a union for key hints. */
function problemsOfIssue(issue: z.core.$ZodIssue, document: unknown): Problem[] {
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(issue.path, document);
    return issue.keys.map((key) => ({ path: [...issue.path, key], message: unknownKeyMessage(key, known) }));
  }
  return [{ path: issue.path, message: issue.message }];
}

function formatProblem(p: Problem): string {
  const path = formatPath(p.path);
  return path === '' ? p.message : `${path}: ${p.message}`;
}

function unique(lines: readonly string[]): string[] {
  return [...new Set(lines)];
}

function isWithin(path: readonly PropertyKey[], prefix: readonly PropertyKey[]): boolean {
  return prefix.length <= path.length && prefix.every((part, i) => part === path[i]);
}

/** Sorts problems by where their value (or its nearest existing parent) starts in the file. */
function inDocumentOrder(doc: Document, problems: readonly Problem[]): Problem[] {
  const offset = (path: readonly PropertyKey[]): number => {
    for (let n = path.length; n > 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node?.range !== undefined) return node.range[0];
    }
    return -1;
  };
  return problems
    .map((p, i) => ({ p, i, at: offset(p.path) }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map((x) => x.p);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// `$${` escapes a literal `${`; `${NAME:-fallback}` uses the fallback when NAME is unset or empty.
const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string value. Remembers which paths took a
 * value from the environment so that no message ever shows it.
 */
class EnvSubstitution {
  readonly secrets = new Set<string>();
  readonly missing: Problem[] = [];
  readonly missingNames: string[] = [];
  readonly malformed: Problem[] = [];

  constructor(private readonly env: Readonly<Record<string, string | undefined>>) {}

  apply(value: unknown, path: readonly PropertyKey[]): unknown {
    if (typeof value === 'string') return this.string(value, path);
    if (Array.isArray(value)) return value.map((v, i) => this.apply(v, [...path, i]));
    if (isRecord(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.apply(v, [...path, k])]));
    }
    return value;
  }

  private string(text: string, path: readonly PropertyKey[]): string {
    if (!text.includes('${')) return text;
    if (text.replace(REFERENCE, '').includes('${')) {
      this.malformed.push({
        path,
        message:
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the message teaches the ${NAME} syntax.
          'malformed environment variable reference: write ${NAME} or ${NAME:-default}, or $${ for a literal ${',
      });
      return text;
    }
    let substituted = false;
    const out = text.replace(REFERENCE, (match: string, name?: string, fallback?: string) => {
      if (name === undefined) return '${';
      substituted = true;
      const value = this.env[name];
      if (value !== undefined && !(value === '' && fallback !== undefined)) return value;
      if (fallback !== undefined) return fallback;
      this.missing.push({ path, message: `environment variable ${name} is not set` });
      this.missingNames.push(name);
      return match;
    });
    if (substituted) this.secrets.add(formatPath(path));
    return out;
  }
}
