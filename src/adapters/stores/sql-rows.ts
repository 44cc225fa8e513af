import type { Envelope } from '../../domain/events/envelope.ts';
import type { DecisionRow, PositionRow, StoredEvent } from '../../ports/store.ts';

/*
 * The rows of the SQL stores (SQLite and PostgreSQL share table and column names) and their
 * mapping to the port's types, for both dialects. PostgreSQL returns BIGINT columns as strings
 * (pg does not guess at precision), SQLite as numbers: every one of them here is an epoch ms or a
 * log position, well inside Number's exact range, so `Number()` reads both.
 */

/** A BIGINT as pg returns it (a string), or as SQLite returns it and we pass it (a number). */
export type Int8 = string | number;

/** An `events` row as read (the EVENT_COLUMNS). */
export interface EventDbRow {
  readonly position: Int8;
  readonly id: string;
  readonly type: string;
  readonly key: string;
  readonly version: number;
  readonly ts: string;
  readonly urgency: string | null;
  readonly causation_id: string | null;
  readonly correlation_id: string | null;
  readonly data: string;
  readonly hash: string;
}

/** The columns `EventDbRow` reads, in a SELECT list. */
export const EVENT_COLUMNS =
  'position, id, type, key, version, ts, urgency, causation_id, correlation_id, data, hash';

/**
 * The envelope with its fields in the canonical order (id, type, key, ts, urgency?, causationId?,
 * correlationId?, data) and absent optional fields left out: what is hashed and what reads back.
 */
export function envelopeOf(
  id: string,
  type: string,
  key: string,
  ts: string,
  urgency: string | null | undefined,
  causationId: string | null | undefined,
  correlationId: string | null | undefined,
  data: unknown,
): Envelope {
  const envelope: Record<string, unknown> = { id, type, key, ts };
  if (urgency !== null && urgency !== undefined) envelope.urgency = urgency;
  if (causationId !== null && causationId !== undefined) envelope.causationId = causationId;
  if (correlationId !== null && correlationId !== undefined) envelope.correlationId = correlationId;
  envelope.data = data;
  return envelope as unknown as Envelope;
}

/** The stored event a row holds, its envelope rebuilt in canonical field order. */
export function storedEventOf(row: EventDbRow): StoredEvent {
  return {
    envelope: envelopeOf(
      row.id,
      row.type,
      row.key,
      row.ts,
      row.urgency,
      row.causation_id,
      row.correlation_id,
      JSON.parse(row.data),
    ),
    position: Number(row.position),
    version: row.version,
    hash: row.hash,
  };
}

/** A `positions` row as read (the POSITION_COLUMNS). */
export interface PositionDbRow {
  readonly id: string;
  readonly account_id: string;
  readonly symbol: string;
  readonly side: 'long' | 'short';
  readonly quantity: number;
  readonly entry_price: number;
  readonly stop_price: number | null;
  readonly target_price: number | null;
  readonly profile: string | null;
  readonly opened_at: Int8;
  readonly status: 'open' | 'closed';
  readonly closed_at: Int8 | null;
  readonly attrs: string | null;
}

/** The `positions` columns the store reads and writes (not `updated_at`), in `PositionRow` order. */
export const POSITION_COLUMNS =
  'id, account_id, symbol, side, quantity, entry_price, stop_price, target_price, profile, opened_at, status, closed_at, attrs';

/** The port's row from a database row. */
export function positionOf(row: PositionDbRow): PositionRow {
  // Field by field in the interface's order, optional fields left out when NULL.
  const p: Record<string, unknown> = {
    id: row.id,
    accountId: row.account_id,
    symbol: row.symbol,
    side: row.side,
    quantity: row.quantity,
    entryPrice: row.entry_price,
  };
  if (row.stop_price !== null) p.stopPrice = row.stop_price;
  if (row.target_price !== null) p.targetPrice = row.target_price;
  if (row.profile !== null) p.profile = row.profile;
  p.openedAt = Number(row.opened_at);
  p.status = row.status;
  if (row.closed_at !== null) p.closedAt = Number(row.closed_at);
  if (row.attrs !== null) p.attrs = JSON.parse(row.attrs);
  return p as unknown as PositionRow;
}

/** A position's column values, in POSITION_COLUMNS order. */
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
    p.attrs === undefined ? null : JSON.stringify(p.attrs),
  ];
}

/** A `decisions` row as read (the DECISION_COLUMNS). */
export interface DecisionDbRow {
  readonly id: string;
  readonly position_id: string;
  readonly account_id: string;
  readonly decided_at: Int8;
  readonly policy: string;
  readonly trigger: string;
  readonly action: string;
  readonly confidence: number;
  readonly reasoning: string;
  readonly action_details: string | null;
  readonly state_at_decision: string | null;
  readonly market_context: string | null;
  readonly raw_response: string | null;
  readonly latency_ms: number;
  readonly prompt_tokens: number | null;
  readonly completion_tokens: number | null;
  readonly cost: number | null;
  readonly model: string | null;
  readonly fallback_reason: string | null;
  readonly prompt_version: string | null;
  readonly rejected: string | null;
}

/** Every `decisions` column, in `DecisionRow` order. */
export const DECISION_COLUMNS =
  'id, position_id, account_id, decided_at, policy, trigger, action, confidence, reasoning, action_details, ' +
  'state_at_decision, market_context, raw_response, latency_ms, prompt_tokens, completion_tokens, cost, model, ' +
  'fallback_reason, prompt_version, rejected';

function jsonOrNull(value: unknown): string | null {
  return value === undefined ? null : JSON.stringify(value);
}

/** A decision's column values, in DECISION_COLUMNS order. */
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
    jsonOrNull(d.actionDetails),
    jsonOrNull(d.stateAtDecision),
    jsonOrNull(d.marketContext),
    d.rawResponse ?? null,
    d.latencyMs,
    d.promptTokens ?? null,
    d.completionTokens ?? null,
    d.cost ?? null,
    d.model ?? null,
    d.fallbackReason ?? null,
    d.promptVersion ?? null,
    jsonOrNull(d.rejected),
  ];
}

/** The port's row from a database row. */
export function decisionOf(row: DecisionDbRow): DecisionRow {
  // Field by field in the interface's order, optional fields left out when NULL.
  const d: Record<string, unknown> = {
    id: row.id,
    positionId: row.position_id,
    accountId: row.account_id,
    decidedAt: Number(row.decided_at),
    policy: row.policy,
    trigger: row.trigger,
    action: row.action,
    confidence: row.confidence,
    reasoning: row.reasoning,
  };
  if (row.action_details !== null) d.actionDetails = JSON.parse(row.action_details);
  if (row.state_at_decision !== null) d.stateAtDecision = JSON.parse(row.state_at_decision);
  if (row.market_context !== null) d.marketContext = JSON.parse(row.market_context);
  if (row.raw_response !== null) d.rawResponse = row.raw_response;
  d.latencyMs = row.latency_ms;
  if (row.prompt_tokens !== null) d.promptTokens = row.prompt_tokens;
  if (row.completion_tokens !== null) d.completionTokens = row.completion_tokens;
  if (row.cost !== null) d.cost = row.cost;
  if (row.model !== null) d.model = row.model;
  if (row.fallback_reason !== null) d.fallbackReason = row.fallback_reason;
  if (row.prompt_version !== null) d.promptVersion = row.prompt_version;
  if (row.rejected !== null) d.rejected = JSON.parse(row.rejected);
  return d as unknown as DecisionRow;
}

/** JSON text for a column, or NULL for an absent value. */
export const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
