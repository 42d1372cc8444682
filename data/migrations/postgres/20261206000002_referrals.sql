-- Referrals, agencies, the outbox: the same tables as migrations/sqlite.
CREATE TABLE agencies (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    contact     TEXT NOT NULL,
    endpoint    TEXT,
    secret      TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
ALTER TABLE users ADD COLUMN agency_id TEXT;
CREATE TABLE referrals (
    id              TEXT PRIMARY KEY,
    agency_id       TEXT NOT NULL REFERENCES agencies (id),
    status          TEXT NOT NULL,
    note            TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    package_sha256  TEXT,
    case_number     TEXT,
    outcome         TEXT,
    penalty         TEXT
);
CREATE INDEX referrals_agency ON referrals (agency_id, created_at);
CREATE TABLE referral_alerts (
    referral_id  TEXT NOT NULL REFERENCES referrals (id),
    alert_id     TEXT NOT NULL REFERENCES alerts (id),
    PRIMARY KEY (referral_id, alert_id)
);
CREATE INDEX referral_alerts_alert ON referral_alerts (alert_id);
CREATE TABLE referral_events (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    referral_id  TEXT NOT NULL REFERENCES referrals (id),
    at           BIGINT NOT NULL,
    actor        TEXT NOT NULL,
    status       TEXT NOT NULL,
    note         TEXT NOT NULL
);
CREATE TRIGGER referral_events_append_only BEFORE UPDATE OR DELETE ON referral_events
    FOR EACH ROW EXECUTE FUNCTION riverwatch_append_only();
CREATE TABLE outbox (
    seq              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    idempotency_key  TEXT NOT NULL UNIQUE,
    referral_id      TEXT NOT NULL REFERENCES referrals (id),
    created_at       BIGINT NOT NULL,
    next_at          BIGINT NOT NULL,
    attempts         BIGINT NOT NULL,
    delivered_at     BIGINT,
    gave_up_at       BIGINT,
    last_error       TEXT
);
-- Only what is still to be delivered: delivered and given-up rows never slow the scan.
CREATE INDEX outbox_due ON outbox (next_at) WHERE delivered_at IS NULL AND gave_up_at IS NULL;
CREATE TABLE outbox_attempts (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    outbox_seq  BIGINT NOT NULL REFERENCES outbox (seq),
    at          BIGINT NOT NULL,
    http_status BIGINT,
    error       TEXT
);
CREATE TRIGGER outbox_attempts_append_only BEFORE UPDATE OR DELETE ON outbox_attempts
    FOR EACH ROW EXECUTE FUNCTION riverwatch_append_only();
