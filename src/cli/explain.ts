import type { Command } from 'commander';
import { envelopeJson } from '../app/inspect/event-line.ts';
import { collectPositionChain, formatExplain } from '../app/inspect/explain.ts';
import { openStoreForReading } from '../app/inspect/open-for-reading.ts';
import { resolveStoreSpec, STORE_OPTION_HELP } from '../app/store-spec.ts';
import { WardenError } from '../domain/errors.ts';

interface ExplainFlags {
  store?: string;
  json?: boolean;
}

/** `warden explain <positionId>`: why a position opened, what happened to it, and why it closed. */
export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('Show the causal chain of a position, from the edge that opened it to its close')
    .argument('<positionId>', 'the position id (data.positionId of its events)')
    .option('--store <spec>', STORE_OPTION_HELP)
    .option('--json', 'print { positionId, events } with the stored envelopes in log order')
    .addHelpText(
      'after',
      `
Collects every event of the position and every event of the chains they belong to (an entry:
edge, order, fill, open; an exit: the trigger or breach, the decision, the order, the fill, the
close), and prints them as a tree: each event under the event that caused it, with its time, its
type and a summary (the tick price of a trigger; a decision's action, policy, confidence and
reasoning; an order's client order id, side, quantity, type and reason; a fill's price,
quantity and fee; the close's reason, exit price and realized PnL). The last line says how long
the position was held and what it realized.

Exit codes: 0 done, 2 bad input: the store holds no such position (WARDEN_UNKNOWN_POSITION), or
there is no store at that path (WARDEN_STORE_NOT_FOUND); 1 the store cannot be opened (or it
failed).

Examples:
  $ warden events --type Trading.Position.Closed.v1      # find a position id
  $ warden explain 01KJQFB950MD8YY34D644SVJ4C
  $ warden explain 01KJQFB950MD8YY34D644SVJ4C --store data/desk.db --json | jq '.events[].type'`,
    )
    .action(async (positionId: string, flags: ExplainFlags) => {
      const { store, name } = await openStoreForReading(resolveStoreSpec(flags.store));
      try {
        const events = await collectPositionChain(store, positionId);
        if (events.length === 0) {
          throw new WardenError('WARDEN_UNKNOWN_POSITION', `no position ${positionId} in ${name}`, {
            positionId,
            store: name,
          });
        }
        process.stdout.write(
          flags.json
            ? `{"positionId":${JSON.stringify(positionId)},"events":[\n${events.map((e) => envelopeJson(e.envelope)).join(',\n')}\n]}\n`
            : formatExplain(positionId, events),
        );
      } finally {
        await store.close();
      }
    });
}
