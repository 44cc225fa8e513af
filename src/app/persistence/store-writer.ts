import { canonicalJson } from '../../adapters/stores/chain.ts';
import { WardenError } from '../../domain/errors.ts';
import type { Envelope } from '../../domain/events/envelope.ts';
import type { EventSink } from '../../engine/event-sink.ts';
import type { CommitUnit, DecisionRow, EventStore, StateRecord, StoredEvent } from '../../ports/store.ts';
import { PositionsProjection } from './projections.ts';

export interface StoreWriterOptions {
  readonly store: EventStore;
  /**
   * A resumed replay: the first `count` events this run emits are already stored after global
   * position `afterPosition`. They are checked against the stored ones, not appended again.
   */
  readonly verifyFirst?: { readonly count: number; readonly afterPosition: number };
}

/**
 * The outbox: an `EventSink` that collects what the engine emits (events, the positions and
 * decisions rows they imply, and the state records callers add) and commits it all as one unit
 * when `commit()` is called — group commit, one transaction for many events. A failed commit
 * keeps everything pending for the next try, so nothing is lost or half-written.
 */
export class StoreWriter implements EventSink {
  private events: Envelope[] = [];
  private decisions: DecisionRow[] = [];
  private readonly records = new Map<string, StateRecord>();
  private readonly positions = new PositionsProjection();
  private committing: Promise<StoredEvent[]> | undefined;
  /** Events of the verified prefix, waiting to be compared with the stored ones. */
  private toVerify: Envelope[] = [];
  private verified = 0;
  private reader: AsyncIterator<StoredEvent> | undefined;
  private verifying: boolean;
  /** Events committed by this writer. */
  committed = 0;

  constructor(private readonly options: StoreWriterOptions) {
    this.verifying = (options.verifyFirst?.count ?? 0) > 0;
  }

  /** False while a resumed replay is still re-deriving events that are already stored. */
  get live(): boolean {
    return !this.verifying;
  }

  /** Events emitted and not yet committed. */
  get pending(): number {
    return this.events.length;
  }

  emit(envelope: Envelope): void {
    this.positions.apply(envelope);
    if (this.verifying) {
      this.toVerify.push(envelope);
      return;
    }
    this.events.push(envelope);
  }

  /** Adds a decisions-table row, committed with the `Agent.Decision.Made.v1` event it belongs to. */
  recordDecision(row: DecisionRow): void {
    if (this.verifying) return;
    this.decisions.push(row);
  }

  /** Adds (or replaces) a state record to commit with the next unit. */
  put(record: StateRecord): void {
    if (this.verifying) return;
    this.records.set(`${record.collection}\u0000${record.id}`, record);
  }

  /**
   * Compares the events re-derived so far with the stored ones, in order. Rejects with
   * `WARDEN_REPLAY_DIVERGED` at the first difference.
   */
  async verify(): Promise<void> {
    const first = this.options.verifyFirst;
    if (first === undefined || this.toVerify.length === 0) return;
    this.reader ??= this.options.store.read({ afterPosition: first.afterPosition })[Symbol.asyncIterator]();
    for (const mine of this.toVerify) {
      const place = first.afterPosition + this.verified + 1;
      if (this.verified >= first.count) {
        throw new WardenError(
          'WARDEN_REPLAY_DIVERGED',
          `the resumed run emitted more events than were stored before its last committed tick (event ${mine.id} at position ${place})`,
          { position: place, id: mine.id },
        );
      }
      const next = await this.reader.next();
      if (next.done === true || canonicalJson(next.value.envelope) !== canonicalJson(mine)) {
        const stored = next.done === true ? undefined : next.value.envelope;
        throw new WardenError(
          'WARDEN_REPLAY_DIVERGED',
          `the resumed run differs from the stored log at position ${place}: stored ${stored === undefined ? 'nothing' : `${stored.type} ${stored.id}`}, re-derived ${mine.type} ${mine.id}`,
          { position: place, stored: stored?.id ?? null, derived: mine.id },
        );
      }
      this.verified++;
    }
    this.toVerify = [];
  }

  /**
   * Ends verification at the resumed run's last committed tick: every stored event must have been
   * re-derived by now. What the prefix implied (rows, records) is already stored and is dropped.
   */
  async goLive(): Promise<void> {
    if (!this.verifying) return;
    await this.verify();
    const count = this.options.verifyFirst?.count ?? 0;
    if (this.verified !== count) {
      throw new WardenError(
        'WARDEN_REPLAY_DIVERGED',
        `the resumed run re-derived ${this.verified} event(s) up to its last committed tick, the store holds ${count}`,
        { derived: this.verified, stored: count },
      );
    }
    await this.reader?.return?.();
    this.reader = undefined;
    this.positions.dropDirty();
    this.verifying = false;
  }

  /**
   * Commits everything pending as one unit, with `extra` (a snapshot, an inbox entry). Commits
   * are serialized; a failure leaves the unit pending and rethrows.
   */
  async commit(extra: Pick<CommitUnit, 'snapshot' | 'processed' | 'records'> = {}): Promise<StoredEvent[]> {
    while (this.committing !== undefined) await this.committing.catch(() => undefined);
    if (this.verifying) {
      throw new WardenError('WARDEN_INTERNAL', 'commit() while a resumed replay is still verifying');
    }
    const events = this.events;
    const decisions = this.decisions;
    const positions = this.positions.takeDirty();
    const records = [...this.records.values(), ...(extra.records ?? [])];
    this.events = [];
    this.decisions = [];
    this.records.clear();
    const unit: CommitUnit = {
      ...(events.length > 0 ? { events } : {}),
      ...(decisions.length > 0 ? { decisions } : {}),
      ...(positions.length > 0 ? { positions } : {}),
      ...(records.length > 0 ? { records } : {}),
      ...(extra.snapshot !== undefined ? { snapshot: extra.snapshot } : {}),
      ...(extra.processed !== undefined ? { processed: extra.processed } : {}),
    };
    const attempt = this.options.store.commit(unit);
    this.committing = attempt;
    try {
      const stored = await attempt;
      this.committed += events.length;
      return stored;
    } catch (error) {
      // Put the unit back in front of whatever was emitted meanwhile, in order.
      this.events = [...events, ...this.events];
      this.decisions = [...decisions, ...this.decisions];
      this.positions.restoreDirty(positions);
      for (const r of records) {
        const key = `${r.collection}\u0000${r.id}`;
        if (!this.records.has(key)) this.records.set(key, r);
      }
      throw error;
    } finally {
      this.committing = undefined;
    }
  }
}
