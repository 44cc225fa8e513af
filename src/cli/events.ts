import type { Command } from 'commander';
import { envelopeJson, formatEventLine } from '../app/inspect/event-line.ts';
import { LineWriter } from '../app/inspect/line-writer.ts';
import {
  type EventKeep,
  type EventPrinter,
  FOLLOW_INTERVAL_MS,
  followEvents,
  listEvents,
} from '../app/inspect/list-events.ts';
import { openStoreForReading } from '../app/inspect/open-for-reading.ts';
import { parseLimit, parseTimeFlag } from '../app/inspect/time-flags.ts';
import { CANDLE_TYPE, CATALOG_TYPES, typeFilter } from '../app/inspect/type-filter.ts';
import { resolveStoreSpec, STORE_OPTION_HELP } from '../app/store-spec.ts';
import type { ReadQuery } from '../ports/store.ts';

interface EventsFlags {
  store?: string;
  account?: string;
  type?: string;
  excludeType?: string;
  candles?: boolean;
  position?: string;
  since?: string;
  until?: string;
  limit?: string;
  json?: boolean;
  follow?: boolean;
}

/** The catalog's types for the help, a domain per line: `Trading: Position.Opened.v1, …`. */
function typesHelp(): string {
  const byDomain = new Map<string, string[]>();
  for (const type of CATALOG_TYPES) {
    const [domain = '', ...rest] = type.split('.');
    byDomain.set(domain, [...(byDomain.get(domain) ?? []), rest.join('.')]);
  }
  return [...byDomain].map(([domain, types]) => `  ${domain}.${types.join(`, ${domain}.`)}`).join('\n');
}

/** `warden events [filters] [--json] [--follow]`: the stored events, in log order. */
export function registerEvents(program: Command): void {
  program
    .command('events')
    .description('List the events of the store in log order, filtered; --follow prints new ones as they come')
    .option('--store <spec>', STORE_OPTION_HELP)
    .option('--account <id>', 'only events keyed by this account')
    .option(
      '--type <types>',
      'only events of these types: comma-separated, the version optional, * for any characters (Trading.Position.Closed, Trading.*)',
    )
    .option('--exclude-type <types>', 'not events of these types (same patterns as --type)')
    .option('--candles', `show the candles (${CANDLE_TYPE}), which the readable listing hides`)
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
      () => `
Each line is "#position  time  type  key  summary": the event's place in the log, its time (UTC;
simulated time for a replay), its type, its key and what happened, in words. Filters combine.
The key of an event is its account id, except for ${CANDLE_TYPE} (keyed by symbol) and the
venue and store circuit breakers (keyed by breaker): --account selects what happened on one
account.

--type and --exclude-type take a comma-separated list of types or patterns: a whole type
(Trading.Position.Closed.v1), a type without its version (Trading.Position.Closed), or a pattern
where * is any characters (Trading.*, Position.*.Hit); case does not matter. A pattern that names
no type of the catalog is refused (exit 2). Candles are most of a log: the readable listing hides
them (and says how many it hid) unless --candles or --type names them. --json prints the complete
log, candles too, unless filtered.

An --account that keys no event of the store is named on stderr ("no events keyed by …"), and a
listing that prints nothing says so on stderr, so a typo never looks like a quiet log.

--follow asks the store for new events every 250 ms and prints those that match, until Ctrl-C
or SIGTERM; it exits 0. A SQLite store must exist: reading never creates one.

Exit codes: 0 done (also when nothing matches), 2 bad input: a bad flag (--since, --until,
--limit), a type that names nothing in the catalog, or no store at that path
(WARDEN_STORE_NOT_FOUND); 1 the store cannot be opened (or it failed).

Event types:
${typesHelp()}

Examples:
  $ warden events --store data/warden.db --type Trading.Position.Closed
  $ warden events --account TS1 --since 2h
  $ warden events --type 'Trading.*,Risk.*' --exclude-type Trading.Order.Placed
  $ warden events --position 01KJQFB950MD8YY34D644SVJ4C --json | jq .data
  $ warden events --since 2026-03-03T14:00:00Z --until 2026-03-03T16:00:00Z --limit 50
  $ warden events --store postgres://warden@db/warden --follow`,
    )
    .action(async (flags: EventsFlags) => {
      const now = Date.now();
      const types = typeFilter(flags);
      const query: ReadQuery = {
        ...(flags.account !== undefined ? { key: flags.account } : {}),
        ...(types.storeType !== undefined ? { type: types.storeType } : {}),
        ...(flags.position !== undefined ? { positionId: flags.position } : {}),
        ...(flags.since !== undefined ? { since: parseTimeFlag('--since', flags.since, now) } : {}),
        ...(flags.until !== undefined ? { until: parseTimeFlag('--until', flags.until, now) } : {}),
        ...(flags.limit !== undefined ? { limit: parseLimit(flags.limit) } : {}),
      };
      const { store, name } = await openStoreForReading(resolveStoreSpec(flags.store));
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
        if (flags.account !== undefined && (await store.version(flags.account)) === 0) {
          process.stderr.write(
            `note: no events keyed by "${flags.account}" in ${name} (the key is an account id; candles are keyed by symbol)\n`,
          );
        }
        let hiddenCandles = 0;
        const keeps = types.keeps;
        const keep: EventKeep | undefined =
          keeps === undefined
            ? undefined
            : (stored) => {
                const shown = keeps(stored.envelope.type);
                if (!shown && types.hidesCandles && stored.envelope.type === CANDLE_TYPE) hiddenCandles++;
                return shown;
              };
        const width = String(await store.head()).length;
        let printed = 0;
        const print: EventPrinter = async (stored) => {
          printed++;
          await out.line(flags.json ? envelopeJson(stored.envelope) : formatEventLine(stored, width));
          return !out.closed && !stop.signal.aborted;
        };
        const after = await listEvents(store, query, print, keep);
        await out.flush();
        if (!flags.json && !out.closed) {
          if (printed === 0 && !flags.follow) process.stderr.write('no events match\n');
          if (hiddenCandles > 0) {
            process.stderr.write(
              `(${hiddenCandles} ${CANDLE_TYPE} ${hiddenCandles === 1 ? 'event' : 'events'} not shown: --candles shows them)\n`,
            );
          }
        }
        if (flags.follow && !out.closed) {
          // Each new event goes out as soon as it is read.
          const printNow: EventPrinter = async (stored) => {
            if (!(await print(stored))) return false;
            await out.flush();
            return !out.closed;
          };
          await followEvents(store, query, after, printNow, stop.signal, FOLLOW_INTERVAL_MS, keep);
        }
        await out.end();
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await store.close();
      }
    });
}
