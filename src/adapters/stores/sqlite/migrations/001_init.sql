-- The event log, the durable state that commits with it, and the positions and decisions tables.
-- The PostgreSQL store uses the same table and column names.

CREATE TABLE events (
  position       INTEGER PRIMARY KEY,
  id             TEXT    NOT NULL UNIQUE,
  type           TEXT    NOT NULL,
  key            TEXT    NOT NULL,
  version        INTEGER NOT NULL,
  ts             TEXT    NOT NULL,
  ts_ms          INTEGER NOT NULL,
  urgency        TEXT,
  causation_id   TEXT,
  correlation_id TEXT,
  position_id    TEXT,
  data           TEXT    NOT NULL,
  hash           TEXT    NOT NULL,
  UNIQUE (key, version)
);

-- Each index also orders by position (the rowid), so filtered reads page in log order.
CREATE INDEX events_type ON events (type);
CREATE INDEX events_key ON events (key);
CREATE INDEX events_position_id ON events (position_id) WHERE position_id IS NOT NULL;
CREATE INDEX events_correlation_id ON events (correlation_id) WHERE correlation_id IS NOT NULL;
CREATE INDEX events_ts_ms ON events (ts_ms);

CREATE TABLE state_records (
  collection TEXT NOT NULL,
  id         TEXT NOT NULL,
  value      TEXT NOT NULL,
  PRIMARY KEY (collection, id)
) WITHOUT ROWID;

CREATE TABLE processed_events (
  consumer     TEXT    NOT NULL,
  event_id     TEXT    NOT NULL,
  processed_at INTEGER NOT NULL,
  PRIMARY KEY (consumer, event_id)
) WITHOUT ROWID;

CREATE TABLE snapshots (
  id       INTEGER PRIMARY KEY,
  name     TEXT    NOT NULL,
  position INTEGER NOT NULL,
  taken_at INTEGER NOT NULL,
  data     TEXT    NOT NULL
);

CREATE INDEX snapshots_name ON snapshots (name, id);

CREATE TABLE positions (
  id           TEXT    PRIMARY KEY,
  account_id   TEXT    NOT NULL,
  symbol       TEXT    NOT NULL,
  side         TEXT    NOT NULL,
  quantity     REAL    NOT NULL,
  entry_price  REAL    NOT NULL,
  stop_price   REAL,
  target_price REAL,
  profile      TEXT,
  opened_at    INTEGER NOT NULL,
  status       TEXT    NOT NULL,
  closed_at    INTEGER,
  attrs        TEXT,
  updated_at   INTEGER NOT NULL
);

CREATE INDEX positions_status ON positions (status);

CREATE TABLE decisions (
  id                TEXT    PRIMARY KEY,
  position_id       TEXT    NOT NULL,
  account_id        TEXT    NOT NULL,
  decided_at        INTEGER NOT NULL,
  policy            TEXT    NOT NULL,
  "trigger"         TEXT    NOT NULL,
  action            TEXT    NOT NULL,
  confidence        REAL    NOT NULL,
  reasoning         TEXT    NOT NULL,
  action_details    TEXT,
  state_at_decision TEXT,
  market_context    TEXT,
  raw_response      TEXT,
  latency_ms        REAL    NOT NULL,
  prompt_tokens     INTEGER,
  completion_tokens INTEGER,
  cost              REAL,
  model             TEXT,
  fallback_reason   TEXT
);

CREATE INDEX decisions_position_decided ON decisions (position_id, decided_at);
CREATE INDEX decisions_decided ON decisions (decided_at);
