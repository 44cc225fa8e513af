import type { z } from 'zod';
import { WardenError } from '../errors.ts';
import { CATALOG, type EventDefinition } from './catalog.ts';
import { type Envelope, envelopeSchema } from './envelope.ts';

/** Turns the payload of one version into the payload of the next. */
export type Upcaster = (data: Readonly<Record<string, unknown>>) => Record<string, unknown>;

/** Formats zod issues as `path: message` lines, paths written `a.b[2].c`. */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix = ''): string[] {
  return issues.map((issue) => {
    const path = formatPath(issue.path, prefix);
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
}

export function formatPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/**
 * The event types this process knows, by full versioned name, and the upcasters that lift an old
 * version to the next. A new version is a new entry; old versions stay registered so that stored
 * events still parse, and `parse` returns them upcast to the newest version.
 */
export class EventRegistry {
  private readonly definitions = new Map<string, EventDefinition>();
  private readonly upcasters = new Map<string, { readonly to: string; readonly upcast: Upcaster }>();

  constructor(definitions: readonly EventDefinition[] = CATALOG) {
    for (const d of definitions) this.register(d);
  }

  register(definition: EventDefinition): void {
    if (this.definitions.has(definition.type)) {
      throw new WardenError('WARDEN_INTERNAL', `event type ${definition.type} registered twice`);
    }
    this.definitions.set(definition.type, definition);
  }

  /** Declares that `from` is superseded by `to`, and how to convert its payload. */
  registerUpcaster(from: string, to: string, upcast: Upcaster): void {
    if (!this.definitions.has(from) || !this.definitions.has(to)) {
      throw new WardenError('WARDEN_INTERNAL', `upcaster ${from} → ${to} names an unregistered type`);
    }
    this.upcasters.set(from, { to, upcast });
  }

  get(type: string): EventDefinition | undefined {
    return this.definitions.get(type);
  }

  types(): string[] {
    return [...this.definitions.keys()];
  }

  /**
   * Validates an envelope and its payload; returns it upcast to the newest version of its type.
   * Throws `WARDEN_EVENT_INVALID` or `WARDEN_EVENT_UNKNOWN_TYPE` naming every problem.
   */
  parse(raw: unknown): Envelope {
    const env = envelopeSchema.safeParse(raw);
    if (!env.success) {
      throw new WardenError(
        'WARDEN_EVENT_INVALID',
        `invalid event envelope: ${formatIssues(env.error.issues).join('; ')}`,
      );
    }
    let envelope = env.data as Envelope;
    let definition = this.definitions.get(envelope.type);
    if (definition === undefined) {
      throw new WardenError(
        'WARDEN_EVENT_UNKNOWN_TYPE',
        `unknown event type ${envelope.type} (event ${envelope.id})`,
        {
          type: envelope.type,
          id: envelope.id,
        },
      );
    }
    let data = this.parseData(definition, envelope);
    for (
      let next = this.upcasters.get(definition.type);
      next !== undefined;
      next = this.upcasters.get(definition.type)
    ) {
      const target = this.definitions.get(next.to)!;
      envelope = { ...envelope, type: target.type, data: next.upcast(data) };
      definition = target;
      data = this.parseData(definition, envelope);
    }
    return { ...envelope, data };
  }

  private parseData(definition: EventDefinition, envelope: Envelope): Record<string, unknown> {
    const result = definition.schema.safeParse(envelope.data);
    if (!result.success) {
      throw new WardenError(
        'WARDEN_EVENT_INVALID',
        `invalid ${definition.type} payload in event ${envelope.id}: ${formatIssues(result.error.issues, 'data').join('; ')}`,
        { type: envelope.type, id: envelope.id },
      );
    }
    return result.data as Record<string, unknown>;
  }
}
