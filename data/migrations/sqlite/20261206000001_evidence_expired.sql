-- Evidence images the retention policy deleted (linked to no alert, older than
-- [store] image_retention_days). The chain rows stay as they are: an expired item's link
-- is still verified, its image no longer. Append-only, like the chain.
CREATE TABLE evidence_expired (
    evidence_id  TEXT PRIMARY KEY REFERENCES evidence (id),
    expired_at   INTEGER NOT NULL
);
CREATE TRIGGER evidence_expired_no_update BEFORE UPDATE ON evidence_expired
BEGIN SELECT RAISE(ABORT, 'evidence_expired is append-only'); END;
CREATE TRIGGER evidence_expired_no_delete BEFORE DELETE ON evidence_expired
BEGIN SELECT RAISE(ABORT, 'evidence_expired is append-only'); END;
-- Retention asks which alerts were detected near an image's capture time.
CREATE INDEX alerts_detected ON alerts (detected_at);
CREATE INDEX evidence_received ON evidence (received_at);
