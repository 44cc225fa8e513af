import type Database from 'better-sqlite3';
import type { Envelope } from '../../../domain/events/envelope.ts';
import type { DecisionRow, PositionRow } from '../../../ports/store.ts';

/** A row of `events` as `read` selects it. */
export interface EventRow {
  position: number;
  id: string;
  type: string;
  key: string;
  version: number;
  ts: string;
  urgency: string | null;
  causation_id: string | null;
  correlation_id: string | null;
  data: string;
  hash: string;
}

/** A row of `positions`. */
export interface PositionDbRow {
  id: string;
  account_id: string;
  symbol: string;
  side: 'long' | 'short';
  quantity: number;
  entry_price: number;
  stop_price: number | null;
  target_price: number | null;
  profile: string | null;
  opened_at: number;
  status: 'open' | 'closed';
  closed_at: number | null;
  attrs: string | null;
}

/** A row of `decisions`. */
export interface DecisionDbRow {
  id: string;
  position_id: string;
  account_id: string;
  decided_at: number;
  policy: string;
  trigger: string;
  action: string;
  confidence: number;
  reasoning: string;
  action_details: string | null;
  state_at_decision: string | null;
  market_context: string | null;
  raw_response: string | null;
  latency_ms: number;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cost: number | null;
  model: string | null;
  fallback_reason: string | null;
  prompt_version: string | null;
  rejected: string | null;
}

/** The `events` columns `read` selects, in `EventRow` order. */
export const EVENT_COLUMNS =
  'position, id, type, key, version, ts, urgency, causation_id, correlation_id, data, hash';

/** The envelope of a stored row, its fields in envelope order with absent ones left out. */
export function envelopeOf(r: EventRow): Envelope {
  const e: Record<string, unknown> = { id: r.id, type: r.type, key: r.key, ts: r.ts };
  if (r.urgency !== null) e.urgency = r.urgency;
  if (r.causation_id !== null) e.causationId = r.causation_id;
  if (r.correlation_id !== null) e.correlationId = r.correlation_id;
  e.data = JSON.parse(r.data);
  return e as unknown as Envelope;
}

/** JSON text for a column, or NULL for an absent value. */
export const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));

/** A positions row as the port shapes it, absent optional fields left out. */
export function positionOf(r: PositionDbRow): PositionRow {
  const p: Record<string, unknown> = {
    id: r.id,
    accountId: r.account_id,
    symbol: r.symbol,
    side: r.side,
    quantity: r.quantity,
    entryPrice: r.entry_price,
  };
  if (r.stop_price !== null) p.stopPrice = r.stop_price;
  if (r.target_price !== null) p.targetPrice = r.target_price;
  if (r.profile !== null) p.profile = r.profile;
  p.openedAt = r.opened_at;
  p.status = r.status;
  if (r.closed_at !== null) p.closedAt = r.closed_at;
  if (r.attrs !== null) p.attrs = JSON.parse(r.attrs);
  return p as unknown as PositionRow;
}

/** A decisions row as the port shapes it, absent optional fields left out. */
export function decisionOf(r: DecisionDbRow): DecisionRow {
  const d: Record<string, unknown> = {
    id: r.id,
    positionId: r.position_id,
    accountId: r.account_id,
    decidedAt: r.decided_at,
    policy: r.policy,
    trigger: r.trigger,
    action: r.action,
    confidence: r.confidence,
    reasoning: r.reasoning,
  };
  if (r.action_details !== null) d.actionDetails = JSON.parse(r.action_details);
  if (r.state_at_decision !== null) d.stateAtDecision = JSON.parse(r.state_at_decision);
  if (r.market_context !== null) d.marketContext = JSON.parse(r.market_context);
  if (r.raw_response !== null) d.rawResponse = r.raw_response;
  d.latencyMs = r.latency_ms;
  if (r.prompt_tokens !== null) d.promptTokens = r.prompt_tokens;
  if (r.completion_tokens !== null) d.completionTokens = r.completion_tokens;
  if (r.cost !== null) d.cost = r.cost;
  if (r.model !== null) d.model = r.model;
  if (r.fallback_reason !== null) d.fallbackReason = r.fallback_reason;
  if (r.prompt_version !== null) d.promptVersion = r.prompt_version;
  if (r.rejected !== null) d.rejected = JSON.parse(r.rejected);
  return d as unknown as DecisionRow;
}

/** The values of a positions row in column order, without `updated_at`. */
export function positionValues(p: PositionRow): unknown[] {
  return [
    p.id,
    p.accountId,
    p.symbol,
    p.side,
    p.quantity,
    p.entryPrice,
    p.stopPrice ?? null,
    p.targetPrice ?? null,
    p.profile ?? null,
    p.openedAt,
    p.status,
    p.closedAt ?? null,
    json(p.attrs),
  ];
}

/** The values of a decisions row in column order. */
export function decisionValues(d: DecisionRow): unknown[] {
  return [
    d.id,
    d.positionId,
    d.accountId,
    d.decidedAt,
    d.policy,
    d.trigger,
    d.action,
    d.confidence,
    d.reasoning,
    json(d.actionDetails),
    json(d.stateAtDecision),
    json(d.marketContext),
    d.rawResponse ?? null,
    d.latencyMs,
    d.promptTokens ?? null,
    d.completionTokens ?? null,
    d.cost ?? null,
    d.model ?? null,
    d.fallbackReason ?? null,
    d.promptVersion ?? null,
    json(d.rejected),
  ];
}

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
