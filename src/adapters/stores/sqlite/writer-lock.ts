import Database from 'better-sqlite3';
import { WardenError } from '../../../domain/errors.ts';
import type { WriterHolder } from '../../../ports/store.ts';
import { HeldWriterLock } from '../writer-lock.ts';

export interface SqliteWriterLockOptions {
  /** The store's file (`:memory:` or empty for an in-memory database). */
  readonly path: string;
  /** The store as a person names it, for messages. */
  readonly name: string;
  readonly holder: WriterHolder;
  /** The holder's WARDEN_STORE_LOCKED for this store, reading who holds it. */
  readonly refused: () => Promise<WardenError>;
  /** Records (or, with null, removes) the holder in the store. */
  readonly record: (holder: WriterHolder | null) => Promise<void>;
  /** True once the store is closed: the holder record can no longer be removed. */
  readonly storeClosed: () => boolean;
  /** Called once the lock is released. */
  readonly onReleased?: () => void;
}

function causeOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Takes a store's writer lock on SQLite: a write transaction held open on a file of its own,
 * `<path>-lock` (never written, so it stays empty). SQLite's operating-system lock on it is
 * dropped when the process ends, however it ends, so a dead holder never blocks the next writer;
 * SQLite also keeps two connections of one process apart. The store's own file cannot carry it:
 * its writes would wait behind it. Rejects with the `refused` error while another holds it.
 */
export async function takeSqliteWriterLock(options: SqliteWriterLockOptions): Promise<HeldWriterLock> {
  const { path, name } = options;
  const lockPath = path === ':memory:' || path === '' ? ':memory:' : `${path}-lock`;
  let opened: Database.Database | undefined;
  try {
    opened = new Database(lockPath, { timeout: 0 });
    // Nothing is ever written to it: no journal file beside it either.
    opened.pragma('journal_mode = MEMORY');
  } catch (error) {
    opened?.close();
    throw new WardenError(
      'WARDEN_STORE_UNAVAILABLE',
      `cannot open the writer lock file ${lockPath} of ${name}: ${causeOf(error)}`,
      { path, cause: causeOf(error) },
    );
  }
  const lockDb = opened;
  try {
    lockDb.exec('BEGIN IMMEDIATE');
  } catch (error) {
    lockDb.close();
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) throw await options.refused();
    throw new WardenError(
      'WARDEN_STORE_UNAVAILABLE',
      `cannot take the writer lock of ${name} (${lockPath}): ${causeOf(error)}`,
      { path, cause: causeOf(error) },
    );
  }
  const lock = new HeldWriterLock(options.holder, async () => {
    try {
      // Still ours to remove: the lock is held until lockDb closes below.
      if (!options.storeClosed()) await options.record(null);
    } catch {
      // The next holder overwrites a record left behind.
    } finally {
      lockDb.close();
      options.onReleased?.();
    }
  });
  try {
    await options.record(options.holder);
  } catch (error) {
    lockDb.close();
    throw error;
  }
  return lock;
}
