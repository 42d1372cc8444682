-- Tower cameras (records like zones: a camera as JSON), the tokens cameras push with
-- (SHA-256 digests, never the tokens), and the evidence images as recorded: each row
-- chains the one before it (video::evidence), and none is ever rewritten.
CREATE TABLE cameras (
    key         TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE TABLE camera_tokens (
    digest      TEXT PRIMARY KEY,
    camera_id   TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);
CREATE TABLE evidence (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    camera_id    TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    captured_at  INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    metadata     TEXT NOT NULL,
    chain        TEXT NOT NULL
);
CREATE INDEX evidence_camera_time ON evidence (camera_id, captured_at);
CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence
BEGIN SELECT RAISE(ABORT, 'evidence is never rewritten'); END;
CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence
BEGIN SELECT RAISE(ABORT, 'evidence is never rewritten'); END;
