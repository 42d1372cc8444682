-- Tower cameras, the tokens cameras push with (digests), and the evidence images as
-- recorded, each row chaining the one before it: the same tables as migrations/sqlite.
CREATE TABLE cameras (
    key         TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE TABLE camera_tokens (
    digest      TEXT PRIMARY KEY,
    camera_id   TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE TABLE evidence (
    seq          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    camera_id    TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    captured_at  BIGINT NOT NULL,
    received_at  BIGINT NOT NULL,
    metadata     TEXT NOT NULL,
    chain        TEXT NOT NULL
);
CREATE INDEX evidence_camera_time ON evidence (camera_id, captured_at);
CREATE TRIGGER evidence_append_only BEFORE UPDATE OR DELETE ON evidence
    FOR EACH ROW EXECUTE FUNCTION riverwatch_append_only();
