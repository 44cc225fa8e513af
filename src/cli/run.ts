import type { Command } from 'commander';
import { describeStore, openEventStore } from '../adapters/stores/open-store.ts';
import { defaultConfig } from '../app/config/defaults.ts';
import { loadConfig } from '../app/config/load.ts';
import { runDaemon } from '../app/daemon.ts';
import { createLogger } from '../app/logger.ts';
import { resolveStoreSpec, STORE_OPTION_HELP } from '../app/store-spec.ts';
import { WardenError } from '../domain/errors.ts';

const MAX_TIMER_MS = 2_147_483_647;

interface RunFlags {
  config?: string;
  duration?: string;
  logLevel?: string;
  socket?: string | false;
  store?: string;
  snapshotEvery: string;
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
    .addHelpText(
      'after',
      `
Stops gracefully on Ctrl-C or SIGTERM: the feed stops, queued events drain and commit, a
snapshot is written, then it exits 0. Logs are readable lines on a terminal and JSON lines
otherwise.

Every event, the positions and decisions tables and the paper venue's state commit to the store
(group commit, a few ms after the events). A start on a store that holds a run recovers it: the
latest snapshot, the events after it, then a reconciliation with the venue that records every
discrepancy as Risk.Alert.Triggered.v1 and corrects to the venue. With a PostgreSQL store, a row
another program inserts into the positions table is watched within a second (LISTEN/NOTIFY).
--store memory keeps nothing.

Examples:
  $ warden run
  $ warden run --config examples/basic.yaml --log-level debug
  $ warden run --duration 30 > warden.log
  $ warden run --store postgres://warden@db.internal/warden`,
    )
    .action(async (flags: RunFlags) => {
      const config = flags.config !== undefined ? await loadConfig(flags.config) : defaultConfig();
      const logger = createLogger({ level: flags.logLevel ?? config.logging.level, destination: 1 });
      const controller = new AbortController();
      const stop = (signal: string) => {
        if (controller.signal.aborted) return;
        logger.info(`received ${signal}`);
        controller.abort();
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
      let timer: NodeJS.Timeout | undefined;
      if (flags.duration !== undefined) {
        const seconds = Number(flags.duration);
        // A bad flag is bad input (exit 2), not a bug. setTimeout fires at once past 2^31−1 ms.
        if (!(seconds > 0 && seconds * 1000 <= MAX_TIMER_MS))
          throw new WardenError(
            'WARDEN_CONFIG_INVALID',
            `--duration must be a positive number of seconds up to ${MAX_TIMER_MS / 1000}, got "${flags.duration}"`,
          );
        timer = setTimeout(() => stop(`--duration ${seconds}s`), seconds * 1000);
      }
      const snapshotEverySeconds = Number(flags.snapshotEvery);
      if (!(snapshotEverySeconds > 0 && snapshotEverySeconds * 1000 <= MAX_TIMER_MS)) {
        throw new WardenError(
          'WARDEN_CONFIG_INVALID',
          `--snapshot-every must be a positive number of seconds, got "${flags.snapshotEvery}"`,
        );
      }
      const spec = resolveStoreSpec(flags.store);
      const store = spec === 'memory' ? undefined : await openEventStore(spec);
      try {
        await runDaemon({
          config,
          logger,
          signal: controller.signal,
          controlSocket: flags.socket ?? false,
          snapshotEverySeconds,
          ...(store !== undefined ? { store: { store, name: describeStore(spec) } } : {}),
        });
      } finally {
        if (timer !== undefined) clearTimeout(timer);
        await store?.close();
      }
    });
}
