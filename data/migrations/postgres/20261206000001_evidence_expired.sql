-- Evidence images the retention policy deleted: the same table as migrations/sqlite.
CREATE TABLE evidence_expired (
    evidence_id  TEXT PRIMARY KEY REFERENCES evidence (id),
    expired_at   BIGINT NOT NULL
);
CREATE TRIGGER evidence_expired_append_only BEFORE UPDATE OR DELETE ON evidence_expired
    FOR EACH ROW EXECUTE FUNCTION riverwatch_append_only();
CREATE INDEX alerts_detected ON alerts (detected_at);
CREATE INDEX evidence_received ON evidence (received_at);
