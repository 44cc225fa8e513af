-- Warden's event store, version 1. Runs with search_path set to the store's schema.
-- Text keys use the "C" collation: byte order, the same as SQLite and JavaScript whatever the
-- database's locale, and cheaper to compare in the indexes.

-- The log. `data` is the payload's JSON text exactly as appended (TEXT, not jsonb, so it reads
-- back byte for byte); `hash` chains each event to the one before it (see chain.ts).
CREATE TABLE events (
  position BIGINT PRIMARY KEY,
  id TEXT COLLATE "C" NOT NULL UNIQUE,
  type TEXT COLLATE "C" NOT NULL,
  key TEXT COLLATE "C" NOT NULL,
  version INTEGER NOT NULL,
  ts TEXT NOT NULL,
  ts_ms BIGINT NOT NULL,
  urgency TEXT,
  causation_id TEXT,
  correlation_id TEXT COLLATE "C",
  position_id TEXT COLLATE "C",
  data TEXT NOT NULL,
  hash TEXT NOT NULL,
  UNIQUE (key, version)
);
-- Each filter index ends with `position` so a filtered read pages through it in log order.
CREATE INDEX events_type ON events (type, position);
CREATE INDEX events_key ON events (key, position);
CREATE INDEX events_position_id ON events (position_id, position) WHERE position_id IS NOT NULL;
CREATE INDEX events_correlation_id ON events (correlation_id, position) WHERE correlation_id IS NOT NULL;
CREATE INDEX events_ts_ms ON events (ts_ms);

-- The head of the log: one row, locked FOR UPDATE by every append so appenders in any process
-- take turns and positions and the hash chain stay linear and gap-free.
CREATE TABLE event_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  position BIGINT NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO event_head (id, position, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE state_records (
  collection TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (collection, id)
);

-- The inbox: event ids each consumer has processed.
CREATE TABLE processed_events (
  consumer TEXT COLLATE "C" NOT NULL,
  event_id TEXT COLLATE "C" NOT NULL,
  processed_at BIGINT NOT NULL,
  PRIMARY KEY (consumer, event_id)
);

CREATE TABLE snapshots (
  id BIGSERIAL PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL,
  position BIGINT NOT NULL,
  taken_at BIGINT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX snapshots_name ON snapshots (name, id);

-- Positions Warden watches. Other programs may insert rows here (see the trigger below), so the
-- columns they need not know have defaults. Times are epoch ms.
CREATE TABLE positions (
  id TEXT COLLATE "C" PRIMARY KEY,
  account_id TEXT NOT NULL,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL CHECK (side IN ('long', 'short')),
  quantity DOUBLE PRECISION NOT NULL,
  entry_price DOUBLE PRECISION NOT NULL,
  stop_price DOUBLE PRECISION,
  target_price DOUBLE PRECISION,
  profile TEXT,
  opened_at BIGINT NOT NULL DEFAULT (floor(extract(epoch FROM clock_timestamp()) * 1000))::BIGINT,
  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  closed_at BIGINT,
  attrs TEXT,
  updated_at BIGINT NOT NULL DEFAULT (floor(extract(epoch FROM clock_timestamp()) * 1000))::BIGINT
);
CREATE INDEX positions_status ON positions (status, id);

-- Every new row, whoever inserts it, is announced on channel `warden_positions` (at commit) with
-- its schema, so stores in other schemas of the same database can tell theirs apart.
CREATE FUNCTION notify_position_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('warden_positions', json_build_object('schema', TG_TABLE_SCHEMA, 'id', NEW.id)::text);
  RETURN NULL;
END
$$;
CREATE TRIGGER positions_notify_insert AFTER INSERT ON positions
  FOR EACH ROW EXECUTE FUNCTION notify_position_inserted();

-- Decisions of the decision policies: what each saw, answered and cost. JSON columns are TEXT.
CREATE TABLE decisions (
  id TEXT COLLATE "C" PRIMARY KEY,
  position_id TEXT COLLATE "C" NOT NULL,
  account_id TEXT NOT NULL,
  decided_at BIGINT NOT NULL,
  policy TEXT NOT NULL,
  trigger TEXT NOT NULL,
  action TEXT NOT NULL,
  confidence DOUBLE PRECISION NOT NULL,
  reasoning TEXT NOT NULL,
  action_details TEXT,
  state_at_decision TEXT,
  market_context TEXT,
  raw_response TEXT,
  latency_ms DOUBLE PRECISION NOT NULL,
  prompt_tokens INTEGER,
  completion_tokens INTEGER,
  cost DOUBLE PRECISION,
  model TEXT,
  fallback_reason TEXT
);
CREATE INDEX decisions_position ON decisions (position_id, decided_at);
CREATE INDEX decisions_decided_at ON decisions (decided_at);
