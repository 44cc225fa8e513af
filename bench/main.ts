import { availableParallelism } from 'node:os';
import { scenarios } from './scenarios.ts';

/**
 * `npm run bench -- <scenario> [<scenario> …]`: runs the named scenarios (all when none is named)
 * and prints one JSON object per scenario (per database for `store`) on stdout; a readable line per
 * object goes to stderr.
 */
async function main(argv: string[]): Promise<number> {
  const names = argv.length > 0 ? argv : Object.keys(scenarios);
  for (const name of names) {
    if (!(name in scenarios)) {
      process.stderr.write(`unknown scenario "${name}"; known: ${Object.keys(scenarios).join(', ')}\n`);
      return 2;
    }
  }
  for (const name of names) {
    const outcome = await scenarios[name]!();
    for (const figures of Array.isArray(outcome) ? outcome : [outcome]) {
      const result = { scenario: name, cores: availableParallelism(), ...figures };
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.stderr.write(
        `${name}: ${Object.entries(figures)
          .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
          .join(' ')}\n`,
      );
    }
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
