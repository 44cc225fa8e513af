#!/usr/bin/env node
// Runs the CLI built by `npm install` (dist/warden.js). In a checkout where it was never built,
// the TypeScript sources run through tsx instead (slower to start); `npm run build` builds it.
import { existsSync } from 'node:fs';

const built = new URL('../dist/warden.js', import.meta.url);
if (existsSync(built) && process.env.WARDEN_FROM_SOURCES !== '1') {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
