import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { WardenError } from '../../../domain/errors.ts';
import { packageFile } from '../../package-files.ts';

/** A schema migration: `migrations/NNN_name.sql`, applied once in version order. */
interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

function loadMigrations(): Migration[] {
  const dir = packageFile('src', 'adapters', 'stores', 'sqlite', 'migrations');
  const migrations: Migration[] = [];
  for (const file of readdirSync(dir)) {
    const match = /^(\d+)_([\w-]+)\.sql$/.exec(file);
    if (match === null) continue;
    const sql = readFileSync(join(dir, file), 'utf8');
    migrations.push({ version: Number(match[1]), name: match[2]!, sql });
  }
  return migrations.sort((a, b) => a.version - b.version);
}

/**
 * Applies the migrations the database has not seen, in one transaction, recording each in
 * `schema_migrations`.
 */
export function migrate(db: Database.Database, path: string): void {
  const migrations = loadMigrations();
  const newest = migrations.at(-1)?.version ?? 0;
  db.transaction(() => {
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    const current =
      db.prepare<[], number | null>('SELECT MAX(version) FROM schema_migrations').pluck().get() ?? 0;
    if (current > newest) {
      throw new WardenError(
        'WARDEN_STORE_SCHEMA_NEWER',
        `the SQLite store at ${path} is at schema version ${current}; this Warden knows up to ${newest}`,
        { path, version: current, newest },
      );
    }
    const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    }
  }).immediate();
}
