/**
 * `partition = hash(key) mod partitions`, with 32-bit FNV-1a over the key's UTF-16 code units.
 * Every transport uses this function so that an account lands on the same partition everywhere.
 */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
