import pg from 'pg';
import type { WardenError } from '../../../domain/errors.ts';
import type { WriterHolder } from '../../../ports/store.ts';
import { HeldWriterLock } from '../writer-lock.ts';
import { unavailable } from './errors.ts';

/** The first key of Warden's advisory locks: "WARD" as a 32-bit integer. */
export const LOCK_CLASS = 0x57415244;

/** Delay before the n-th attempt to take the lock again after its session ended, in ms. */
const retakeDelayMs = (attempt: number): number => Math.min(5_000, 250 * 2 ** attempt);

/**
 * The second key of a schema's writer lock: FNV-1a of the schema name as a signed 32-bit
 * integer. Advisory locks are per database, so (class, schema) names one store; computed here
 * rather than by the server so that every Warden and every PostgreSQL version agree.
 */
export function schemaLockKey(schema: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(schema, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}

export interface PostgresWriterLockOptions {
  /** How to open the lock's own session (never a pooled connection: the lock lives with it). */
  readonly connection: pg.ClientConfig;
  readonly url: string;
  readonly schema: string;
  readonly holder: WriterHolder;
  /** The holder's WARDEN_STORE_LOCKED for this store, reading who holds it. */
  readonly refused: () => Promise<WardenError>;
  /** Records (or, with null, removes) the holder in the store. */
  readonly record: (holder: WriterHolder | null) => Promise<void>;
  /** Called once the lock is released. */
  readonly onReleased?: () => void;
}

/**
 * Takes a store's writer lock on PostgreSQL: `pg_try_advisory_lock(class, schema key)` on a
 * session of its own, held as long as that session lives, so a holder that dies (or loses its
 * connection) releases it with its session. If the session ends while the lock is held, it is
 * taken again on a new session; if another writer took it meanwhile, the lock is lost
 * (`onLost`). Rejects with the `refused` error while another session holds it.
 */
export async function takePostgresWriterLock(options: PostgresWriterLockOptions): Promise<HeldWriterLock> {
  const key = schemaLockKey(options.schema);
  let session = await lockSession(options, key).catch((error: unknown) => {
    throw unavailable(options.url, error);
  });
  if (session === undefined) throw await options.refused();

  const lock: HeldWriterLock = new HeldWriterLock(options.holder, async () => {
    const held = session;
    session = undefined;
    try {
      // A lost lock's record names the writer that took it: not ours to remove.
      if (!lock.isLost) await options.record(null).catch(() => undefined);
      if (held !== undefined) {
        await held.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, key]).catch(() => undefined);
        await held.end().catch(() => undefined);
      }
    } finally {
      options.onReleased?.();
    }
  });

  const watch = (client: pg.Client) => {
    let dropped = false;
    const onDrop = () => {
      if (dropped || lock.isReleased) return;
      dropped = true;
      if (session === client) session = undefined;
      void retake(0);
    };
    client.on('error', onDrop);
    client.on('end', onDrop);
  };

  const retake = async (attempt: number): Promise<void> => {
    await new Promise<void>((resolve) => setTimeout(resolve, retakeDelayMs(attempt)).unref());
    if (lock.isReleased) return;
    let next: pg.Client | undefined;
    try {
      next = await lockSession(options, key);
    } catch {
      // The server is unreachable: the store's commits fail too, and count towards its breaker.
      return retake(attempt + 1);
    }
    if (lock.isReleased) {
      await next?.end().catch(() => undefined);
      return;
    }
    if (next === undefined) {
      lock.lost(await options.refused());
      return;
    }
    session = next;
    watch(next);
    await options.record(options.holder).catch(() => undefined);
  };

  watch(session);
  try {
    await options.record(options.holder);
  } catch (error) {
    await lock.release();
    throw error;
  }
  return lock;
}

/** A new session holding the lock, or undefined when another session holds it. */
async function lockSession(options: PostgresWriterLockOptions, key: number): Promise<pg.Client | undefined> {
  const client = new pg.Client(options.connection);
  // Until `watch` listens: an error of an idle client must not crash the process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    const result = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [
      LOCK_CLASS,
      key,
    ]);
    if (result.rows[0]?.locked === true) return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  await client.end().catch(() => undefined);
  return undefined;
}
