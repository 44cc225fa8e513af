import type { Command } from 'commander';
import { envelopeJson, formatEventLine } from '../app/inspect/event-line.ts';
import { LineWriter } from '../app/inspect/line-writer.ts';
import { type EventPrinter, followEvents, listEvents } from '../app/inspect/list-events.ts';
import { openStoreForReading } from '../app/inspect/open-for-reading.ts';
import { parseLimit, parseTimeFlag } from '../app/inspect/time-flags.ts';
import { resolveStoreSpec, STORE_OPTION_HELP } from '../app/store-spec.ts';
import type { ReadQuery } from '../ports/store.ts';

interface EventsFlags {
  store?: string;
  account?: string;
  type?: string;
  position?: string;
  since?: string;
  until?: string;
  limit?: string;
  json?: boolean;
  follow?: boolean;
}

/** `warden events [filters] [--json] [--follow]`: the stored events, in log order. */
export function registerEvents(program: Command): void {
  program
    .command('events')
    .description('List the events of the store in log order, filtered; --follow prints new ones as they come')
    .option('--store <spec>', STORE_OPTION_HELP)
    .option('--account <id>', 'only events keyed by this account')
    .option('--type <type>', 'only events of this type, e.g. Trading.Position.Closed.v1')
    .option('--position <id>', 'only events whose data.positionId is this')
    .option(
      '--since <time>',
      'only events at or after: ISO 8601 (UTC without a zone) or a duration ago: 15m, 2h, 1d',
    )
    .option('--until <time>', 'only events before: ISO 8601 or a duration ago, like --since')
    .option(
      '-n, --limit <n>',
      'print at most this many stored events (with --follow: of those already stored)',
    )
    .option('--json', 'print each stored envelope as one JSON line, as `warden replay` writes them')
    .option('-f, --follow', 'after the listing, print new matching events as they are stored, until Ctrl-C')
    .addHelpText(
      'after',
      `
Each line is "#position  time  type  key  summary": the event's place in the log, its time (UTC;
simulated time for a replay), its type, its key and a readable summary (the payload as compact
JSON for events without one). Filters combine. The key of an event is its account id, except
for Market.Candle.Closed.v1 (keyed by symbol) and the venue and store circuit breakers (keyed by
breaker): --account selects what happened on one account.

--follow asks the store for new events every 250 ms and prints those that match, until Ctrl-C
or SIGTERM; it exits 0. A SQLite store must exist: reading never creates one.

Exit codes: 0 done, 2 a bad flag (--since, --until, --limit), 1 the store cannot be opened (or
it failed).

Examples:
  $ warden events --store data/warden.db --type Trading.Position.Closed.v1
  $ warden events --account TS1 --since 2h
  $ warden events --position 01KJQFB950MD8YY34D644SVJ4C --json | jq .data
  $ warden events --since 2026-03-03T14:00:00Z --until 2026-03-03T16:00:00Z --limit 50
  $ warden events --store postgres://warden@db/warden --follow`,
    )
    .action(async (flags: EventsFlags) => {
      const now = Date.now();
      const query: ReadQuery = {
        ...(flags.account !== undefined ? { key: flags.account } : {}),
        ...(flags.type !== undefined ? { type: flags.type } : {}),
        ...(flags.position !== undefined ? { positionId: flags.position } : {}),
        ...(flags.since !== undefined ? { since: parseTimeFlag('--since', flags.since, now) } : {}),
        ...(flags.until !== undefined ? { until: parseTimeFlag('--until', flags.until, now) } : {}),
        ...(flags.limit !== undefined ? { limit: parseLimit(flags.limit) } : {}),
      };
      const { store } = await openStoreForReading(resolveStoreSpec(flags.store));
      const out = new LineWriter(process.stdout);
      // With --follow, SIGINT and SIGTERM end the command normally (exit 0, store closed), even
      // during the first listing.
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      if (flags.follow) {
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      }
      try {
        const width = String(await store.head()).length;
        const print: EventPrinter = async (stored) => {
          await out.line(flags.json ? envelopeJson(stored.envelope) : formatEventLine(stored, width));
          return !out.closed && !stop.signal.aborted;
        };
        const after = await listEvents(store, query, print);
        await out.flush();
        if (flags.follow && !out.closed) {
          // Each new event goes out as soon as it is read.
          const printNow: EventPrinter = async (stored) => {
            if (!(await print(stored))) return false;
            await out.flush();
            return !out.closed;
          };
          await followEvents(store, query, after, printNow, stop.signal);
        }
        await out.end();
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await store.close();
      }
    });
}
