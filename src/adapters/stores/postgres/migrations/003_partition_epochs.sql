-- Fencing: the newest epoch each transport partition committed under. A commit whose fence
-- carries an older epoch of its partition is refused (WARDEN_STORE_FENCED). A commit with a
-- fence upserts its partition's row first, so commits of one partition take turns on its lock.
CREATE TABLE partition_epochs (
  "partition" INTEGER PRIMARY KEY,
  epoch       BIGINT  NOT NULL
);
