-- The feed of alert changes the live stream sends and replays from `Last-Event-ID`.
CREATE TABLE alert_changes (
    seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id  TEXT NOT NULL REFERENCES alerts (id),
    what      TEXT NOT NULL,
    at        BIGINT NOT NULL
);
CREATE TRIGGER alert_changes_append_only BEFORE UPDATE OR DELETE ON alert_changes
    FOR EACH ROW EXECUTE FUNCTION riverwatch_append_only();
CREATE INDEX alerts_position ON alerts (lon, lat);
