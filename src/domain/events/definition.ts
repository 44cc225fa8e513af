import type { z } from 'zod';
import type { Urgency } from './envelope.ts';

/** One entry of the catalog: a type, its payload schema, and its urgency where one applies. */
export interface EventDefinition<S extends z.ZodType = z.ZodType, T extends string = string> {
  readonly type: T;
  readonly schema: S;
  /** Fixed urgency, or undefined when it depends on the payload (milestones, breaches) or does not apply. */
  readonly urgency?: Urgency;
  readonly description: string;
}

/** Builds a catalog entry; the literal type `T` is kept so the catalog stays a discriminated union. */
export function defineEvent<const T extends string, S extends z.ZodType>(
  type: T,
  description: string,
  schema: S,
  urgency?: Urgency,
): EventDefinition<S, T> {
  return urgency === undefined ? { type, schema, description } : { type, schema, urgency, description };
}

/** Payload type of a catalog entry. */
export type PayloadOf<D> = D extends EventDefinition<infer S, string> ? z.infer<S> : never;
