import type { Envelope } from '../domain/events/envelope.ts';

/** Where a delivered event sits in its partition. */
export interface Delivery {
  readonly partition: number;
  /** Position in the partition, from 0. */
  readonly offset: number;
  /** 1 on first delivery, 2 on the first retry, … */
  readonly attempt: number;
  /** Fencing token: changes every time the partition changes owner. */
  readonly epoch: number;
}

/** An event that could not be processed, with why. */
export interface DeadLetter {
  readonly envelope: Envelope;
  readonly reason: string;
  readonly attempts: number;
  readonly partition: number;
  readonly offset: number;
}

export interface SubscribeOptions {
  /** Attempts before an event is dead-lettered (default 5). */
  readonly maxAttempts?: number;
  /** Backoff before retry n (1-based), in ms (default 10·2^(n−1), capped at 1 s). */
  readonly backoffMs?: (attempt: number) => number;
  /** Start from this offset in every partition instead of the group's committed position. */
  readonly fromOffset?: number;
}

export interface Subscription {
  /** Stops delivery once the in-flight events finish. */
  close(): Promise<void>;
}

/**
 * Carries envelopes between producers and consumers, partitioned by key:
 * `partition = hash(key) mod partitions`, fixed for the transport's life.
 *
 * Contract: events of one key are delivered in publish order; a group has at most one delivery
 * in flight per partition; an event is acknowledged when the handler's promise resolves (after the
 * effect commits); a handler that throws is retried with backoff, then dead-lettered with the
 * reason; a group can replay a partition from an offset.
 */
export interface Transport {
  readonly partitions: number;
  /** The partition a key maps to. */
  partitionOf(key: string): number;
  /** Appends an envelope to its key's partition. */
  publish(envelope: Envelope): Promise<void>;
  /** Delivers every partition's events to `handler` as consumer group `group`. */
  subscribe(
    group: string,
    handler: (envelope: Envelope, delivery: Delivery) => Promise<void>,
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  /** Events dead-lettered by a group, oldest first. */
  deadLetters(group: string): Promise<DeadLetter[]>;
  /** Stops all subscriptions and releases connections. */
  close(): Promise<void>;
}
