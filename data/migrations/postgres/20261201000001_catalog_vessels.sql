-- The river's reference data, seeded from the data directory on first start and then
-- edited through the API: zones (each a GeoJSON feature), the vessel registry and the
-- watchlist (each row a JSON object keyed by its CSV column names).
CREATE TABLE zones (
    key         TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE TABLE registry (
    key         TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE TABLE watchlist (
    key         TEXT PRIMARY KEY,
    body        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL
);
-- Facts about the store itself (e.g. when it was seeded from the data directory).
CREATE TABLE meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Each vessel's latest state as the engine knows it (identity, voyage, last fix), as JSON.
CREATE TABLE vessels (
    mmsi        BIGINT PRIMARY KEY,
    name        TEXT,
    last_heard  BIGINT NOT NULL,
    state       TEXT NOT NULL
);
CREATE INDEX vessels_heard ON vessels (last_heard);

-- Downsampled tracks. Speed in tenths of a knot and course in tenths of a degree: the
-- Any driver cannot bind a NULL float for PostgreSQL, and integers keep rows small.
CREATE TABLE positions (
    mmsi      BIGINT NOT NULL,
    at        BIGINT NOT NULL,
    lon       DOUBLE PRECISION NOT NULL,
    lat       DOUBLE PRECISION NOT NULL,
    sog_dkn   BIGINT,
    cog_ddeg  BIGINT,
    PRIMARY KEY (mmsi, at)
);
CREATE INDEX positions_at ON positions (at);
