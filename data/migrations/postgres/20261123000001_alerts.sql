-- Alerts, their life cycle, and the audit log: the same tables as migrations/sqlite, in
-- PostgreSQL's dialect. Times are ms since the UNIX epoch (UTC); integers are BIGINT so
-- both backends hand back the same Rust types.
CREATE TABLE alerts (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    kind         TEXT NOT NULL,
    severity     TEXT NOT NULL,
    mmsi         BIGINT NOT NULL,
    vessel_name  TEXT,
    zone_id      TEXT,
    started_at   BIGINT NOT NULL,
    ended_at     BIGINT,
    detected_at  BIGINT NOT NULL,
    lon          DOUBLE PRECISION NOT NULL,
    lat          DOUBLE PRECISION NOT NULL,
    evidence     TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'new'
);
CREATE INDEX alerts_kind ON alerts (kind, seq);
CREATE INDEX alerts_status ON alerts (status, seq);
CREATE INDEX alerts_mmsi ON alerts (mmsi, seq);
CREATE INDEX alerts_zone ON alerts (zone_id, seq);
CREATE INDEX alerts_started ON alerts (started_at);

CREATE TABLE alert_events (
    seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id  TEXT NOT NULL REFERENCES alerts (id),
    at        BIGINT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    status    TEXT NOT NULL,
    note      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_events_alert ON alert_events (alert_id, seq);

CREATE TABLE audit_log (
    seq     BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT ''
);

CREATE FUNCTION riverwatch_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION riverwatch_append_only();
CREATE TRIGGER alert_events_append_only BEFORE UPDATE OR DELETE ON alert_events
    FOR EACH ROW EXECUTE FUNCTION riverwatch_append_only();
