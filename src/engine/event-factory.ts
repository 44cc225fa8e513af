import type { EventDefinition, PayloadOf } from '../domain/events/catalog.ts';
import { type Envelope, isoTime, type Urgency } from '../domain/events/envelope.ts';
import type { Clock } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/ids.ts';

/** Links an event to the one that caused it and to the chain it belongs to. */
export interface Cause {
  readonly causationId?: string;
  readonly correlationId?: string;
}

/** The cause to give events that follow `envelope`. */
export function causedBy(envelope: Envelope): Cause {
  return { causationId: envelope.id, correlationId: envelope.correlationId ?? envelope.id };
}

/** Builds envelopes stamped with the engine clock's time and the engine's id generator. */
export class EventFactory {
  constructor(
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  create<D extends EventDefinition>(
    definition: D,
    key: string,
    data: PayloadOf<D>,
    cause: Cause = {},
    urgency: Urgency | undefined = definition.urgency,
  ): Envelope<PayloadOf<D>> {
    // Built field by field so that JSON output keeps the envelope order with `data` last.
    const envelope: Record<string, unknown> = {
      id: this.ids.next(),
      type: definition.type,
      key,
      ts: isoTime(this.clock.now()),
    };
    if (urgency !== undefined) envelope.urgency = urgency;
    if (cause.causationId !== undefined) envelope.causationId = cause.causationId;
    if (cause.correlationId !== undefined) envelope.correlationId = cause.correlationId;
    envelope.data = data;
    return envelope as unknown as Envelope<PayloadOf<D>>;
  }
}
