import type { Command } from 'commander';
import {
  type DecisionFilter,
  formatDecision,
  formatDecisionSummary,
  parsePolicyFlag,
  REASONING_WIDTH,
  readDecisions,
  totalDecisions,
} from '../app/inspect/decisions.ts';
import { LineWriter } from '../app/inspect/line-writer.ts';
import { openStoreForReading } from '../app/inspect/open-for-reading.ts';
import { parseLimit, parseTimeFlag } from '../app/inspect/time-flags.ts';
import { resolveStoreSpec, STORE_OPTION_HELP } from '../app/store-spec.ts';

interface DecisionsFlags {
  store?: string;
  position?: string;
  account?: string;
  policy?: string;
  since?: string;
  limit?: string;
  json?: boolean;
}

/** `warden decisions [filters] [--json]`: what the decision policies decided, oldest first. */
export function registerDecisions(program: Command): void {
  program
    .command('decisions')
    .description('List the decisions the policies (rules or LLM) made about positions, oldest first')
    .option('--store <spec>', STORE_OPTION_HELP)
    .option('--position <id>', 'only decisions about this position')
    .option('--account <id>', 'only decisions about positions of this account')
    .option('--policy <name>', 'only decisions of this policy: rules, llm, hold or guardrails')
    .option(
      '--since <time>',
      'only decisions at or after: ISO 8601 (UTC without a zone) or a duration ago: 15m, 2h, 1d',
    )
    .option('-n, --limit <n>', 'print at most this many decisions, the oldest first')
    .option('--json', 'print each decision row as one JSON line, as stored (inputs and raw response too)')
    .addHelpText(
      'after',
      `
Reads the decisions table: one row for every decision a policy made about a position, whether
the rules answered or an LLM did. Each decision is a block: its time (UTC), the position and
account, the policy (with the model and prompt version of an LLM) and the trigger that asked;
then the action with its numbers (new stop, new target, reduce fraction), the confidence, the
latency, the tokens and cost of an LLM call; why the fallback answered, and the guardrail rule
that refused a proposal; and the reasoning, on one line and cut to ${REASONING_WIDTH} characters. The last
line adds them up: decisions per policy, tokens, cost in USD, fallbacks and guardrail
rejections. "no decisions" when nothing matches (with --json: no output).

Filters combine. A SQLite store must exist: reading never creates one.

Exit codes: 0 done (even with no decisions), 2 bad input: a bad flag (--since, --limit) or no
store at that path (WARDEN_STORE_NOT_FOUND); 1 the store cannot be opened (or it failed).

Examples:
  $ warden decisions --store data/warden.db --since 1d
  $ warden decisions --position 01KJQFB950MD8YY34D644SVJ4C
  $ warden decisions --policy llm --account TS1 --limit 20
  $ warden decisions --json | jq -c 'select(.fallbackReason) | {positionId, fallbackReason}'`,
    )
    .action(async (flags: DecisionsFlags) => {
      const filter: DecisionFilter = {
        ...(flags.position !== undefined ? { positionId: flags.position } : {}),
        ...(flags.account !== undefined ? { accountId: flags.account } : {}),
        ...(flags.policy !== undefined ? { policy: parsePolicyFlag(flags.policy) } : {}),
        ...(flags.since !== undefined ? { since: parseTimeFlag('--since', flags.since, Date.now()) } : {}),
        ...(flags.limit !== undefined ? { limit: parseLimit(flags.limit) } : {}),
      };
      const { store } = await openStoreForReading(resolveStoreSpec(flags.store));
      try {
        const rows = await readDecisions(store, filter);
        const out = new LineWriter(process.stdout);
        if (flags.json) {
          for (const row of rows) {
            await out.line(JSON.stringify(row));
            if (out.closed) break;
          }
        } else if (rows.length === 0) {
          await out.line('no decisions');
        } else {
          for (const row of rows) {
            for (const line of formatDecision(row)) await out.line(line);
            await out.line('');
            if (out.closed) break;
          }
          await out.line(formatDecisionSummary(totalDecisions(rows)));
        }
        await out.end();
      } finally {
        await store.close();
      }
    });
}
