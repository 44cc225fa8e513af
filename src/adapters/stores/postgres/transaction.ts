import type pg from 'pg';
import { WardenError } from '../../../domain/errors.ts';
import { isConnectionError, sqlState, unavailable } from './errors.ts';

/**
 * Runs `work` in one transaction on one connection of `pool`; any failure rolls everything back
 * and is translated by `translateError`. A connection whose rollback failed is discarded.
 */
export async function inTransaction<T>(
  pool: pg.Pool,
  url: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw unavailable(url, error);
  }
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    throw translateError(url, error);
  } finally {
    client.release(broken);
  }
}

/** Store errors for what the database refused; connection failures as WARDEN_STORE_UNAVAILABLE. */
export function translateError(url: string, error: unknown): unknown {
  if (error instanceof WardenError) return error;
  if (isConnectionError(error)) return unavailable(url, error);
  if (sqlState(error) === '23505') {
    const { constraint, detail } = error as pg.DatabaseError;
    if (constraint === 'events_id_key') {
      const id = /\(id\)=\((.*)\) already exists/.exec(detail ?? '')?.[1];
      return new WardenError('WARDEN_EVENT_DUPLICATE', `event ${id ?? '(unknown id)'} is already stored`, {
        id,
      });
    }
    if (constraint === 'events_key_version_key') {
      return new WardenError('WARDEN_STORE_CONFLICT', 'another append took the same key version', {
        detail,
      });
    }
  }
  return error;
}
