-- Accounts and the bearer tokens they sign in with. Passwords are argon2 hashes (PHC
-- strings); tokens are stored as SHA-256 digests, never as themselves.
CREATE TABLE users (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    name           TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    created_at     INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    digest      TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
