-- The engine state of one partition of the observation stream (riverwatch engine):
-- the detector's snapshot and the stream sequence it covers. A partition's new owner
-- restores it and replays the stream from seq + 1.
CREATE TABLE partition_snapshots (
    part INTEGER PRIMARY KEY,
    seq BIGINT NOT NULL,
    taken_at BIGINT NOT NULL,
    state BYTEA NOT NULL
);
