import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The folder of Warden's own `package.json`. Files shipped beside the code (SQL migrations,
 * prompt templates) are found from it, so the same lookup works from the TypeScript sources and
 * from the built `dist/warden.js`, whose `import.meta.url` is elsewhere.
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'warden'
    ) {
      root = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error(`Warden's package.json was not found above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** A path inside the Warden package, e.g. `packageFile('prompts')`. */
export function packageFile(...segments: string[]): string {
  return join(packageRoot(), ...segments);
}
