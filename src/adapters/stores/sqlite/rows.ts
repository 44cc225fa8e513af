import type Database from 'better-sqlite3';

/** The prepared statements of one connection. */
export type Statements = ReturnType<typeof prepareStatements>;

/** Prepares the statements the store runs, once per connection. */
export function prepareStatements(db: Database.Database) {
  return {
    maxPosition: db.prepare<[], number | null>('SELECT MAX(position) FROM events').pluck(),
    dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
    head: db.prepare<[], { position: number; hash: string }>(
      'SELECT position, hash FROM events ORDER BY position DESC LIMIT 1',
    ),
    keyVersion: db.prepare<[string], number | null>('SELECT MAX(version) FROM events WHERE key = ?').pluck(),
    insertEvent: db.prepare(
      `INSERT INTO events (position, id, type, key, version, ts, ts_ms, urgency, causation_id, correlation_id,
         position_id, data, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    upsertRecord: db.prepare(
      `INSERT INTO state_records (collection, id, value) VALUES (?, ?, ?)
       ON CONFLICT (collection, id) DO UPDATE SET value = excluded.value`,
    ),
    deleteRecord: db.prepare('DELETE FROM state_records WHERE collection = ? AND id = ?'),
    insertProcessed: db.prepare(
      'INSERT INTO processed_events (consumer, event_id, processed_at) VALUES (?, ?, ?)',
    ),
    insertSnapshot: db.prepare('INSERT INTO snapshots (name, position, taken_at, data) VALUES (?, ?, ?, ?)'),
    upsertPosition: db.prepare(
      `INSERT INTO positions (id, account_id, symbol, side, quantity, entry_price, stop_price, target_price,
         profile, opened_at, status, closed_at, attrs, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET account_id = excluded.account_id, symbol = excluded.symbol,
         side = excluded.side, quantity = excluded.quantity, entry_price = excluded.entry_price,
         stop_price = excluded.stop_price, target_price = excluded.target_price, profile = excluded.profile,
         opened_at = excluded.opened_at, status = excluded.status, closed_at = excluded.closed_at,
         attrs = excluded.attrs, updated_at = excluded.updated_at`,
    ),
    upsertDecision: db.prepare(
      `INSERT OR REPLACE INTO decisions (id, position_id, account_id, decided_at, policy, "trigger", action,
         confidence, reasoning, action_details, state_at_decision, market_context, raw_response, latency_ms,
         prompt_tokens, completion_tokens, cost, model, fallback_reason, prompt_version, rejected)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    processed: db
      .prepare<[string, string], number>('SELECT 1 FROM processed_events WHERE consumer = ? AND event_id = ?')
      .pluck(),
    record: db
      .prepare<[string, string], string>('SELECT value FROM state_records WHERE collection = ? AND id = ?')
      .pluck(),
    records: db.prepare<[string], { id: string; value: string }>(
      'SELECT id, value FROM state_records WHERE collection = ? ORDER BY id',
    ),
    snapshot: db.prepare<[string], { name: string; position: number; taken_at: number; data: string }>(
      'SELECT name, position, taken_at, data FROM snapshots WHERE name = ? ORDER BY id DESC LIMIT 1',
    ),
  };
}
