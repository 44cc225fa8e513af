import type { Command } from 'commander';
import { defaultConfig } from '../app/config/defaults.ts';
import { loadConfig } from '../app/config/load.ts';
import { checkSocketFlag } from '../app/control/protocol.ts';
import { runDaemon } from '../app/daemon.ts';
import { createLogger } from '../app/logger.ts';
import { openStoreForWriting } from '../app/open-for-writing.ts';
import { DEFAULT_STORE, resolveStoreSpec, STORE_OPTION_HELP } from '../app/store-spec.ts';
import { WardenError } from '../domain/errors.ts';

const MAX_TIMER_MS = 2_147_483_647;

interface RunFlags {
  config?: string;
  duration?: string;
  logLevel?: string;
  socket?: string | false;
  store?: string;
  snapshotEvery: string;
  drainTimeout: string;
  logFormat?: string;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('Run the daemon: paper venue, synthetic feed at live pace, demo entries, readable log lines')
    .option('-c, --config <file>', 'YAML configuration file (default: the embedded demo configuration)')
    .option('-d, --duration <seconds>', 'stop by itself after this many seconds')
    .option('-l, --log-level <level>', 'trace, debug, info, warn or error (default: the config’s, else info)')
    .option('-s, --socket <path>', 'control socket for warden status / warden state', 'data/warden.sock')
    .option('--no-socket', 'do not listen on a control socket')
    .option('--store <spec>', STORE_OPTION_HELP)
    .option('--snapshot-every <seconds>', 'seconds between snapshots of the engine', '60')
    .option(
      '--drain-timeout <seconds>',
      'after Ctrl-C or SIGTERM, exit 1 if the graceful stop has not finished within this many seconds',
      '10',
    )
    .option('--log-format <format>', 'pretty or json (default: pretty on a terminal, json otherwise)')
    .addHelpText(
      'after',
      `
Stops gracefully on Ctrl-C or SIGTERM: the feed stops, queued events drain and commit, a
snapshot is written, then it exits 0. If that takes longer than --drain-timeout (10 s), or a
second Ctrl-C or SIGTERM comes, it exits 1 at once; the next start recovers from the store.
A start that fails (the store, its writer lock, the control socket) exits at once, having
released what it opened.

Logs are readable lines on a terminal and JSON lines otherwise (--log-format to choose): each
JSON line has an ISO 8601 time, the level's name, the message, and the positionId, accountId
and symbol of the position, account or symbol it is about.

A store has one writer at a time: a second warden run (or replay --store) on a store in use is
refused with WARDEN_STORE_LOCKED (exit 1), naming the running one's pid and host. Readers
(events, explain, decisions, audit verify) work while the daemon runs. A daemon that died,
however it died, leaves no lock behind.

Every event, the positions and decisions tables and the paper venue's state commit to the store
(group commit, a few ms after the events). A start on a store that holds a run recovers it: the
latest snapshot, the events after it, then a reconciliation with the venue that records every
discrepancy as Risk.Alert.Triggered.v1 and corrects to the venue. With a PostgreSQL store, a row
another program inserts into the positions table is watched within a second (LISTEN/NOTIFY).
--store memory keeps nothing. A new SQLite store is created in a directory that exists: a
--store (or $WARDEN_STORE) in a missing directory is refused (WARDEN_STORE_NOT_FOUND, exit 2);
only the default data/warden.db creates its data/.

Exit codes: 0 stopped gracefully, 2 bad input (config, a flag, a store in a missing directory),
1 a failure (the store or the control socket cannot be opened, another writer holds the store,
the stop did not finish within --drain-timeout, or a bug).

Examples:
  $ warden run
  $ warden run --config examples/basic.yaml --log-level debug
  $ warden run --duration 30 > warden.log
  $ warden run --store postgres://warden@db.internal/warden`,
    )
    .action(async (flags: RunFlags) => {
      const onWarning = (w: string) => process.stderr.write(`${w}\n`);
      const config =
        flags.config !== undefined ? await loadConfig(flags.config, { onWarning }) : defaultConfig();
      const pretty = logFormatOf(flags.logFormat);
      const logger = createLogger({
        level: flags.logLevel ?? config.logging.level,
        destination: 1,
        ...(pretty !== undefined ? { pretty } : {}),
      });
      const drainSeconds = Number(flags.drainTimeout);
      if (!(drainSeconds > 0 && drainSeconds * 1000 <= MAX_TIMER_MS)) {
        throw new WardenError(
          'WARDEN_CONFIG_INVALID',
          `--drain-timeout must be a positive number of seconds, got "${flags.drainTimeout}"`,
        );
      }
      const controller = new AbortController();
      let finished = false;
      let deadlineArmed = false;
      // A hang guard, armed when the daemon stops or ends, and unref'd so that it never keeps the
      // process alive by itself: it fires only when something else still does, a drain that does
      // not finish or a handle left open.
      const armDeadline = () => {
        if (deadlineArmed) return;
        deadlineArmed = true;
        setTimeout(() => {
          if (finished) {
            logger.warn(`still running ${drainSeconds} s after stopping: exiting`);
            process.exit(typeof process.exitCode === 'number' ? process.exitCode : 1);
          }
          logger.error(
            `the graceful stop did not finish within --drain-timeout ${drainSeconds} s: exiting without it (the next start recovers from the store)`,
          );
          process.exit(1);
        }, drainSeconds * 1000).unref();
      };
      const stop = (reason: string) => {
        if (controller.signal.aborted) return;
        logger.info(`received ${reason}`);
        controller.abort();
        armDeadline();
      };
      const onSignal = (signal: NodeJS.Signals) => {
        if (!controller.signal.aborted) return stop(signal);
        logger.warn(`received ${signal} again: exiting at once, without finishing the graceful stop`);
        process.exit(1);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const seconds = flags.duration !== undefined ? Number(flags.duration) : undefined;
      // A bad flag is bad input (exit 2), not a bug. setTimeout fires at once past 2^31−1 ms.
      if (seconds !== undefined && !(seconds > 0 && seconds * 1000 <= MAX_TIMER_MS))
        throw new WardenError(
          'WARDEN_CONFIG_INVALID',
          `--duration must be a positive number of seconds up to ${MAX_TIMER_MS / 1000}, got "${flags.duration}"`,
        );
      const snapshotEverySeconds = Number(flags.snapshotEvery);
      if (!(snapshotEverySeconds > 0 && snapshotEverySeconds * 1000 <= MAX_TIMER_MS)) {
        throw new WardenError(
          'WARDEN_CONFIG_INVALID',
          `--snapshot-every must be a positive number of seconds, got "${flags.snapshotEvery}"`,
        );
      }
      if (typeof flags.socket === 'string') checkSocketFlag(flags.socket);
      const spec = resolveStoreSpec(flags.store);
      // Only the default store's data/ is created: a directory a person named must exist.
      const store =
        spec === 'memory'
          ? undefined
          : await openStoreForWriting(spec, { createDirectory: spec === DEFAULT_STORE });
      // Armed once every flag is checked: a refused flag must not leave a timer holding the process.
      const timer =
        seconds !== undefined ? setTimeout(() => stop(`--duration ${seconds}s`), seconds * 1000) : undefined;
      try {
        await runDaemon({
          config,
          logger,
          signal: controller.signal,
          controlSocket: flags.socket ?? false,
          snapshotEverySeconds,
          ...(store !== undefined ? { store } : {}),
        });
      } finally {
        if (timer !== undefined) clearTimeout(timer);
        await store?.store.close();
        finished = true;
        armDeadline();
      }
    });
}

/** `--log-format`: true for pretty, false for JSON, undefined to go by the terminal. */
function logFormatOf(format: string | undefined): boolean | undefined {
  if (format === undefined) return undefined;
  if (format === 'pretty' || format === 'json') return format === 'pretty';
  throw new WardenError('WARDEN_CONFIG_INVALID', `--log-format must be pretty or json, got "${format}"`);
}
