-- The alert list runs newest `started_at` first: each filter's index ends in
-- (started_at, seq), so a filter plus a time range is one index range read in order.
DROP INDEX alerts_kind;
DROP INDEX alerts_status;
DROP INDEX alerts_mmsi;
DROP INDEX alerts_zone;
DROP INDEX alerts_started;
DROP INDEX alerts_position;
CREATE INDEX alerts_kind ON alerts (kind, started_at, seq);
CREATE INDEX alerts_status ON alerts (status, started_at, seq);
CREATE INDEX alerts_mmsi ON alerts (mmsi, started_at, seq);
CREATE INDEX alerts_zone ON alerts (zone_id, started_at, seq);
CREATE INDEX alerts_started ON alerts (started_at, seq);
