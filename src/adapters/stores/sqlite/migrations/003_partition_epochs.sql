-- Fencing: the newest epoch each transport partition committed under. A commit whose fence
-- carries an older epoch of its partition is refused (WARDEN_STORE_FENCED).
CREATE TABLE partition_epochs (
  "partition" INTEGER PRIMARY KEY,
  epoch       INTEGER NOT NULL
);
