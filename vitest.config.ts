import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/build-cli.ts'],
    // Hang guards, not performance checks: tests that spawn the CLI or talk to PostgreSQL must
    // pass on a machine busy with other work (figures are measured by `npm run bench`).
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
