import type { Command } from 'commander';
import { auditError, formatAuditOk, verifyStore } from '../app/inspect/audit.ts';
import { openStoreForReading } from '../app/inspect/open-for-reading.ts';
import { resolveStoreSpec, STORE_OPTION_HELP } from '../app/store-spec.ts';
import type { AuditResult } from '../ports/store.ts';

interface VerifyFlags {
  store?: string;
  json?: boolean;
}

/** `warden audit verify`: checks the hash chain of the event log. */
export function registerAudit(program: Command): void {
  const audit = program
    .command('audit')
    .description('Check the integrity of the event store')
    .addHelpText(
      'after',
      `
Examples:
  $ warden audit verify
  $ warden audit verify --store data/desk.db --json`,
    );
  audit
    .command('verify')
    .description('Walk the whole hash chain of the event log and name the first broken link')
    .option('--store <spec>', STORE_OPTION_HELP)
    .option('--json', 'print the result as JSON: { ok, checked, headHash, broken? }')
    .addHelpText(
      'after',
      `
Every stored event carries a SHA-256 over the previous event's hash, its place in the log and its
content. verify recomputes each one in log order: an edited, moved or deleted row breaks the
chain there. It prints "ok: N events, head hash H" (keep H elsewhere: a log rewritten from the
start would still verify, but not to the same head), or the first broken link: its position,
event id, the expected hash and the stored one. On a terminal it shows its progress on stderr
every 100,000 events.

Exit codes: 0 the chain is intact, 2 no store at that path (WARDEN_STORE_NOT_FOUND), 1 the chain
is broken (WARDEN_AUDIT_BROKEN) or the store cannot be opened.

Examples:
  $ warden audit verify
  $ warden audit verify --store data/desk.db
  $ warden audit verify --store postgres://warden@db/warden --json`,
    )
    .action(async (flags: VerifyFlags) => {
      const { store, name } = await openStoreForReading(resolveStoreSpec(flags.store));
      const progress = process.stderr.isTTY
        ? (checked: number) => process.stderr.write(`\rverified ${checked.toLocaleString('en-US')} events…`)
        : undefined;
      let result: AuditResult;
      try {
        result = await verifyStore(store, progress);
      } finally {
        if (progress !== undefined) process.stderr.write('\r\x1b[K');
        await store.close();
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      const broken = auditError(result, name);
      if (broken !== undefined) throw broken;
      if (!flags.json) process.stdout.write(`${formatAuditOk(result)}\n`);
    });
}
