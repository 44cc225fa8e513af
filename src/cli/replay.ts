import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { createCsvTickSource } from '../adapters/market-data/csv-ticks.ts';
import { describeStore, openEventStore } from '../adapters/stores/open-store.ts';
import { loadConfig } from '../app/config/load.ts';
import { formatStatus } from '../app/control/format-status.ts';
import { loadEdges } from '../app/edges-file.ts';
import { inputHash } from '../app/persistence/replay-run.ts';
import { problemText, type ReplaySummary, runReplay } from '../app/replay.ts';
import { WardenError } from '../domain/errors.ts';
import type { EventStore } from '../ports/store.ts';

interface ReplayFlags {
  config: string;
  ticks: string;
  out?: string;
  strict?: boolean;
  quiet?: boolean;
  edges?: string;
  status?: boolean;
  store?: string;
  resume?: boolean;
  commitEvery: string;
  progress?: boolean;
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('Run the engine over a tick file on a simulated clock at full speed; events go out as JSONL')
    .requiredOption('-c, --config <file>', 'YAML configuration file')
    .requiredOption(
      '-t, --ticks <file>',
      'tick CSV: ts,symbol,price[,bid,ask,volume]; ts ISO 8601 or epoch ms',
    )
    .option('-o, --out <file>', 'write the JSONL events to this file instead of stdout')
    .option('--strict', 'stop at the first bad tick with exit code 2 instead of skipping it')
    .option('-q, --quiet', 'do not print skipped ticks, only count them')
    .option('-e, --edges <file>', 'JSONL edges handed to the entry flow at their ts (see examples/README.md)')
    .option('--status', "print every account's standing against its rules at the end (stderr)")
    .option(
      '--store <spec>',
      'persist the run in an event store: a SQLite file or a postgres:// URL (must be new unless --resume)',
    )
    .option('--resume', 'continue the replay held by --store from its last committed tick')
    .option('--commit-every <ticks>', 'ticks per store commit', '5000')
    .option('--progress', 'print "progress N" lines (input records read) on stderr, for scripts')
    .addHelpText(
      'after',
      `
The summary (ticks, events by type, positions closed, realized PnL, wall time, ticks/s) goes
to stderr. Two runs over the same inputs write byte-identical JSONL.

With --store, the events, the positions and decisions tables, the paper venue's orders and the
run's progress commit together every --commit-every ticks. If the run is killed, the same
command with --resume re-derives the committed part (checking it against the store), prints and
stores only what follows, and ends with the same log as a run that was never interrupted.

Exit codes: 0 done, 2 invalid config or (with --strict) a bad tick, 1 unexpected failure.

Examples:
  $ warden replay --config examples/basic.yaml --ticks examples/data/basic-ticks.csv
  $ warden replay -c examples/basic.yaml -t examples/data/basic-ticks.csv -o events.jsonl
  $ warden replay -c desk.yaml -t ticks.csv --strict > events.jsonl
  $ warden replay -c examples/prop-firm.yaml -t examples/data/prop-firm-ticks.csv \
      --edges examples/data/prop-firm-edges.jsonl --status -o events.jsonl
  $ warden replay -c desk.yaml -t ticks.csv --store data/run.db -o events.jsonl
  $ warden replay -c desk.yaml -t ticks.csv --store data/run.db --resume -o more-events.jsonl`,
    )
    .action(async (flags: ReplayFlags) => {
      const config = await loadConfig(flags.config);
      const edges = flags.edges !== undefined ? await loadEdges(flags.edges, config) : undefined;
      // Check the tick file before creating --out, so a typo leaves no empty output behind.
      await stat(flags.ticks).catch(() => {
        throw new WardenError(
          'WARDEN_INPUT_NOT_FOUND',
          `${flags.ticks}: tick file not found or not readable`,
        );
      });
      const commitEveryTicks = Number(flags.commitEvery);
      if (!Number.isInteger(commitEveryTicks) || commitEveryTicks < 1) {
        throw new WardenError(
          'WARDEN_CONFIG_INVALID',
          `--commit-every must be a whole number ≥ 1, not ${flags.commitEvery}`,
          {
            problems: [`--commit-every: ${flags.commitEvery} is not a whole number ≥ 1`],
          },
        );
      }
      if (flags.resume && flags.store === undefined) {
        throw new WardenError(
          'WARDEN_RESUME_MISMATCH',
          '--resume needs --store: the store holding the run to continue',
        );
      }
      const store: EventStore | undefined =
        flags.store !== undefined ? await openEventStore(flags.store) : undefined;
      const source = createCsvTickSource(flags.ticks);
      const out: Writable = flags.out !== undefined ? createWriteStream(flags.out) : process.stdout;
      const bar = process.stderr.isTTY ? await progressBar(flags.ticks) : undefined;
      let summary: ReplaySummary;
      try {
        summary = await runReplay({
          config,
          source,
          out,
          strict: flags.strict ?? false,
          onProblem: (p) => {
            if (flags.strict || flags.quiet) return;
            bar?.clear();
            process.stderr.write(`skipped ${problemText(p)}\n`);
          },
          onProgress: (n) => {
            bar?.update(n);
            if (flags.progress) process.stderr.write(`progress ${n}\n`);
          },
          ...(flags.progress ? { progressEvery: 1_000 } : {}),
          ...(edges !== undefined ? { edges } : {}),
          ...(flags.status ? { status: true } : {}),
          ...(store !== undefined
            ? {
                store: {
                  store,
                  name: describeStore(flags.store!),
                  inputHash: await inputHash([flags.ticks, flags.edges]),
                  resume: flags.resume === true,
                  commitEveryTicks,
                },
              }
            : {}),
        });
      } finally {
        bar?.finish();
        await store?.close();
        if (out !== process.stdout) await new Promise<void>((resolve) => out.end(resolve));
      }
      process.stderr.write(formatSummary(summary));
      if (summary.status !== undefined) process.stderr.write(`\n${formatStatus(summary.status)}`);
    });
}

/** A progress bar over the tick file's line count (counted quickly up front). */
async function progressBar(path: string) {
  let total: number;
  try {
    total = await countLines(path);
  } catch {
    throw new WardenError('WARDEN_INPUT_NOT_FOUND', `${path}: cannot read the tick file`);
  }
  const bar = new cliProgress.SingleBar(
    {
      format: 'replay [{bar}] {percentage}% | {value}/{total} ticks | {eta_formatted} left',
      stream: process.stderr,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Math.max(total - 1, 1), 0);
  return {
    update: (n: number) => bar.update(n),
    clear: () => process.stderr.write('\r\x1b[K'),
    finish: () => bar.stop(),
  };
}

async function countLines(path: string): Promise<number> {
  await stat(path);
  const { createReadStream } = await import('node:fs');
  let lines = 0;
  for await (const chunk of createReadStream(path)) {
    const buf = chunk as Buffer;
    for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) lines++;
  }
  return lines;
}

export function formatSummary(s: ReplaySummary): string {
  const lines = [
    'replay summary',
    `  ticks        ${s.ticksRead} read, ${s.ticksAccepted} accepted, ${s.ticksRead - s.ticksAccepted} skipped`,
  ];
  for (const [code, n] of Object.entries(s.problems)) lines.push(`    ${code.padEnd(28)} ${n}`);
  lines.push(`  events       ${s.events}`);
  for (const [type, n] of Object.entries(s.eventsByType)) lines.push(`    ${type.padEnd(36)} ${n}`);
  lines.push(
    `  positions    ${s.positionsOpened} opened, ${s.positionsClosed} closed, ${s.openPositions} still open`,
    `  realized PnL ${s.realizedPnl} (net of fees, all accounts)`,
    `  wall time    ${(s.wallMs / 1000).toFixed(3)} s`,
    `  throughput   ${s.ticksPerSec} ticks/s`,
  );
  if (s.store !== undefined) {
    lines.push(
      `  store        ${s.store.events} events in ${s.store.commits} commit(s)${s.store.resumedAfter > 0 ? `, resumed after input record ${s.store.resumedAfter}` : ''}`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
