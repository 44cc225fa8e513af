/**
 * `partition = hash(key) mod partitions` (32-bit FNV-1a): the one function of
 * `domain/partitioning.ts`, re-exported here for the transports, so that an account lands on the
 * same partition in every transport and process.
 */
export { partitionOf } from '../../domain/partitioning.ts';
