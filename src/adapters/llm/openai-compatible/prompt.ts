import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DecisionInput } from '../../../domain/agent/decision.ts';
import { WardenError } from '../../../domain/errors.ts';

/** Name of the decision prompt family; a version file is `<name>.<version>.md`. */
export const PROMPT_NAME = 'manage-position';

/** The placeholders a template may use; anything else in `{{…}}` is refused at load time. */
export const PROMPT_PLACEHOLDERS = ['input', 'schema'] as const;
export type PromptPlaceholder = (typeof PROMPT_PLACEHOLDERS)[number];

/** One loaded template: its two sections, placeholders not yet filled in. */
export interface PromptTemplate {
  /** `manage-position.v1`: recorded as `promptVersion` on every decision made with it. */
  readonly id: string;
  readonly path: string;
  readonly system: string;
  readonly user: string;
}

/** The messages a template renders to. */
export interface RenderedPrompt {
  readonly system: string;
  readonly user: string;
}

const SECTION = /^## (system|user)[ \t]*$/gm;
const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]*)\s*\}\}/g;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * Reads `<dir>/manage-position.<version>.md` and checks it: exactly one `## system` line followed
 * by one `## user` line (each alone on its line; what comes before the first is a note for
 * maintainers and is not sent), both sections non-empty, `{{input}}` in the user section, and no
 * placeholder other than `{{input}}` and `{{schema}}`.
 *
 * @throws WardenError `WARDEN_LLM_PROMPT_INVALID` when the version is not a plain name, the file
 *   cannot be read, or the template breaks one of the rules above; the message names the file.
 */
export function loadPromptTemplate(dir: string, version: string): PromptTemplate {
  const id = `${PROMPT_NAME}.${version}`;
  if (!VERSION.test(version)) {
    throw new WardenError(
      'WARDEN_LLM_PROMPT_INVALID',
      `prompt version "${version}" is not a plain name like v1 (letters, digits, - and _)`,
      { version },
    );
  }
  const path = join(dir, `${id}.md`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new WardenError(
      'WARDEN_LLM_PROMPT_INVALID',
      `prompt template ${id} cannot be read at ${path}: ${(e as Error).message}`,
      { path, version },
    );
  }
  const { template, problems } = parseTemplate(id, path, text);
  if (template === undefined) {
    throw new WardenError(
      'WARDEN_LLM_PROMPT_INVALID',
      `prompt template ${path}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
      { path, version, problems },
    );
  }
  return template;
}

/** Splits and checks a template's text; see {@link loadPromptTemplate} for the rules. */
export function parseTemplate(
  id: string,
  path: string,
  text: string,
): { template?: PromptTemplate; problems: string[] } {
  const normalized = text.replace(/\r\n/g, '\n');
  const markers = [...normalized.matchAll(SECTION)];
  const problems: string[] = [];
  const names = markers.map((m) => m[1]);
  if (names.join(',') !== 'system,user') {
    problems.push(
      `expected one "## system" line and then one "## user" line, found ${names.length === 0 ? 'none' : names.map((n) => `"## ${n}"`).join(', ')}`,
    );
    return { problems };
  }
  const [systemMarker, userMarker] = markers as [RegExpExecArray, RegExpExecArray];
  const system = normalized.slice(systemMarker.index + systemMarker[0].length, userMarker.index).trim();
  const user = normalized.slice(userMarker.index + userMarker[0].length).trim();
  if (system === '') problems.push('the system section is empty');
  if (user === '') problems.push('the user section is empty');
  for (const [section, body] of [
    ['system', system],
    ['user', user],
  ] as const) {
    for (const m of body.matchAll(PLACEHOLDER)) {
      const name = m[1] as string;
      if (!(PROMPT_PLACEHOLDERS as readonly string[]).includes(name)) {
        problems.push(
          `unknown placeholder ${m[0]} in the ${section} section (known: ${PROMPT_PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')})`,
        );
      }
    }
  }
  if (!/\{\{\s*input\s*\}\}/.test(user)) problems.push('the user section lacks the {{input}} placeholder');
  if (problems.length > 0) return { problems };
  return { template: { id, path, system, user }, problems };
}

/**
 * Fills a template in. `{{input}}` becomes the decision input as one line of JSON, with `<`
 * written as `\u003c` (the same JSON value) so that no string inside it, however hostile, can
 * close the tag the template wraps the data in. `{{schema}}` becomes the answer's JSON Schema.
 * Substitution is a single pass: placeholder-like text inside the input is left as it is.
 */
export function renderPrompt(
  template: PromptTemplate,
  input: DecisionInput,
  schema: unknown,
): RenderedPrompt {
  const values: Record<PromptPlaceholder, string> = {
    input: JSON.stringify(input).replace(/</g, '\\u003c'),
    schema: JSON.stringify(schema),
  };
  const fill = (body: string) =>
    body.replace(PLACEHOLDER, (whole, name: string) =>
      Object.hasOwn(values, name) ? values[name as PromptPlaceholder] : whole,
    );
  return { system: fill(template.system), user: fill(template.user) };
}
