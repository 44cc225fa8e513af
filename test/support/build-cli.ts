import { execFileSync } from 'node:child_process';

/**
 * Vitest global setup: builds dist/warden.js from the current sources before any test runs, so
 * the CLI tests spawn what a user runs after `npm install`, never a stale build.
 */
export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
}
