import { DECISION_COLUMNS, POSITION_COLUMNS } from '../sql-rows.ts';

/** The columns of an events row, in the order `insertEventsSql` takes their values. */
export const EVENT_INSERT_COLUMNS =
  'position, id, type, key, version, ts, ts_ms, urgency, causation_id, correlation_id, position_id, data, hash';
export const EVENT_INSERT_WIDTH = 13;

/**
 * Rows per INSERT of events: 13,000 parameters, well under PostgreSQL's 65,535. A full chunk
 * runs as a named prepared statement; a shorter one (the tail of a batch) is parsed each time.
 */
export const EVENT_CHUNK = 1_000;

/**
 * `INSERT INTO events … VALUES (…), (…)` for `rows` rows of parameters. Measured against an
 * `INSERT … SELECT FROM unnest(arrays)`, this is the faster: pg sends each value as is, where
 * arrays cost an escaping pass over every text in the client and a parse in the server.
 */
export function insertEventsSql(schema: string, rows: number): string {
  const tuples = new Array<string>(rows);
  for (let r = 0; r < rows; r++) {
    const b = r * EVENT_INSERT_WIDTH;
    const params = new Array<string>(EVENT_INSERT_WIDTH);
    for (let c = 0; c < EVENT_INSERT_WIDTH; c++) params[c] = `$${b + c + 1}`;
    tuples[r] = `(${params.join(',')})`;
  }
  return `INSERT INTO ${schema}.events (${EVENT_INSERT_COLUMNS}) VALUES ${tuples.join(',')}`;
}

/** The SQL of the store, with table names qualified by its schema. */
export function statements(s: string) {
  return {
    head: `SELECT position FROM ${s}.event_head WHERE id = 1`,
    lockHead: `SELECT position, hash FROM ${s}.event_head WHERE id = 1 FOR UPDATE`,
    updateHead: `UPDATE ${s}.event_head SET position = $1, hash = $2 WHERE id = 1`,
    version: `SELECT max(version) AS version FROM ${s}.events WHERE key = $1`,
    // One index probe per key (the UNIQUE (key, version) index, read backwards).
    keyVersions: `SELECT k AS key, (SELECT max(version) FROM ${s}.events WHERE key = k) AS version
                  FROM unnest($1::text[]) AS k`,
    processed: `SELECT 1 FROM ${s}.processed_events WHERE consumer = $1 AND event_id = $2`,
    insertProcessed: `INSERT INTO ${s}.processed_events (consumer, event_id, processed_at)
                      SELECT $1, e, $3 FROM unnest($2::text[]) AS e
                      ON CONFLICT DO NOTHING RETURNING event_id`,
    record: `SELECT value FROM ${s}.state_records WHERE collection = $1 AND id = $2`,
    records: `SELECT id, value FROM ${s}.state_records WHERE collection = $1 ORDER BY id`,
    upsertRecords: `INSERT INTO ${s}.state_records (collection, id, value)
                    SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
                    ON CONFLICT (collection, id) DO UPDATE SET value = excluded.value`,
    deleteRecords: `DELETE FROM ${s}.state_records r USING unnest($1::text[], $2::text[]) AS d(collection, id)
                    WHERE r.collection = d.collection AND r.id = d.id`,
    insertSnapshot: `INSERT INTO ${s}.snapshots (name, position, taken_at, data) VALUES ($1, $2, $3, $4)`,
    latestSnapshot: `SELECT name, position, taken_at, data FROM ${s}.snapshots
                     WHERE name = $1 ORDER BY id DESC LIMIT 1`,
    positions: `SELECT ${POSITION_COLUMNS} FROM ${s}.positions
                WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR id = $2) ORDER BY id`,
    upsertPositions: `INSERT INTO ${s}.positions (${POSITION_COLUMNS}, updated_at)
      SELECT *, $14::bigint FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::float8[], $6::float8[],
                          $7::float8[], $8::float8[], $9::text[], $10::bigint[], $11::text[], $12::bigint[],
                          $13::text[])
      ON CONFLICT (id) DO UPDATE SET
        account_id = excluded.account_id, symbol = excluded.symbol, side = excluded.side,
        quantity = excluded.quantity, entry_price = excluded.entry_price, stop_price = excluded.stop_price,
        target_price = excluded.target_price, profile = excluded.profile, opened_at = excluded.opened_at,
        status = excluded.status, closed_at = excluded.closed_at, attrs = excluded.attrs,
        updated_at = excluded.updated_at`,
    decisions: `SELECT ${DECISION_COLUMNS} FROM ${s}.decisions
                WHERE ($1::text IS NULL OR position_id = $1) ORDER BY decided_at, id`,
    upsertDecisions: `INSERT INTO ${s}.decisions (${DECISION_COLUMNS})
      SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[],
                           $8::float8[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[],
                           $14::float8[], $15::int[], $16::int[], $17::float8[], $18::text[], $19::text[],
                           $20::text[], $21::text[])
      ON CONFLICT (id) DO UPDATE SET
        position_id = excluded.position_id, account_id = excluded.account_id, decided_at = excluded.decided_at,
        policy = excluded.policy, trigger = excluded.trigger, action = excluded.action,
        confidence = excluded.confidence, reasoning = excluded.reasoning,
        action_details = excluded.action_details, state_at_decision = excluded.state_at_decision,
        market_context = excluded.market_context, raw_response = excluded.raw_response,
        latency_ms = excluded.latency_ms, prompt_tokens = excluded.prompt_tokens,
        completion_tokens = excluded.completion_tokens, cost = excluded.cost, model = excluded.model,
        fallback_reason = excluded.fallback_reason, prompt_version = excluded.prompt_version,
        rejected = excluded.rejected`,
  };
}
