import { hostname } from 'node:os';
import { WardenError } from '../../domain/errors.ts';
import type { EventStore, StateRecord, WriterHolder, WriterLock } from '../../ports/store.ts';

/**
 * Where a store records who holds its writer lock: one state record, written by the holder once
 * it has the lock and removed when it lets go. A refused writer reads it to name the holder.
 */
export const WRITER_RECORD = { collection: 'store', id: 'writer' } as const;

/** This process as a writer lock's holder, from now. */
export function thisProcess(command: string, now: () => number = Date.now): WriterHolder {
  return { pid: process.pid, host: hostname(), command, since: now() };
}

/** The state record naming `holder` (or removing the name, for `null`). */
export function holderRecord(holder: WriterHolder | null): StateRecord {
  return { ...WRITER_RECORD, value: holder };
}

/** Reads the recorded holder of `store`'s writer lock; undefined when none is recorded or readable. */
export async function recordedHolder(store: Pick<EventStore, 'record'>): Promise<WriterHolder | undefined> {
  const value = await store.record(WRITER_RECORD.collection, WRITER_RECORD.id).catch(() => undefined);
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.pid !== 'number' || typeof v.host !== 'string' || typeof v.since !== 'number')
    return undefined;
  return {
    pid: v.pid,
    host: v.host,
    command: typeof v.command === 'string' ? v.command : 'warden',
    since: v.since,
  };
}

/** Names a holder for a person: `warden run (pid 4242 on desk-1, since 2026-…Z)`. */
export function describeHolder(holder: WriterHolder): string {
  const self = holder.pid === process.pid && holder.host === hostname() ? ', this process' : '';
  return `${holder.command} (pid ${holder.pid} on ${holder.host}${self}, since ${new Date(holder.since).toISOString()})`;
}

/** `WARDEN_STORE_LOCKED` for `store` (as a person names it), naming the holder when it is known. */
export function storeLocked(store: string, holder: WriterHolder | undefined): WardenError {
  const who =
    holder !== undefined
      ? `another writer holds it: ${describeHolder(holder)}`
      : 'another writer holds it (it has not recorded who it is yet)';
  return new WardenError(
    'WARDEN_STORE_LOCKED',
    `${store} is in use: ${who}. A store has one writer at a time: stop that one first, or use another store (readers such as warden events need no lock)`,
    { store, ...(holder !== undefined ? { holder } : {}) },
  );
}

/**
 * The part of a `WriterLock` every adapter shares: the holder, the lost-lock listeners, and a
 * release that runs the adapter's own `unlock` once.
 */
export class HeldWriterLock implements WriterLock {
  private readonly lostListeners: ((error: WardenError) => void)[] = [];
  private released: Promise<void> | undefined;
  private lostWith: WardenError | undefined;

  constructor(
    readonly holder: WriterHolder,
    private readonly unlock: () => Promise<void>,
  ) {}

  /** True once `release()` was called. */
  get isReleased(): boolean {
    return this.released !== undefined;
  }

  /** True once the lock was lost: another writer holds it, and the holder record is that one's. */
  get isLost(): boolean {
    return this.lostWith !== undefined;
  }

  onLost(listener: (error: WardenError) => void): void {
    if (this.lostWith !== undefined) listener(this.lostWith);
    else this.lostListeners.push(listener);
  }

  /** Tells the listeners, once, that the lock is gone; for the adapter. */
  lost(error: WardenError): void {
    if (this.lostWith !== undefined || this.released !== undefined) return;
    this.lostWith = error;
    for (const listener of this.lostListeners.splice(0)) listener(error);
  }

  release(): Promise<void> {
    this.released ??= this.unlock();
    return this.released;
  }
}
