import type { Envelope } from '../domain/events/envelope.ts';

/**
 * Where the engine puts the events it produces, synchronously and in order. The composition root
 * decides what a sink does: write JSONL, append to the store, publish to the transport.
 */
export interface EventSink {
  emit(envelope: Envelope): void;
}

/** Fans one event stream out to several sinks, in order. */
export function fanOut(...sinks: EventSink[]): EventSink {
  return {
    emit(envelope) {
      for (const s of sinks) s.emit(envelope);
    },
  };
}

/** Counts events by type, for summaries and metrics. */
export class CountingSink implements EventSink {
  readonly byType = new Map<string, number>();
  total = 0;

  emit(envelope: Envelope): void {
    this.total++;
    this.byType.set(envelope.type, (this.byType.get(envelope.type) ?? 0) + 1);
  }
}

/** Keeps every event in memory, for tests and short runs. */
export class CollectingSink implements EventSink {
  readonly events: Envelope[] = [];

  emit(envelope: Envelope): void {
    this.events.push(envelope);
  }

  ofType(type: string): Envelope[] {
    return this.events.filter((e) => e.type === type);
  }
}
