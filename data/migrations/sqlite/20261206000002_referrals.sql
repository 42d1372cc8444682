-- Referrals: confirmed alerts handed to another department (an agency), with a signed
-- package delivered to the agency's endpoint through a durable outbox, and the agency's
-- feedback. Agencies are accounts' departments: an agency user sees only its own.
CREATE TABLE agencies (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    contact     TEXT NOT NULL,
    endpoint    TEXT,
    secret      TEXT NOT NULL,       -- the shared secret webhooks are signed with (HMAC)
    updated_at  INTEGER NOT NULL
);
ALTER TABLE users ADD COLUMN agency_id TEXT;
CREATE TABLE referrals (
    id              TEXT PRIMARY KEY,
    agency_id       TEXT NOT NULL REFERENCES agencies (id),
    status          TEXT NOT NULL,
    note            TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
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
-- Every step of a referral: never updated, never deleted.
CREATE TABLE referral_events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    referral_id  TEXT NOT NULL REFERENCES referrals (id),
    at           INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    status       TEXT NOT NULL,
    note         TEXT NOT NULL
);
CREATE TRIGGER referral_events_no_update BEFORE UPDATE ON referral_events
BEGIN SELECT RAISE(ABORT, 'referral_events is append-only'); END;
CREATE TRIGGER referral_events_no_delete BEFORE DELETE ON referral_events
BEGIN SELECT RAISE(ABORT, 'referral_events is append-only'); END;
-- Webhook deliveries waiting, done or given up, and every attempt.
CREATE TABLE outbox (
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key  TEXT NOT NULL UNIQUE,
    referral_id      TEXT NOT NULL REFERENCES referrals (id),
    created_at       INTEGER NOT NULL,
    next_at          INTEGER NOT NULL,
    attempts         INTEGER NOT NULL,
    delivered_at     INTEGER,
    gave_up_at       INTEGER,
    last_error       TEXT
);
-- Only what is still to be delivered: delivered and given-up rows never slow the scan.
CREATE INDEX outbox_due ON outbox (next_at) WHERE delivered_at IS NULL AND gave_up_at IS NULL;
CREATE TABLE outbox_attempts (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_seq  INTEGER NOT NULL REFERENCES outbox (seq),
    at          INTEGER NOT NULL,
    http_status INTEGER,
    error       TEXT
);
CREATE TRIGGER outbox_attempts_no_update BEFORE UPDATE ON outbox_attempts
BEGIN SELECT RAISE(ABORT, 'outbox_attempts is append-only'); END;
CREATE TRIGGER outbox_attempts_no_delete BEFORE DELETE ON outbox_attempts
BEGIN SELECT RAISE(ABORT, 'outbox_attempts is append-only'); END;
