import { asWardenEvent, type WardenEvent } from '../domain/events/catalog.ts';
import type { Envelope } from '../domain/events/envelope.ts';
import type { EventSink } from './event-sink.ts';

/** A component that follows the events of its partition, in order. */
export interface EventFollower {
  /** Name for error reports: `monitor`, `risk`, `entry`, … */
  readonly name: string;
  /** Reads one event; the events it emits meanwhile are queued, not handed to anyone yet. */
  handle(event: WardenEvent): void;
}

/**
 * The one path an event takes inside a partition: to the sink (the log, the store, the output)
 * the moment it is emitted, then to every follower in the order they were added, one event at a
 * time. Run to completion: an event emitted while followers are still reading an earlier one is
 * queued, and reaches them only after every follower has read the earlier one, so no follower is
 * ever re-entered and every follower sees the events in the order the sink got them.
 *
 * The order followers are added in is the contract: the composition root adds them in one place.
 */
export class Dispatcher implements EventSink {
  private readonly followers: EventFollower[] = [];
  private readonly queue: Envelope[] = [];
  private head = 0;
  private draining = false;

  constructor(private readonly sink: EventSink) {}

  /** Adds a follower after those already added. */
  follow(follower: EventFollower): void {
    this.followers.push(follower);
  }

  /** Emits an event: to the sink now, to the followers in turn. */
  emit(envelope: Envelope): void {
    this.sink.emit(envelope);
    this.enqueue(envelope);
  }

  /**
   * Hands an event to the followers without emitting it: state rebuilt on recovery is told to
   * them this way, so the log does not repeat it.
   */
  observe(envelope: Envelope): void {
    this.enqueue(envelope);
  }

  /** True while followers are reading an event. */
  get busy(): boolean {
    return this.draining;
  }

  private enqueue(envelope: Envelope): void {
    this.queue.push(envelope);
    if (!this.draining) this.drain();
  }

  private drain(): void {
    this.draining = true;
    try {
      while (this.head < this.queue.length) {
        const event = asWardenEvent(this.queue[this.head]!);
        this.head++;
        for (const f of this.followers) f.handle(event);
      }
    } finally {
      // A follower that threw leaves the rest of the queue for the next event to drain.
      this.draining = false;
      if (this.head === this.queue.length) {
        this.queue.length = 0;
        this.head = 0;
      }
    }
  }
}
