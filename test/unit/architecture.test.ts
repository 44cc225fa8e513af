import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The layering DESIGN.md and STYLE.md ask for, read from the source files themselves: the domain
 * is pure (no ports, adapters, engine or app; no node:* module), the CLI reaches stores and feeds
 * through app/ (no adapters), and no file of src/ grows past 450 lines.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');
const MAX_LINES = 450;

interface SourceFile {
  /** Path from the repository root, with forward slashes: `src/domain/money.ts`. */
  readonly path: string;
  readonly text: string;
}

function sourceFiles(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (entry.name.endsWith('.ts'))
      out.push({ path: relative(ROOT, full).split(sep).join('/'), text: readFileSync(full, 'utf8') });
  }
  return out;
}

/** Module specifiers of static imports and re-exports (`… from '…'`) and dynamic `import('…')`. */
function importsOf(text: string): string[] {
  const specifiers: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g))
    specifiers.push(m[1]!);
  for (const m of text.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)) specifiers.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(m[1]!);
  return specifiers;
}

/** Where a relative specifier of `file` points, from the repository root; other specifiers as they are. */
function target(file: SourceFile, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  return relative(ROOT, resolve(ROOT, dirname(file.path), specifier))
    .split(sep)
    .join('/');
}

/** `file → specifier` for every import of the files under `under` that lands under one of `forbidden`. */
function crossings(files: readonly SourceFile[], under: string, forbidden: readonly string[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    if (!file.path.startsWith(under)) continue;
    for (const specifier of importsOf(file.text)) {
      const to = target(file, specifier);
      if (forbidden.some((f) => to.startsWith(f))) found.push(`${file.path} → ${specifier}`);
    }
  }
  return found;
}

const files = sourceFiles(SRC);

describe('the architecture of src/', () => {
  it('finds the source files and their imports', () => {
    // Guards the checks below against passing on nothing.
    expect(files.some((f) => f.path === 'src/domain/money.ts')).toBe(true);
    expect(files.some((f) => f.path.startsWith('src/cli/'))).toBe(true);
    expect(
      importsOf("import { a } from '../x.ts';\nexport type { B } from './y.ts';\nawait import('z');"),
    ).toEqual(['../x.ts', './y.ts', 'z']);
    expect(
      crossings(
        [{ path: 'src/cli/bad.ts', text: "import { verifyChain } from '../adapters/stores/chain.ts';" }],
        'src/cli/',
        ['src/adapters/'],
      ),
    ).toEqual(['src/cli/bad.ts → ../adapters/stores/chain.ts']);
  });

  it('the CLI imports no adapter: it reaches stores and feeds through app/', () => {
    expect(crossings(files, 'src/cli/', ['src/adapters/'])).toEqual([]);
  });

  it('the domain imports nothing from ports, adapters, engine or app', () => {
    expect(
      crossings(files, 'src/domain/', ['src/ports/', 'src/adapters/', 'src/engine/', 'src/app/']),
    ).toEqual([]);
  });

  it('the domain imports no node:* module (it does no I/O)', () => {
    expect(crossings(files, 'src/domain/', ['node:'])).toEqual([]);
  });

  it(`no file in src/ is longer than ${MAX_LINES} lines`, () => {
    const long = files
      .map((f) => ({ path: f.path, lines: f.text.split('\n').length - (f.text.endsWith('\n') ? 1 : 0) }))
      .filter((f) => f.lines > MAX_LINES)
      .sort((a, b) => b.lines - a.lines)
      .map((f) => `${f.path} (${f.lines} lines)`);
    expect(long, `files over ${MAX_LINES} lines: ${long.join(', ')}`).toEqual([]);
  });
});
