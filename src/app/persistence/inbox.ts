import { isWardenError } from '../../domain/errors.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import type { CommitUnit, EventStore } from '../../ports/store.ts';

/** What a consumer's effect commits: anything but the inbox entry, which `inboxHandler` adds. */
export type Effect = Omit<CommitUnit, 'processed'>;

/**
 * The inbox: wraps a transport consumer so that its effect commits in the same transaction as the
 * record that `consumer` processed the event. A redelivered event (a retry after a crash between
 * the commit and the acknowledgement, a replay of the partition) finds its id recorded and has no
 * second effect. `effect` must only compute: everything durable goes in the unit it returns.
 */
export function inboxHandler(
  store: EventStore,
  consumer: string,
  effect: (envelope: Envelope) => Effect | Promise<Effect>,
): (envelope: Envelope) => Promise<void> {
  return async (envelope) => {
    if (await store.processed(consumer, envelope.id)) return;
    const unit = await effect(envelope);
    try {
      await store.commit({ ...unit, processed: { consumer, eventIds: [envelope.id] } });
    } catch (error) {
      // Another delivery of the same event committed first: its effect is the one that counts.
      if (isWardenError(error, 'WARDEN_EVENT_DUPLICATE') && (await store.processed(consumer, envelope.id)))
        return;
      throw error;
    }
  };
}
