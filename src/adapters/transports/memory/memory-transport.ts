import { WardenError } from '../../../domain/errors.ts';
import type { Envelope } from '../../../domain/events/envelope.ts';
import type { Clock } from '../../../ports/clock.ts';
import type {
  DeadLetter,
  DeliveryHandler,
  SubscribeOptions,
  Subscription,
  Transport,
} from '../../../ports/transport.ts';
import { SystemClock } from '../../clock/system-clock.ts';
import { partitionOf } from '../partitioning.ts';
import { checkSubscribeOptions } from '../subscribe-options.ts';
import { GroupSubscription, MemoryGroup, type PartitionLogs } from './group.ts';

/** Options of the memory transport. */
export interface MemoryTransportOptions {
  /** Partitions, fixed for the transport's life. */
  readonly partitions: number;
  /** The clock retry backoffs wait on (the system clock by default). */
  readonly clock?: Clock;
}

/**
 * The in-process transport, the default. Keeps every partition's log in memory for the life of the
 * process, so groups can replay from any offset. Groups hold partitions statically or as members
 * (see `Transport`); backoff timers run on the injected clock.
 */
export class MemoryTransport implements Transport, PartitionLogs {
  readonly partitions: number;
  readonly clock: Clock;
  private readonly logs: Envelope[][];
  private readonly groups = new Map<string, MemoryGroup>();
  private closed = false;

  constructor(options: MemoryTransportOptions) {
    if (!Number.isInteger(options.partitions) || options.partitions < 1) {
      throw new WardenError(
        'WARDEN_INTERNAL',
        `partitions must be a positive integer, got ${options.partitions}`,
      );
    }
    this.partitions = options.partitions;
    this.clock = options.clock ?? new SystemClock();
    this.logs = Array.from({ length: this.partitions }, () => []);
  }

  partitionOf(key: string): number {
    return partitionOf(key, this.partitions);
  }

  /** The events of a partition, oldest first. */
  log(partition: number): readonly Envelope[] {
    return this.logs[partition]!;
  }

  async publish(envelope: Envelope): Promise<void> {
    if (this.closed) throw new WardenError('WARDEN_TRANSPORT_CLOSED', 'publish on a closed transport');
    const partition = this.partitionOf(envelope.key);
    this.logs[partition]!.push(envelope);
    for (const group of this.groups.values()) group.pump(partition);
  }

  async subscribe(
    group: string,
    handler: DeliveryHandler,
    options: SubscribeOptions = {},
  ): Promise<Subscription> {
    if (this.closed) throw new WardenError('WARDEN_TRANSPORT_CLOSED', 'subscribe on a closed transport');
    const checked = checkSubscribeOptions(group, this.partitions, options);
    let state = this.groups.get(group);
    if (state === undefined) {
      state = new MemoryGroup(group, this);
      this.groups.set(group, state);
    }
    const subscription = new GroupSubscription(state, handler, checked);
    await state.join(subscription);
    return subscription;
  }

  async deadLetters(group: string): Promise<DeadLetter[]> {
    return [...(this.groups.get(group)?.deadLetters ?? [])];
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.groups.values()].map((g) => g.shutdown()));
  }
}

/** Builds an in-memory transport: see `MemoryTransport`. */
export function createMemoryTransport(options: MemoryTransportOptions): Transport {
  return new MemoryTransport(options);
}
