-- Alerts, their life cycle, and the audit log. Times are ms since the UNIX epoch (UTC).
CREATE TABLE alerts (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,  -- insertion order: the list cursor
    id           TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    severity     TEXT NOT NULL,
    mmsi         INTEGER NOT NULL,
    vessel_name  TEXT,
    zone_id      TEXT,
    started_at   INTEGER NOT NULL,
    ended_at     INTEGER,
    detected_at  INTEGER NOT NULL,
    lon          REAL NOT NULL,
    lat          REAL NOT NULL,
    evidence     TEXT NOT NULL,                       -- JSON
    status       TEXT NOT NULL DEFAULT 'new'
);
CREATE INDEX alerts_kind ON alerts (kind, seq);
CREATE INDEX alerts_status ON alerts (status, seq);
CREATE INDEX alerts_mmsi ON alerts (mmsi, seq);
CREATE INDEX alerts_zone ON alerts (zone_id, seq);
CREATE INDEX alerts_started ON alerts (started_at);

-- Every step of an alert's life cycle: never updated, never deleted.
CREATE TABLE alert_events (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id  TEXT NOT NULL REFERENCES alerts (id),
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    status    TEXT NOT NULL,
    note      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_events_alert ON alert_events (alert_id, seq);

-- Append-only: who did what to what, when.
CREATE TABLE audit_log (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER alert_events_no_update BEFORE UPDATE ON alert_events
BEGIN SELECT RAISE(ABORT, 'alert events are never rewritten'); END;
CREATE TRIGGER alert_events_no_delete BEFORE DELETE ON alert_events
BEGIN SELECT RAISE(ABORT, 'alert events are never rewritten'); END;
