import { WardenError } from '../../../domain/errors.ts';
import type { Envelope } from '../../../domain/events/envelope.ts';
import type { CommitUnit, DecisionRow, PositionRow, StateRecord } from '../../../ports/store.ts';
import { checkFence, type Fence } from '../fence.ts';
import { envelopeOf } from '../sql-rows.ts';

/** One event of a batch, with what does not depend on its place in the log computed up front. */
export interface PendingEvent {
  readonly envelope: Envelope;
  readonly tsMs: number;
  readonly positionId: string | null;
  readonly data: string;
}

/** A unit checked and serialised before its transaction starts. */
export interface PreparedUnit {
  readonly events: readonly PendingEvent[];
  readonly keys: readonly string[];
  readonly expectedVersion: number | undefined;
  readonly records: ReadonlyMap<string, StateRecord>;
  readonly positions: readonly PositionRow[];
  readonly decisions: readonly DecisionRow[];
  readonly processed: { readonly consumer: string; readonly eventIds: readonly string[] } | undefined;
  readonly snapshot: { readonly name: string; readonly data: string } | undefined;
  readonly fence: Fence | undefined;
}

/** Checks a unit and serialises its payloads outside the transaction, so the lock is held briefly. */
export function prepare(unit: CommitUnit): PreparedUnit {
  checkFence(unit.fence);
  const batch = unit.events ?? [];
  const ids = new Set<string>();
  const keys: string[] = [];
  const keySet = new Set<string>();
  const events = new Array<PendingEvent>(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const e = batch[i]!;
    if (ids.has(e.id)) {
      throw new WardenError('WARDEN_EVENT_DUPLICATE', `event ${e.id} appears twice in the batch`, {
        id: e.id,
      });
    }
    ids.add(e.id);
    if (!keySet.has(e.key)) {
      keySet.add(e.key);
      keys.push(e.key);
    }
    const tsMs = Date.parse(e.ts);
    if (!Number.isFinite(tsMs)) {
      throw new WardenError('WARDEN_EVENT_INVALID', `event ${e.id} has a ts that is not a time: ${e.ts}`, {
        id: e.id,
        ts: e.ts,
      });
    }
    const positionId = (e.data as { positionId?: unknown }).positionId;
    events[i] = {
      // Stored and hashed with the canonical field order, whatever order the caller built it in.
      envelope: envelopeOf(e.id, e.type, e.key, e.ts, e.urgency, e.causationId, e.correlationId, e.data),
      tsMs,
      positionId: typeof positionId === 'string' ? positionId : null,
      data: JSON.stringify(e.data),
    };
  }
  if (unit.expectedVersion !== undefined && keys.length > 1) {
    throw new WardenError(
      'WARDEN_STORE_CONFLICT',
      'expectedVersion needs every event of the batch to have one key',
      {
        keys,
      },
    );
  }
  // The last write of a record wins, as if the unit's writes were applied one by one.
  const records = new Map<string, StateRecord>();
  for (const r of unit.records ?? []) records.set(JSON.stringify([r.collection, r.id]), r);
  const processed = unit.processed;
  if (processed !== undefined) {
    const seen = new Set<string>();
    for (const id of processed.eventIds) {
      if (seen.has(id)) {
        throw new WardenError('WARDEN_EVENT_DUPLICATE', `event ${id} appears twice in the processed list`, {
          consumer: processed.consumer,
          eventIds: [id],
        });
      }
      seen.add(id);
    }
  }
  return {
    events,
    keys,
    expectedVersion: batch.length > 0 ? unit.expectedVersion : undefined,
    records,
    positions: lastById(unit.positions ?? []),
    decisions: lastById(unit.decisions ?? []),
    processed,
    snapshot:
      unit.snapshot === undefined
        ? undefined
        : { name: unit.snapshot.name, data: JSON.stringify(unit.snapshot.data) ?? 'null' },
    fence: unit.fence,
  };
}

/** One row per id, the last one given (one upsert statement cannot touch a row twice). */
function lastById<T extends { readonly id: string }>(rows: readonly T[]): T[] {
  if (rows.length < 2) return [...rows];
  return [...new Map(rows.map((r) => [r.id, r])).values()];
}

/** Rows of values to one array per column, as `unnest` takes them. */
export function transpose(rows: readonly unknown[][], width: number): unknown[][] {
  const columns = Array.from({ length: width }, () => new Array<unknown>(rows.length));
  rows.forEach((row, i) => {
    for (let c = 0; c < width; c++) columns[c]![i] = row[c];
  });
  return columns;
}
