import type { Command } from 'commander';
import { loadConfig } from '../app/config/load.ts';
import { syntheticFeed } from '../app/feeds.ts';
import { openOutputFile } from '../app/output-file.ts';
import { WardenError } from '../domain/errors.ts';

interface GenerateFlags {
  config: string;
  count: string;
  start: string;
  out?: string;
  seed?: string;
  intervalMs?: string;
  volatility?: string;
  spreadBps?: string;
}

function positiveNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new WardenError('WARDEN_CONFIG_INVALID', `${flag} must be a positive number, got "${value}"`);
  return n;
}

export function registerGenerateTicks(program: Command): void {
  program
    .command('generate-ticks')
    .description(
      "Write synthetic ticks as CSV from a config's feed section (seeded: same options, same file)",
    )
    .requiredOption(
      '-c, --config <file>',
      'YAML configuration with a feed section (symbols, start prices, volatility)',
    )
    .requiredOption('-n, --count <ticks>', 'number of ticks over all symbols')
    .requiredOption('-s, --start <time>', 'timestamp of the first tick, ISO 8601 with a zone')
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .option('--seed <n>', "override the feed's seed")
    .option('--interval-ms <ms>', "override the feed's tick interval")
    .option('--volatility <x>', 'multiply every symbol’s annual volatility by x (e.g. 20 for a busy example)')
    .option('--spread-bps <bps>', 'add bid and ask this many basis points around the price')
    .addHelpText(
      'after',
      `
Exit codes: 0 done, 2 bad input (a config without a feed section, a bad --count, --start,
--seed, …, an --out in a directory that does not exist), 1 unexpected failure.

Examples:
  $ warden generate-ticks -c examples/basic.yaml -n 20000 -s 2026-01-05T14:00:00Z -o ticks.csv
  $ warden generate-ticks -c desk.yaml -n 1000000 -s 2026-01-05T00:00:00Z --volatility 5 > big.csv`,
    )
    .action(async (flags: GenerateFlags) => {
      const config = await loadConfig(flags.config, { onWarning: (w) => process.stderr.write(`${w}\n`) });
      const feed = config.feed;
      if (feed === undefined) {
        throw new WardenError(
          'WARDEN_CONFIG_INVALID',
          `${flags.config}: generate-ticks needs a feed section`,
        );
      }
      const startTime = Date.parse(flags.start);
      if (!/[zZ]|[+-]\d\d:?\d\d$/.test(flags.start) || Number.isNaN(startTime)) {
        throw new WardenError(
          'WARDEN_CONFIG_INVALID',
          `--start must be ISO 8601 with a zone, got "${flags.start}"`,
        );
      }
      const volatility =
        flags.volatility !== undefined ? positiveNumber('--volatility', flags.volatility) : 1;
      const tickSizes = new Map(config.instruments.map((i) => [i.symbol, i.tickSize]));
      const synthetic = syntheticFeed({
        seed: flags.seed !== undefined ? Number.parseInt(flags.seed, 10) : feed.seed,
        symbols: feed.symbols.map((s) => ({
          symbol: s.symbol,
          startPrice: s.startPrice,
          tickSize: tickSizes.get(s.symbol) ?? 0.01,
          annualVolatility: s.annualVolatility * volatility,
        })),
        tickIntervalMs:
          flags.intervalMs !== undefined
            ? positiveNumber('--interval-ms', flags.intervalMs)
            : feed.tickIntervalMs,
        startTime,
        count: Math.floor(positiveNumber('--count', flags.count)),
        pace: 'full',
        ...(flags.spreadBps !== undefined
          ? { spreadBps: positiveNumber('--spread-bps', flags.spreadBps) }
          : {}),
      });
      const out = flags.out !== undefined ? await openOutputFile(flags.out) : process.stdout;
      const quotes = flags.spreadBps !== undefined;
      let buffer = quotes ? 'ts,symbol,price,bid,ask,volume\n' : 'ts,symbol,price,volume\n';
      for (const step of synthetic.steps()) {
        const t = step.tick;
        buffer += quotes
          ? `${new Date(t.ts).toISOString()},${t.symbol},${t.price},${t.bid},${t.ask},${t.volume ?? 0}\n`
          : `${new Date(t.ts).toISOString()},${t.symbol},${t.price},${t.volume ?? 0}\n`;
        if (buffer.length > 65_536) {
          if (!out.write(buffer)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
          buffer = '';
        }
      }
      out.write(buffer);
      if (out !== process.stdout) await new Promise<void>((resolve) => out.end(resolve));
    });
}
