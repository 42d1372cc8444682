-- The feed of alert changes the live stream sends and replays from `Last-Event-ID`:
-- `opened`, `ended`, or the status an alert moved to. Never rewritten.
CREATE TABLE alert_changes (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id  TEXT NOT NULL REFERENCES alerts (id),
    what      TEXT NOT NULL,
    at        INTEGER NOT NULL
);
CREATE TRIGGER alert_changes_no_update BEFORE UPDATE ON alert_changes
BEGIN SELECT RAISE(ABORT, 'alert changes are never rewritten'); END;
CREATE TRIGGER alert_changes_no_delete BEFORE DELETE ON alert_changes
BEGIN SELECT RAISE(ABORT, 'alert changes are never rewritten'); END;
CREATE INDEX alerts_position ON alerts (lon, lat);
