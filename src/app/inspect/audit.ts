import { verifyChain } from '../../adapters/stores/chain.ts';
import { WardenError } from '../../domain/errors.ts';
import type { AuditResult, EventStore } from '../../ports/store.ts';

/**
 * Walks the whole hash chain of the store's log in order (`warden audit verify`): the result
 * names the first event whose stored hash does not match, if any. `onProgress` hears the count
 * of events checked as it goes.
 */
export function verifyStore(store: EventStore, onProgress?: (checked: number) => void): Promise<AuditResult> {
  return verifyChain(store.read(), onProgress);
}

/** `ok: N events, head hash H`: what `warden audit verify` prints for an intact chain. */
export function formatAuditOk(result: AuditResult): string {
  return `ok: ${result.checked} event${result.checked === 1 ? '' : 's'}, head hash ${result.headHash}`;
}

/**
 * The error for a broken chain, `WARDEN_AUDIT_BROKEN`, naming the store and the first broken
 * link: its position, its event id, the hash the chain expects and the hash stored there.
 * Undefined when the chain is intact.
 */
export function auditError(result: AuditResult, store: string): WardenError | undefined {
  const b = result.broken;
  if (result.ok || b === undefined) return undefined;
  return new WardenError(
    'WARDEN_AUDIT_BROKEN',
    `${store}: hash chain broken at position ${b.position}, event ${b.id} (after ${result.checked} good events): expected hash ${b.expected}, stored ${b.actual}`,
    { store, ...b, checked: result.checked },
  );
}
