import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { loadConfig } from '../app/config/load.ts';
import { formatStatus } from '../app/control/format-status.ts';
import { loadEdges } from '../app/edges-file.ts';
import { openTickFile } from '../app/feeds.ts';
import { openStoreForWriting } from '../app/open-for-writing.ts';
import { openOutputFile } from '../app/output-file.ts';
import { openReplayOutput, type ReplayOutputStream } from '../app/persistence/replay-output.ts';
import { configHash, inputHash } from '../app/persistence/replay-run.ts';
import { problemText, type ReplaySummary, runReplay } from '../app/replay.ts';
import { checkReplayInput } from '../app/replay-checks.ts';
import {
  formatTradeTable,
  type ReportFormat,
  reportFormatOf,
  tradeHeadline,
  tradeReportText,
} from '../app/trade-report-format.ts';
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
  allowSkips?: boolean;
  maxSkipped: string;
  report?: string;
  reportFormat?: string;
}

/** Closed trades listed in the summary; the others are counted (and all in `--report`). */
const SUMMARY_TRADES = 50;

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
    .option(
      '--max-skipped <pct>',
      'exit 2 when more than this share of the input records (in %) was skipped as bad',
      '1',
    )
    .option('--allow-skips', 'never fail for skipped records (they are still reported and counted)')
    .option(
      '--report <file>',
      'write the closed trades (entry, exit, reason, PnL, held time) to this file, CSV or JSON by its extension',
    )
    .option('--report-format <format>', 'csv or json, whatever the --report file is called')
    .addHelpText(
      'after',
      `
The summary (ticks, events by type, positions, realized PnL, the closed trades per account and
position, wall time, ticks/s) goes to stderr. Two runs over the same inputs write byte-identical
JSONL.

Bad ticks are skipped and counted; a run that skipped more than --max-skipped percent (1) of its
input exits 2 after its summary (WARDEN_INPUT_TOO_MANY_SKIPPED), unless --allow-skips. It warns
when the file looks reversed (newest first) or out of order. A tick more than a day and 1,000
median gaps past the one before is held back until the next 3 ticks follow it (a weekend); if they
go on from before it (a mistyped year), it is skipped as WARDEN_TICK_CLOCK_JUMP, and no position
is closed by a typo. Every jump of the clock over a day is reported.

With --store, the events, the positions and decisions tables, the paper venue's orders and the
run's progress commit together every --commit-every ticks. If the run is killed, the same
command with --resume re-derives the committed part (checking it against the store) and stores
what follows. It prints every event the earlier output lacks: it reads the last complete line of
that output (recorded in the store; a torn last line is cut off) and prints the events after it,
appended when -o names the same file. The outputs, concatenated in order, are the uninterrupted
run's output; \`warden events --store F --json\` prints the complete log at any time.

A new SQLite store is created in a directory that exists: --store in a missing directory is
refused (WARDEN_STORE_NOT_FOUND), as is --out in one (WARDEN_OUTPUT_NOT_WRITABLE); no
directory is ever created.

Exit codes: 0 done, 2 bad input: an invalid config, a missing tick or edges file, a --store or
--out in a missing directory, a resume that does not match, (with --strict) a bad tick, or
more than --max-skipped percent of the input skipped; 1 unexpected failure.

Examples:
  $ warden replay --config examples/basic.yaml --ticks examples/data/basic-ticks.csv
  $ warden replay -c examples/basic.yaml -t examples/data/basic-ticks.csv -o events.jsonl
  $ warden replay -c desk.yaml -t ticks.csv --strict > events.jsonl
  $ warden replay -c examples/prop-firm.yaml -t examples/data/prop-firm-ticks.csv \\
      --edges examples/data/prop-firm-edges.jsonl --status -o events.jsonl --report trades.csv
  $ warden replay -c desk.yaml -t ticks.csv --store data/run.db -o events.jsonl
  $ warden replay -c desk.yaml -t ticks.csv --store data/run.db --resume -o more-events.jsonl`,
    )
    .action(async (flags: ReplayFlags) => {
      const config = await loadConfig(flags.config, { onWarning: (w) => process.stderr.write(`${w}\n`) });
      const maxSkippedPct = flags.allowSkips ? undefined : skippedShare(flags.maxSkipped);
      const reportFormat =
        flags.report !== undefined ? reportFormatOf(flags.report, flags.reportFormat) : undefined;
      if (flags.reportFormat !== undefined && flags.report === undefined) {
        throw new WardenError(
          'WARDEN_CONFIG_INVALID',
          '--report-format needs --report <file>: where to write it',
        );
      }
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
      // A writer creates the store's file, never its directory.
      const opened = flags.store !== undefined ? await openStoreForWriting(flags.store) : undefined;
      const store: EventStore | undefined = opened?.store;
      const source = openTickFile(flags.ticks);
      const hash = opened !== undefined ? await inputHash([flags.ticks, flags.edges]) : undefined;
      const closeStoreOnError = async (error: unknown): Promise<never> => {
        await store?.close();
        throw error;
      };
      // With a store, the output is the run's: recorded in it, and found again on resume.
      const output: ReplayOutputStream | undefined =
        opened !== undefined
          ? await openReplayOutput({
              store: opened.store,
              storeName: opened.name,
              identity: { configHash: configHash(config), inputHash: hash! },
              resume: flags.resume === true,
              out: flags.out,
            }).catch(closeStoreOnError)
          : undefined;
      for (const note of output?.notes ?? []) process.stderr.write(`${note}\n`);
      const out: Writable =
        output !== undefined
          ? (output.stream ?? process.stdout)
          : flags.out !== undefined
            ? await openOutputFile(flags.out).catch(closeStoreOnError)
            : process.stdout;
      const report =
        flags.report !== undefined
          ? await openOutputFile(flags.report, '--report').catch(closeStoreOnError)
          : undefined;
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
          ...(opened !== undefined
            ? {
                store: {
                  store: opened.store,
                  name: opened.name,
                  inputHash: hash!,
                  resume: flags.resume === true,
                  commitEveryTicks,
                  ...(output !== undefined ? { output: output.output } : {}),
                  ...(output?.print !== undefined ? { print: output.print } : {}),
                },
              }
            : {}),
        });
      } catch (error) {
        report?.end();
        throw error;
      } finally {
        bar?.finish();
        await store?.close();
        if (out !== process.stdout) await new Promise<void>((resolve) => out.end(resolve));
      }
      process.stderr.write(formatSummary(summary));
      if (summary.status !== undefined) process.stderr.write(`\n${formatStatus(summary.status)}`);
      if (report !== undefined) {
        const text = tradeReportText(summary.trades, reportFormat as ReportFormat);
        await new Promise<void>((resolve) => report.end(text, resolve));
      }
      const verdict = checkReplayInput(summary, {
        ...(maxSkippedPct !== undefined ? { maxSkippedPct } : {}),
        ticksPath: flags.ticks,
      });
      for (const warning of verdict.warnings) process.stderr.write(`${warning}\n`);
      if (verdict.failure !== undefined) throw verdict.failure;
    });
}

/** `--max-skipped`: a percentage from 0 to 100. */
function skippedShare(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 100) {
    throw new WardenError(
      'WARDEN_CONFIG_INVALID',
      `--max-skipped must be a percentage from 0 to 100, not ${value}`,
      {
        problems: [`--max-skipped: ${value} is not a number from 0 to 100`],
      },
    );
  }
  return n;
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
    `  trades       ${tradeHeadline(s.trades)}`,
    ...formatTradeTable(s.trades, {
      limit: SUMMARY_TRADES,
      more: '--report FILE writes them all',
    }).map((line) => `    ${line}`),
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
