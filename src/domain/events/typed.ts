import type { CATALOG } from './catalog.ts';
import type { PayloadOf } from './definition.ts';
import type { Urgency } from './envelope.ts';

type CatalogEntry = (typeof CATALOG)[number];

/** Every event type of the catalog. */
export type EventType = CatalogEntry['type'];

/** The payload of the catalog's event type `T`. */
export type PayloadOfType<T extends EventType> = PayloadOf<Extract<CatalogEntry, { readonly type: T }>>;

/** An envelope of the catalog's event type `T`, with its typed payload. */
export interface EventOf<T extends EventType> {
  readonly id: string;
  readonly type: T;
  readonly key: string;
  readonly ts: string;
  readonly urgency?: Urgency;
  readonly causationId?: string;
  readonly correlationId?: string;
  readonly data: Readonly<PayloadOfType<T>>;
}

/**
 * Any event of the catalog, discriminated by `type`: `switch (event.type)` narrows `data` to that
 * type's payload.
 */
export type WardenEvent = { [T in EventType]: EventOf<T> }[EventType];

/**
 * An envelope as the catalog event it is. Every envelope the engine handles was built by the
 * event factory from a catalog definition, or read back from a store whose registry validated it,
 * so the payload matches its type's schema; an envelope of a type outside the catalog has no
 * case in a `switch` over `WardenEvent` and falls through to its default.
 */
export function asWardenEvent(envelope: {
  readonly type: string;
  readonly data: Readonly<Record<string, unknown>>;
}): WardenEvent {
  return envelope as unknown as WardenEvent;
}
