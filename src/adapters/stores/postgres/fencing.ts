import type pg from 'pg';
import { type Fence, fenced } from '../fence.ts';
import type { Int8 } from '../sql-rows.ts';

/**
 * `partition_epochs` upsert keeping the newest epoch, returning it. The upsert locks the
 * partition's row (inserting it if new) until the transaction ends, so commits of one partition
 * take turns and a newer epoch cannot slip in between the check and the commit.
 */
export function claimSql(schema: string): string {
  return `INSERT INTO ${schema}.partition_epochs ("partition", epoch) VALUES ($1, $2)
          ON CONFLICT ("partition") DO UPDATE
          SET epoch = GREATEST(${schema}.partition_epochs.epoch, excluded.epoch)
          RETURNING epoch`;
}

/**
 * Checks a unit's fence inside its transaction, before anything else is written or locked (so
 * every transaction takes the partition row before the log's head row): records a newer epoch,
 * throws `WARDEN_STORE_FENCED` for an older one, which rolls the whole unit back.
 */
export async function claimFence(
  client: pg.PoolClient,
  sql: string,
  fence: Fence | undefined,
): Promise<void> {
  if (fence === undefined) return;
  const rows = (await client.query<{ epoch: Int8 }>(sql, [fence.partition, fence.epoch])).rows;
  const current = Number(rows[0]!.epoch);
  if (current > fence.epoch) throw fenced(fence, current);
}
