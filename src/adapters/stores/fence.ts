import { WardenError } from '../../domain/errors.ts';
import type { CommitUnit } from '../../ports/store.ts';

/** A commit unit's fence: the transport partition its work came from and its sender's epoch. */
export type Fence = NonNullable<CommitUnit['fence']>;

/**
 * Checks a unit's fence before any store work: partition and epoch must be non-negative safe
 * integers (a transport's partition number and epoch). Throws `WARDEN_INTERNAL` otherwise, since
 * only a bug builds another.
 */
export function checkFence(fence: Fence | undefined): void {
  if (fence === undefined) return;
  const { partition, epoch } = fence;
  const ok = (n: unknown) => Number.isSafeInteger(n) && (n as number) >= 0;
  if (!ok(partition) || !ok(epoch)) {
    throw new WardenError(
      'WARDEN_INTERNAL',
      `a commit fence needs a partition and an epoch that are non-negative integers, got partition ${partition}, epoch ${epoch}`,
      { partition, epoch },
    );
  }
}

/** The error for a unit whose fence is older than its partition's current epoch. */
export function fenced(fence: Fence, current: number): WardenError {
  return new WardenError(
    'WARDEN_STORE_FENCED',
    `commit refused: partition ${fence.partition} is at epoch ${current} and this commit carries epoch ${fence.epoch}; another owner has taken the partition over`,
    { partition: fence.partition, epoch: fence.epoch, current },
  );
}
