import type pg from 'pg';
import type { StateRecord } from '../../../ports/store.ts';
import type { statements } from './sql.ts';

/** Upserts a unit's state records and deletes those whose value is null, one statement each. */
export async function writeRecords(
  client: pg.PoolClient,
  sql: ReturnType<typeof statements>,
  records: ReadonlyMap<string, StateRecord>,
): Promise<void> {
  const upsert: [string[], string[], string[]] = [[], [], []];
  const remove: [string[], string[]] = [[], []];
  for (const r of records.values()) {
    const value = r.value === null || r.value === undefined ? undefined : JSON.stringify(r.value);
    if (value === undefined) {
      remove[0].push(r.collection);
      remove[1].push(r.id);
    } else {
      upsert[0].push(r.collection);
      upsert[1].push(r.id);
      upsert[2].push(value);
    }
  }
  if (upsert[0].length > 0) await client.query(sql.upsertRecords, upsert);
  if (remove[0].length > 0) await client.query(sql.deleteRecords, remove);
}
