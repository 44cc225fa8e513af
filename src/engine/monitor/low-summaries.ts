import { LowEventsSummarizedV1 } from '../../domain/events/catalog.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import type { EventFactory } from '../event-factory.ts';

/**
 * LOW events are not acted on one by one: they are counted per account and type, and each close
 * of the summary's candle interval raises one `Position.LowEvents.Summarized.v1` per account that
 * saw any, then starts counting afresh.
 */
export class LowSummaries {
  private readonly counts = new Map<string, Map<string, number>>();

  constructor(
    private readonly events: EventFactory,
    private readonly emit: (envelope: Envelope) => void,
  ) {}

  /** Counts one LOW event of `type` for the account. */
  count(accountId: string, type: string): void {
    const counts = this.counts.get(accountId) ?? new Map<string, number>();
    counts.set(type, (counts.get(type) ?? 0) + 1);
    this.counts.set(accountId, counts);
  }

  /** Raises the summary of every account counted since the last one, at a close of `interval`. */
  summarise(interval: string): void {
    for (const [accountId, counts] of this.counts) {
      if (counts.size === 0) continue;
      this.emit(
        this.events.create(LowEventsSummarizedV1, accountId, {
          accountId,
          interval,
          counts: Object.fromEntries(counts),
        }),
      );
    }
    this.counts.clear();
  }
}
