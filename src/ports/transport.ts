import type { Envelope } from '../domain/events/envelope.ts';

/** Where a delivered event sits in its partition, and under which ownership it was delivered. */
export interface Delivery {
  /** The partition of the event's key. */
  readonly partition: number;
  /** Position in the partition, from 0. */
  readonly offset: number;
  /** 1 on first delivery, 2 on the first retry, … (counted per group, across owners). */
  readonly attempt: number;
  /**
   * Fencing token: the epoch under which the receiving subscription holds the partition. It
   * grows every time the partition changes owner within the group; pass it to the store as a
   * `CommitUnit.fence` so that a commit of an owner that lost the partition is refused.
   */
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

/** Receives one event; the event is acknowledged when the promise resolves. */
export type DeliveryHandler = (envelope: Envelope, delivery: Delivery) => Promise<void>;

/** What every subscription may set, whatever way it holds its partitions. */
export interface DeliveryOptions {
  /** Attempts before an event is dead-lettered (default 5). */
  readonly maxAttempts?: number;
  /** Backoff before retry n (1-based), in ms (default 10·2^(n−1), capped at 1 s). */
  readonly backoffMs?: (attempt: number) => number;
  /**
   * Replay: the partitions this subscription is given when it subscribes start from this offset
   * instead of the group's committed position.
   */
  readonly fromOffset?: number;
  /**
   * Partitions were given to this subscription, each with its new epoch (higher than any epoch
   * the partition had in the group before). Only the newly given partitions are named. Delivery
   * on them starts once the returned promise resolves, so an owner can load their state first,
   * and claim them in the store (a commit of a unit holding only the fence). When it rejects, the
   * subscription leaves the group (as `close()` does) and the error goes to `onError`, or rejects
   * `subscribe` when it happened while subscribing.
   */
  readonly onAssigned?: (
    partitions: readonly number[],
    epochs: ReadonlyMap<number, number>,
  ) => void | Promise<void>;
  /**
   * Partitions were taken from this subscription (a rebalance, a takeover, or its `close()`).
   * Runs after their in-flight deliveries finished, and before any other subscription is given
   * them. A rejection goes to `onError`; the partitions move on anyway.
   */
  readonly onRevoked?: (partitions: readonly number[]) => void | Promise<void>;
  /** A callback (`onAssigned`, `onRevoked`) failed after `subscribe` returned. */
  readonly onError?: (error: unknown) => void;
}

/**
 * A static assignment: the subscription holds exactly these partitions (all of them when left
 * out) from the moment it subscribes. A partition another static subscription of the group held
 * is taken over: the earlier holder's in-flight delivery finishes, it is told `onRevoked`, and
 * the partition gets a new epoch. A closed static subscription's partitions stay unowned.
 */
export interface StaticSubscribeOptions extends DeliveryOptions {
  readonly partitions?: ReadonlySet<number> | readonly number[];
  readonly member?: undefined;
}

/**
 * Group membership: the group's members share its partitions, spread by the transport (round
 * robin over the members' ids in sorted order). A member joining or leaving rebalances the group:
 * each moved partition finishes its in-flight delivery, its old owner is told `onRevoked`, then
 * its new owner `onAssigned` with a new epoch.
 */
export interface MemberSubscribeOptions extends DeliveryOptions {
  /** The member's id, unique in its group while it is subscribed. */
  readonly member: string;
  readonly partitions?: undefined;
}

/** How a subscription holds its partitions: a static set, or a member of the group. */
export type SubscribeOptions = StaticSubscribeOptions | MemberSubscribeOptions;

/** One consumer of a group. */
export interface Subscription {
  /**
   * The partitions this subscription holds now, each with the epoch it holds it under. A
   * partition leaves it when its revocation starts (no delivery starts on it after that).
   */
  assignment(): ReadonlyMap<number, number>;
  /**
   * Leaves the group: the in-flight deliveries finish, `onRevoked` runs for every partition
   * held, and a membership group rebalances them over the other members. Safe to call twice.
   */
  close(): Promise<void>;
}

/**
 * Carries envelopes between producers and consumers, partitioned by key:
 * `partition = hash(key) mod partitions`, fixed for the transport's life.
 *
 * Contract:
 * - events of one key are delivered in publish order;
 * - a group has at most one delivery in flight per partition, across all of its subscriptions,
 *   and each partition has at most one owner at a time: ownership moves only after the old
 *   owner's in-flight delivery finished and its `onRevoked` ran;
 * - every change of a partition's owner within a group gives it a new, higher epoch, carried by
 *   every delivery (fencing token for the store);
 * - an event is acknowledged when the handler's promise resolves (after the effect commits); a
 *   handler that throws is retried with backoff, then dead-lettered with the reason;
 * - a group remembers its committed position per partition, and can replay from an offset.
 *
 * A group is either static or a membership group while it has subscriptions: mixing the two is
 * refused. Callbacks and handlers must not wait for a `subscribe` or `close` of their own group
 * (the rebalance waits for them).
 */
export interface Transport {
  /** Partitions, `P` of `hash(key) mod P`, fixed for the transport's life. */
  readonly partitions: number;
  /** The partition a key maps to. */
  partitionOf(key: string): number;
  /** Appends an envelope to its key's partition. Rejects with `WARDEN_TRANSPORT_CLOSED` after close. */
  publish(envelope: Envelope): Promise<void>;
  /**
   * Delivers events to `handler` as consumer group `group`: of the partitions of a static
   * assignment (every partition when `options` names none), or of those the group gives the
   * member. Resolves once the subscription's first assignment is done (its `onAssigned`
   * resolved; a member of a group with more members than partitions may hold none).
   * Rejects with `WARDEN_TRANSPORT_SUBSCRIBE_INVALID` for options it cannot honour (a partition
   * out of range, both `partitions` and `member`, a member id already subscribed, a static
   * subscription in a membership group or the reverse) and `WARDEN_TRANSPORT_CLOSED` after close.
   */
  subscribe(group: string, handler: DeliveryHandler, options?: SubscribeOptions): Promise<Subscription>;
  /** Events dead-lettered by a group, oldest first. */
  deadLetters(group: string): Promise<DeadLetter[]>;
  /** Closes every subscription (as their `close()` does, without rebalancing) and releases connections. */
  close(): Promise<void>;
}
