import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PAPER_ERRORS } from '../../src/adapters/venues/paper/errors.ts';
import { reportError } from '../../src/cli/errors.ts';
import { ERROR_CODES, type ErrorCode, VenueError, WardenError } from '../../src/domain/errors.ts';

/*
 * Keeps the error catalog (src/domain/errors.ts), the codes used in src/ and docs/errors.md in
 * sync, as STYLE.md asks: every code has one definition, one documented row, and a producer.
 */

const ROOT = new URL('../..', import.meta.url).pathname;
const CATALOG_FILE = 'src/domain/errors.ts';
const DOCS = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

/**
 * Codes in the catalog that nothing in src/ raises yet, kept for features on the way. Remove a
 * code from here as soon as something raises it (the last test below fails until you do).
 */
const RESERVED: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  // Event size limit: no store or transport enforces one yet.
  'WARDEN_EVENT_TOO_LARGE',
]);

/** Every .ts file under src/, relative to the repository root, with its text. */
function sources(dir = join(ROOT, 'src')): { path: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    if (!entry.name.endsWith('.ts')) return [];
    return [{ path: relative(ROOT, full), text: readFileSync(full, 'utf8') }];
  });
}

const SOURCES = sources();

function matches(text: string, pattern: RegExp): string[] {
  return [...text.matchAll(pattern)].map((m) => m[1] as string);
}

/** The docs row that starts with the given code: `| \`CODE\` | …`. */
function docsRow(code: string): string[] | undefined {
  const line = DOCS.split('\n').find((l) => l.startsWith(`| \`${code}\``));
  return line
    ?.split('|')
    .slice(1, -1)
    .map((cell) => cell.trim());
}

const discard = () => new Writable({ write: (_chunk, _encoding, done) => done() });

describe('error catalog', () => {
  it('has at least one code, each with a description', () => {
    expect(CODES.length).toBeGreaterThan(0);
    for (const code of CODES) {
      expect(code).toMatch(/^WARDEN_[A-Z_]+$/);
      expect(ERROR_CODES[code].length, code).toBeGreaterThan(0);
    }
  });

  it('maps every VenueError retry class to its own venue code', () => {
    const codes = (['transient', 'rejected', 'fatal'] as const).map(
      (retry) => new VenueError(retry, 'X', 'x').code,
    );
    expect(codes).toEqual(['WARDEN_VENUE_TRANSIENT', 'WARDEN_VENUE_REJECTED', 'WARDEN_VENUE_FATAL']);
  });
});

describe('docs/errors.md', () => {
  it('documents every code in ERROR_CODES in a row of its own', () => {
    const undocumented = CODES.filter((code) => docsRow(code) === undefined);
    expect(undocumented).toEqual([]);
  });

  it('mentions no code that ERROR_CODES lacks', () => {
    // Environment variables read by src/ (process.env.WARDEN_DEBUG) share the prefix; they are not codes.
    const envVars = new Set(SOURCES.flatMap((s) => matches(s.text, /process\.env\.(WARDEN_[A-Z_]+)/g)));
    const mentioned = new Set(matches(DOCS, /\b(WARDEN_[A-Z_]+)\b/g));
    const unknown = [...mentioned].filter((code) => !(code in ERROR_CODES) && !envVars.has(code));
    expect(unknown).toEqual([]);
  });

  it('gives for each code the exit code the CLI actually returns', () => {
    for (const code of CODES) {
      const documented = docsRow(code)?.[1];
      const actual = reportError(new WardenError(code, 'test'), discard());
      expect(documented, code).toBe(String(actual));
    }
  });

  it('lists every paper venue reason with its retry class', () => {
    for (const [reason, { retry }] of Object.entries(PAPER_ERRORS)) {
      expect(docsRow(reason)?.slice(0, 2), reason).toEqual([`\`${reason}\``, `\`${retry}\``]);
    }
  });
});

describe('codes used in src/', () => {
  it('are all in ERROR_CODES', () => {
    const unknown = SOURCES.flatMap(({ path, text }) =>
      matches(text, /'(WARDEN_[A-Z_]+)'/g)
        .filter((code) => !(code in ERROR_CODES))
        .map((code) => `${path}: ${code}`),
    );
    expect(unknown).toEqual([]);
  });

  it('cover every code in ERROR_CODES, except the reserved ones', () => {
    const outside = SOURCES.filter((s) => s.path !== CATALOG_FILE);
    const used = new Set<string>(outside.flatMap((s) => matches(s.text, /'(WARDEN_[A-Z_]+)'/g)));
    // VenueError picks its code from the retry class, so a venue's retry table raises those codes.
    const venueCode = {
      transient: 'WARDEN_VENUE_TRANSIENT',
      rejected: 'WARDEN_VENUE_REJECTED',
      fatal: 'WARDEN_VENUE_FATAL',
    } as const;
    for (const s of outside) {
      for (const retry of matches(s.text, /retry: '(transient|rejected|fatal)'/g)) {
        used.add(venueCode[retry as keyof typeof venueCode]);
      }
    }
    // VenueNotSupportedError carries its own code.
    if (outside.some((s) => /new VenueNotSupportedError\(/.test(s.text)))
      used.add('WARDEN_VENUE_NOT_SUPPORTED');
    const unused = CODES.filter((code) => !used.has(code));
    expect(unused.sort()).toEqual([...RESERVED].sort());
    // A reserved code is documented as such, so no reader expects to see it yet.
    for (const code of RESERVED) expect(docsRow(code)?.[2], code).toContain('Reserved');
  });
});
