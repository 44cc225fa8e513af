import type Database from 'better-sqlite3';
import { type Fence, fenced } from '../fence.ts';

/**
 * The fencing of a SQLite store: `partition_epochs` holds each transport partition's newest
 * epoch. Runs inside the write transaction (which holds the database's write lock, so commits
 * of every partition take turns); a refusal throws and rolls the whole unit back.
 */
export class SqliteFencing {
  private readonly claim: Database.Statement<[number, number], number>;

  constructor(db: Database.Database) {
    this.claim = db
      .prepare<[number, number], number>(
        `INSERT INTO partition_epochs ("partition", epoch) VALUES (?, ?)
         ON CONFLICT ("partition") DO UPDATE SET epoch = max(epoch, excluded.epoch)
         RETURNING epoch`,
      )
      .pluck();
  }

  /** Records a newer epoch of the fence's partition, or throws `WARDEN_STORE_FENCED` for an older one. */
  check(fence: Fence | undefined): void {
    if (fence === undefined) return;
    const current = this.claim.get(fence.partition, fence.epoch)!;
    if (current > fence.epoch) throw fenced(fence, current);
  }
}
