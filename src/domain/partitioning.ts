/**
 * The partition an account (or any key) belongs to: `hash(key) mod partitions`, with 32-bit FNV-1a
 * over the key's UTF-16 code units. Every process and every transport uses this one function, so
 * an account lands on the same partition everywhere (DESIGN.md "Transports and scale-out").
 */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/**
 * Which partitions a process holds: every one of `count` (the default, one process for all), or a
 * subset (a worker of a scaled-out deployment).
 */
export interface PartitionSet {
  /** Partitions in the deployment, `P` of `hash(accountId) mod P`. */
  readonly count: number;
  /** The partitions held here, ascending. */
  readonly held: readonly number[];
}

/** Every partition of `count`. */
export function allPartitions(count: number): PartitionSet {
  return { count, held: Array.from({ length: count }, (_, i) => i) };
}

/** True when `accountId` belongs to a partition the set holds. */
export function holdsAccount(set: PartitionSet, accountId: string): boolean {
  return set.held.includes(partitionOf(accountId, set.count));
}
