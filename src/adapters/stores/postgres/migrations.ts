import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientBase } from 'pg';
import { WardenError } from '../../../domain/errors.ts';
import { packageFile } from '../../package-files.ts';

/** One versioned migration: `migrations/NNN_name.sql`. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const MIGRATIONS_DIR = (): string => packageFile('src', 'adapters', 'stores', 'postgres', 'migrations');
const FILE_PATTERN = /^(\d+)_([a-z0-9_]+)\.sql$/;

/** Namespace of the advisory lock taken while migrating (the second key is the schema's hash). */
const MIGRATION_LOCK = 0x5741_5244; // "WARD"

let cached: readonly Migration[] | undefined;

/** The migrations shipped with this Warden, in version order (versions 1, 2, … without gaps). */
export function knownMigrations(): readonly Migration[] {
  if (cached !== undefined) return cached;
  const found: Migration[] = [];
  for (const file of readdirSync(MIGRATIONS_DIR())) {
    const match = FILE_PATTERN.exec(file);
    if (match === null) continue;
    found.push({
      version: Number(match[1]),
      name: match[2]!,
      sql: readFileSync(join(MIGRATIONS_DIR(), file), 'utf8'),
    });
  }
  found.sort((a, b) => a.version - b.version);
  found.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`PostgreSQL migrations: expected version ${i + 1}, found ${m.version}`);
  });
  cached = found;
  return found;
}

/** A double-quoted SQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Creates the schema if missing and applies the migrations it lacks, in one transaction under a
 * transaction-scoped advisory lock on the schema, so that processes opening the same store at
 * once take turns and each migration runs exactly once. Rejects with WARDEN_STORE_SCHEMA_NEWER
 * when the schema holds a version this Warden does not know (nothing is changed then).
 */
export async function migrate(client: ClientBase, schema: string): Promise<void> {
  const migrations = knownMigrations();
  const newest = migrations.at(-1)?.version ?? 0;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK, schema]);
    // Looked up first: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the database
    // even when the schema exists, which a production role often lacks.
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rows.length === 0) await client.query(`CREATE SCHEMA ${quoteIdent(schema)}`);
    await client.query(`SET LOCAL search_path TO ${quoteIdent(schema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         version INTEGER PRIMARY KEY,
         name TEXT NOT NULL,
         applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ v: number | null }>(
      'SELECT max(version) AS v FROM schema_migrations',
    );
    const current = rows[0]?.v ?? 0;
    if (current > newest) {
      throw new WardenError(
        'WARDEN_STORE_SCHEMA_NEWER',
        `PostgreSQL schema "${schema}" is at migration ${current}; this Warden knows migrations up to ${newest}`,
        { schema, version: current, newest },
      );
    }
    for (const m of migrations) {
      if (m.version <= current) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        m.version,
        m.name,
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
