import type { Envelope } from '../../../domain/events/envelope.ts';
import type { CancelTimer, Clock } from '../../../ports/clock.ts';
import type { DeadLetter, Delivery, DeliveryHandler, Subscription } from '../../../ports/transport.ts';
import { roundRobin } from '../assignment.ts';
import { type CheckedSubscribeOptions, subscribeConflict } from '../subscribe-options.ts';

/** What a group needs of its transport: the partition logs, and the clock of retry backoffs. */
export interface PartitionLogs {
  readonly partitions: number;
  readonly clock: Clock;
  log(partition: number): readonly Envelope[];
}

/** One partition as a group sees it: its committed position, its owner, its delivery in flight. */
interface Slot {
  /** Next offset to deliver. */
  committed: number;
  /** Epoch of the current (or last) owner; 0 before the first. */
  epoch: number;
  /** Deliveries of the event at `committed` so far, by any owner. */
  attempts: number;
  owner: GroupSubscription | undefined;
  /** The owner's `onAssigned` is done: deliveries may start. */
  delivering: boolean;
  /** A handler is running. */
  busy: boolean;
  /** A retry waiting for its backoff. */
  retry: CancelTimer | undefined;
  /** Called when `busy` turns false. */
  idle: Array<() => void>;
}

/** One subscription of a memory group: the group decides what it holds. */
export class GroupSubscription implements Subscription {
  /** Partition → the epoch this subscription holds it under. */
  readonly held = new Map<number, number>();
  /** Set by `close()` (or a failed `onAssigned`): no delivery starts for it any more. */
  closed = false;
  /** `subscribe` has returned it: a failed callback is reported to `onError` from then on. */
  subscribed = false;
  /** Why `onAssigned` failed while subscribing, for `subscribe` to reject with. */
  failure: { readonly error: unknown } | undefined;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly group: MemoryGroup,
    readonly handler: DeliveryHandler,
    readonly options: CheckedSubscribeOptions,
  ) {}

  /** The member id, for a membership subscription. */
  get member(): string | undefined {
    return this.options.holds.kind === 'member' ? this.options.holds.member : undefined;
  }

  assignment(): ReadonlyMap<number, number> {
    return new Map(this.held);
  }

  close(): Promise<void> {
    if (this.closing === undefined) {
      this.closed = true;
      this.closing = this.group.leave(this);
    }
    return this.closing;
  }
}

/**
 * A consumer group of the memory transport: per partition its committed position, epoch and
 * owner; its members and static subscriptions; its dead letters. Ownership changes (a join, a
 * leave, a rebalance) run one at a time, each to completion, so a partition has one owner and
 * one delivery in flight at any moment.
 */
export class MemoryGroup {
  readonly deadLetters: DeadLetter[] = [];
  private readonly slots: Slot[];
  private readonly members = new Map<string, GroupSubscription>();
  private readonly statics = new Set<GroupSubscription>();
  /** The tail of the queue of ownership changes. */
  private changes: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    private readonly logs: PartitionLogs,
  ) {
    this.slots = Array.from({ length: logs.partitions }, () => ({
      committed: 0,
      epoch: 0,
      attempts: 0,
      owner: undefined,
      delivering: false,
      busy: false,
      retry: undefined,
      idle: [],
    }));
  }

  /** Adds a subscription to the group; resolves once it holds its first partitions. */
  join(subscription: GroupSubscription): Promise<void> {
    return this.serially(async () => {
      const member = subscription.member;
      if (member !== undefined) {
        if (this.statics.size > 0) {
          throw subscribeConflict(
            this.name,
            `member ${member} cannot join: the group has static subscriptions`,
          );
        }
        if (this.members.has(member)) {
          throw subscribeConflict(this.name, `member ${member} is already subscribed`, { member });
        }
        this.members.set(member, subscription);
        await this.rebalance(subscription);
      } else {
        if (this.members.size > 0) {
          throw subscribeConflict(this.name, 'a static subscription cannot join a group that has members');
        }
        this.statics.add(subscription);
        await this.takeStatic(subscription);
      }
      if (subscription.failure !== undefined) throw subscription.failure.error;
      subscription.subscribed = true;
    });
  }

  /** Takes a subscription out: its partitions are revoked, then rebalanced over the other members. */
  leave(subscription: GroupSubscription): Promise<void> {
    return this.serially(async () => {
      await this.release(subscription);
      if (subscription.member !== undefined) await this.rebalance();
    });
  }

  /** Takes every subscription out without rebalancing (the transport closes). */
  shutdown(): Promise<void> {
    const all = [...this.members.values(), ...this.statics];
    for (const s of all) s.closed = true;
    return this.serially(async () => {
      await Promise.all(all.map((s) => this.release(s)));
    });
  }

  /** Starts the next delivery of `partition` if its owner may take one. */
  pump(partition: number): void {
    const slot = this.slots[partition]!;
    const owner = slot.owner;
    if (owner === undefined || owner.closed || !slot.delivering || slot.busy || slot.retry !== undefined) {
      return;
    }
    const log = this.logs.log(partition);
    const offset = slot.committed;
    if (offset >= log.length) return;
    const envelope = log[offset]!;
    slot.busy = true;
    const attempt = ++slot.attempts;
    const delivery: Delivery = { partition, offset, attempt, epoch: slot.epoch };
    let result: Promise<void>;
    try {
      result = owner.handler(envelope, delivery);
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      () => this.settle(partition, owner, delivery, envelope, undefined),
      (error: unknown) => this.settle(partition, owner, delivery, envelope, { error }),
    );
  }

  /** Acknowledges, retries or dead-letters a finished delivery, then starts the next one. */
  private settle(
    partition: number,
    owner: GroupSubscription,
    delivery: Delivery,
    envelope: Envelope,
    failed: { readonly error: unknown } | undefined,
  ): void {
    const slot = this.slots[partition]!;
    slot.busy = false;
    if (failed === undefined) {
      this.advance(slot);
    } else if (delivery.attempt >= owner.options.maxAttempts) {
      const { error } = failed;
      this.deadLetters.push({
        envelope,
        reason: error instanceof Error ? error.message : String(error),
        attempts: delivery.attempt,
        partition,
        offset: delivery.offset,
      });
      this.advance(slot);
    } else if (slot.owner === owner && !owner.closed) {
      // Otherwise the partition is being revoked: its next owner delivers the event again.
      const clock = this.logs.clock;
      slot.retry = clock.schedule(clock.now() + owner.options.backoffMs(delivery.attempt), () => {
        slot.retry = undefined;
        this.pump(partition);
      });
    }
    for (const resolve of slot.idle.splice(0)) resolve();
    this.pump(partition);
  }

  private advance(slot: Slot): void {
    slot.committed++;
    slot.attempts = 0;
  }

  /** Runs ownership changes one at a time, in call order; a failed change does not stop the next. */
  private serially<T>(change: () => Promise<T>): Promise<T> {
    const result = this.changes.then(change);
    this.changes = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /**
   * Spreads the partitions over the open members, moving only those whose owner changes: every
   * revocation finishes before any assignment. A member whose `onAssigned` fails leaves, and the
   * partitions are spread again over the rest.
   */
  private async rebalance(joining?: GroupSubscription): Promise<void> {
    for (;;) {
      const open = [...this.members.values()].filter((s) => !s.closed);
      const byId = new Map(open.map((s) => [s.member!, s]));
      const target = roundRobin(byId.keys(), this.slots.length).map((id) =>
        id === undefined ? undefined : byId.get(id),
      );
      const losing = new Map<GroupSubscription, number[]>();
      const gaining = new Map<GroupSubscription, number[]>();
      target.forEach((to, p) => {
        const from = this.slots[p]!.owner;
        if (from === to) return;
        if (from !== undefined) push(losing, from, p);
        if (to !== undefined) push(gaining, to, p);
      });
      await Promise.all([...losing].map(([s, partitions]) => this.revoke(s, partitions)));
      const failed: GroupSubscription[] = [];
      for (const [s, partitions] of gaining) {
        const ok = await this.assign(s, partitions, s === joining ? s.options.fromOffset : undefined);
        if (!ok) failed.push(s);
      }
      if (failed.length === 0) return;
      for (const s of failed) await this.release(s);
    }
  }

  /** Gives a static subscription its partitions, taking them from whoever holds them. */
  private async takeStatic(subscription: GroupSubscription): Promise<void> {
    if (subscription.options.holds.kind !== 'static') return;
    const partitions = subscription.options.holds.partitions;
    const losing = new Map<GroupSubscription, number[]>();
    for (const p of partitions) {
      const from = this.slots[p]!.owner;
      if (from !== undefined) push(losing, from, p);
    }
    await Promise.all([...losing].map(([s, ps]) => this.revoke(s, ps)));
    const ok = await this.assign(subscription, partitions, subscription.options.fromOffset);
    if (!ok) await this.release(subscription);
  }

  /**
   * Makes `subscription` the owner of `partitions` under new epochs, runs its `onAssigned`, then
   * starts delivering. False when `onAssigned` failed (the error is reported).
   */
  private async assign(
    subscription: GroupSubscription,
    partitions: readonly number[],
    fromOffset: number | undefined,
  ): Promise<boolean> {
    if (partitions.length === 0) return true;
    const epochs = new Map<number, number>();
    for (const p of partitions) {
      const slot = this.slots[p]!;
      slot.epoch++;
      slot.owner = subscription;
      slot.delivering = false;
      if (fromOffset !== undefined) {
        slot.committed = fromOffset;
        slot.attempts = 0;
      }
      subscription.held.set(p, slot.epoch);
      epochs.set(p, slot.epoch);
    }
    try {
      await subscription.options.onAssigned?.(partitions, epochs);
    } catch (error) {
      subscription.closed = true;
      if (subscription.subscribed) subscription.options.onError?.(error);
      else subscription.failure ??= { error };
      return false;
    }
    for (const p of partitions) {
      const slot = this.slots[p]!;
      if (slot.owner !== subscription) continue;
      slot.delivering = true;
      this.pump(p);
    }
    return true;
  }

  /**
   * Takes `partitions` from `subscription`: no delivery starts on them, a waiting retry is
   * dropped (the next owner delivers the event again), the one in flight finishes, then
   * `onRevoked` runs.
   */
  private async revoke(subscription: GroupSubscription, partitions: readonly number[]): Promise<void> {
    if (partitions.length === 0) return;
    const draining: Array<Promise<void>> = [];
    for (const p of partitions) {
      const slot = this.slots[p]!;
      subscription.held.delete(p);
      if (slot.owner === subscription) {
        slot.owner = undefined;
        slot.delivering = false;
      }
      slot.retry?.();
      slot.retry = undefined;
      if (slot.busy) draining.push(new Promise<void>((resolve) => slot.idle.push(resolve)));
    }
    await Promise.all(draining);
    try {
      await subscription.options.onRevoked?.(partitions);
    } catch (error) {
      subscription.options.onError?.(error);
    }
  }

  /** Takes a subscription out of the group, revoking everything it holds. */
  private async release(subscription: GroupSubscription): Promise<void> {
    subscription.closed = true;
    await this.revoke(subscription, [...subscription.held.keys()]);
    const member = subscription.member;
    if (member !== undefined && this.members.get(member) === subscription) this.members.delete(member);
    this.statics.delete(subscription);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
