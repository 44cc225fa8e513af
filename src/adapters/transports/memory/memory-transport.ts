import { WardenError } from '../../../domain/errors.ts';
import type { Envelope } from '../../../domain/events/envelope.ts';
import type { Clock } from '../../../ports/clock.ts';
import type {
  DeadLetter,
  Delivery,
  SubscribeOptions,
  Subscription,
  Transport,
} from '../../../ports/transport.ts';
import { SystemClock } from '../../clock/system-clock.ts';
import { partitionOf } from '../partitioning.ts';

const DEFAULT_MAX_ATTEMPTS = 5;
const defaultBackoff = (attempt: number) => Math.min(10 * 2 ** (attempt - 1), 1_000);

interface Group {
  /** Next offset to deliver, per partition. */
  readonly committed: number[];
  readonly epochs: number[];
  readonly deadLetters: DeadLetter[];
  active?: GroupConsumer;
}

type Handler = (envelope: Envelope, delivery: Delivery) => Promise<void>;

class GroupConsumer implements Subscription {
  private readonly inFlight: boolean[];
  private readonly attempts: number[];
  private readonly idle: Array<(() => void) | undefined>;
  private closed = false;

  constructor(
    private readonly transport: MemoryTransport,
    private readonly group: Group,
    private readonly handler: Handler,
    private readonly maxAttempts: number,
    private readonly backoffMs: (attempt: number) => number,
  ) {
    const n = group.committed.length;
    this.inFlight = new Array(n).fill(false);
    this.attempts = new Array(n).fill(0);
    this.idle = new Array(n).fill(undefined);
  }

  pump(partition: number): void {
    if (this.closed || this.inFlight[partition]) return;
    const log = this.transport.log(partition);
    const offset = this.group.committed[partition]!;
    if (offset >= log.length) return;
    const envelope = log[offset]!;
    this.inFlight[partition] = true;
    const attempt = ++this.attempts[partition]!;
    const delivery: Delivery = { partition, offset, attempt, epoch: this.group.epochs[partition]! };
    let result: Promise<void>;
    try {
      result = this.handler(envelope, delivery);
    } catch (e) {
      result = Promise.reject(e);
    }
    result.then(
      () => this.advance(partition),
      (error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        if (attempt >= this.maxAttempts) {
          this.group.deadLetters.push({ envelope, reason, attempts: attempt, partition, offset });
          this.advance(partition);
          return;
        }
        this.transport.clock.schedule(this.transport.clock.now() + this.backoffMs(attempt), () => {
          this.inFlight[partition] = false;
          this.pump(partition);
          this.settleIfIdle(partition);
        });
      },
    );
  }

  private advance(partition: number): void {
    this.group.committed[partition]!++;
    this.attempts[partition] = 0;
    this.inFlight[partition] = false;
    this.pump(partition);
    this.settleIfIdle(partition);
  }

  private settleIfIdle(partition: number): void {
    if (!this.inFlight[partition]) {
      const resolve = this.idle[partition];
      this.idle[partition] = undefined;
      resolve?.();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      this.inFlight.map((busy, p) =>
        busy ? new Promise<void>((resolve) => (this.idle[p] = resolve)) : undefined,
      ),
    );
    if (this.group.active === this) delete this.group.active;
  }
}

/**
 * The in-process transport, the default. Keeps every partition's log in memory for the life of the
 * process, so groups can replay from any offset. Backoff timers run on the injected clock.
 */
export class MemoryTransport implements Transport {
  readonly partitions: number;
  readonly clock: Clock;
  private readonly logs: Envelope[][];
  private readonly groups = new Map<string, Group>();
  private closed = false;

  constructor(options: { partitions: number; clock?: Clock }) {
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

  log(partition: number): readonly Envelope[] {
    return this.logs[partition]!;
  }

  async publish(envelope: Envelope): Promise<void> {
    if (this.closed) throw new WardenError('WARDEN_TRANSPORT_CLOSED', 'publish on a closed transport');
    const partition = this.partitionOf(envelope.key);
    this.logs[partition]!.push(envelope);
    for (const group of this.groups.values()) group.active?.pump(partition);
  }

  async subscribe(group: string, handler: Handler, options: SubscribeOptions = {}): Promise<Subscription> {
    if (this.closed) throw new WardenError('WARDEN_TRANSPORT_CLOSED', 'subscribe on a closed transport');
    let state = this.groups.get(group);
    if (state === undefined) {
      state = {
        committed: new Array(this.partitions).fill(0),
        epochs: new Array(this.partitions).fill(0),
        deadLetters: [],
      };
      this.groups.set(group, state);
    }
    if (state.active !== undefined) await state.active.close();
    if (options.fromOffset !== undefined) state.committed.fill(options.fromOffset);
    for (let p = 0; p < this.partitions; p++) state.epochs[p]!++;
    const consumer = new GroupConsumer(
      this,
      state,
      handler,
      options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      options.backoffMs ?? defaultBackoff,
    );
    state.active = consumer;
    for (let p = 0; p < this.partitions; p++) consumer.pump(p);
    return consumer;
  }

  async deadLetters(group: string): Promise<DeadLetter[]> {
    return [...(this.groups.get(group)?.deadLetters ?? [])];
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.groups.values()].map((g) => g.active?.close()));
  }
}

export function createMemoryTransport(options: { partitions: number; clock?: Clock }): Transport {
  return new MemoryTransport(options);
}
