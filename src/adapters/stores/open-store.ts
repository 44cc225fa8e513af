import type { EventStore } from '../../ports/store.ts';
import { createMemoryEventStore } from './memory/memory-store.ts';
import { openSqliteStore } from './sqlite/sqlite-store.ts';

/** Options of `openEventStore`. */
export interface OpenStoreOptions {
  /** PostgreSQL only: the schema holding the store's tables (default `public`). */
  readonly schema?: string;
}

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/**
 * Opens the event store a spec names: `memory` for the in-memory store, a `postgres://` or
 * `postgresql://` URL for PostgreSQL (a `schema` parameter, `…/db?schema=warden`, names the
 * schema of the tables), anything else as the path of a SQLite file (created if
 * missing). Rejects with `WARDEN_STORE_UNAVAILABLE` or `WARDEN_STORE_SCHEMA_NEWER` as the
 * adapters do.
 */
export async function openEventStore(spec: string, options: OpenStoreOptions = {}): Promise<EventStore> {
  if (spec === 'memory') return createMemoryEventStore();
  if (POSTGRES_URL.test(spec)) {
    // Loaded on demand, so that a SQLite or in-memory run never loads the PostgreSQL driver.
    const { openPostgresStore } = await import('./postgres/postgres-store.ts');
    const { url, schema } = schemaOf(spec);
    const chosen = options.schema ?? schema;
    return openPostgresStore(url, chosen === undefined ? {} : { schema: chosen });
  }
  return openSqliteStore(spec);
}

/**
 * How to name a store in messages and logs: `memory`, the SQLite path, or the PostgreSQL URL with
 * its password (in the user part or a `password` parameter) replaced by `***`.
 */
export function describeStore(spec: string): string {
  if (!POSTGRES_URL.test(spec)) return spec;
  try {
    const url = new URL(spec);
    if (url.password !== '') url.password = '***';
    if (url.searchParams.has('password')) url.searchParams.set('password', '***');
    return url.toString();
  } catch {
    // Not a valid URL: mask whatever sits between `user:` and `@`, and any password parameter.
    return spec.replace(/^([^:]+:\/\/[^:/@]*):[^@]*@/, '$1:***@').replace(/([?&]password=)[^&]*/i, '$1***');
  }
}

/** A PostgreSQL URL without its `schema` parameter, and that parameter. */
function schemaOf(spec: string): { readonly url: string; readonly schema?: string } {
  let url: URL;
  try {
    url = new URL(spec);
  } catch {
    return { url: spec };
  }
  const schema = url.searchParams.get('schema');
  if (schema === null || schema === '') return { url: spec };
  url.searchParams.delete('schema');
  return { url: url.toString(), schema };
}
