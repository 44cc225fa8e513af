// Builds the CLI once into dist/warden.js (one ES module, dependencies left to node_modules), so
// `warden` starts without compiling TypeScript on every run. `npm install` runs it (prepare);
// `npm test` runs it again first, so the CLI tests always spawn the current sources.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { build } from 'esbuild';

const started = performance.now();
const result = await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/warden.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  write: false,
});
// Each file is written aside and renamed into place, so a CLI starting meanwhile (tests run
// side by side) never reads half a file.
mkdirSync('dist', { recursive: true });
for (const file of result.outputFiles) {
  const aside = `${file.path}.${process.pid}.tmp`;
  writeFileSync(aside, file.contents);
  renameSync(aside, file.path);
}
if (process.argv.includes('--verbose')) {
  const names = result.outputFiles.map((f) => basename(f.path)).join(', ');
  console.log(`built ${names} in ${Math.round(performance.now() - started)} ms`);
}
