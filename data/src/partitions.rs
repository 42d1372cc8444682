//! What a cluster of engines shares through the store: each partition's latest snapshot,
//! and who owns which partition ([`Leases`], PostgreSQL advisory locks).

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection, Row};

use crate::{SqlStore, StoreError};

/// A partition's saved state: the stream sequence it covers and the snapshot bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionSnapshot {
    pub seq: u64,
    pub taken_at_ms: i64,
    pub state: Vec<u8>,
}

impl SqlStore {
    /// Replaces partition `part`'s snapshot.
    pub async fn save_partition_snapshot(
        &self,
        part: u32,
        snapshot: &PartitionSnapshot,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO partition_snapshots (part, seq, taken_at, state) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (part) DO UPDATE SET seq = excluded.seq, taken_at = excluded.taken_at, \
             state = excluded.state",
        )
        .bind(i64::from(part))
        .bind(i64::try_from(snapshot.seq).unwrap_or(i64::MAX))
        .bind(snapshot.taken_at_ms)
        .bind(snapshot.state.as_slice())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn partition_snapshot(
        &self,
        part: u32,
    ) -> Result<Option<PartitionSnapshot>, StoreError> {
        let row =
            sqlx::query("SELECT seq, taken_at, state FROM partition_snapshots WHERE part = $1")
                .bind(i64::from(part))
                .fetch_optional(self.pool())
                .await?;
        let Some(r) = row else {
            return Ok(None);
        };
        let seq: i64 = r.try_get("seq")?;
        Ok(Some(PartitionSnapshot {
            seq: u64::try_from(seq).unwrap_or(0),
            taken_at_ms: r.try_get("taken_at")?,
            state: r.try_get("state")?,
        }))
    }

    /// Publishes to this process's live feed the changes other processes committed after
    /// `after` (an API node serving alerts that engine nodes write); returns the newest
    /// sequence seen.
    pub async fn relay_changes(&self, after: i64) -> Result<i64, StoreError> {
        use crate::Store;
        let mut last = after;
        loop {
            let page = self.changes_after(last, 500).await?;
            let full = page.len() == 500;
            for c in page {
                last = last.max(c.seq);
                self.publish(c);
            }
            if !full {
                return Ok(last);
            }
        }
    }
}

/// Lease classes: the first key of a two-key advisory lock.
const PARTITION_CLASS: i32 = 0x5257_0001;
const MEMBER_CLASS: i32 = 0x5257_0002;

/// Partition leases on PostgreSQL advisory locks, held by one session: when the process
/// dies, the server drops the session and its locks at once, and a survivor's next try
/// takes them. A hung process whose connection stays up is found by TCP keepalives
/// (set short below).
#[derive(Debug)]
pub struct Leases {
    conn: PgConnection,
    member: Option<i32>,
}

impl Leases {
    pub async fn connect(url: &str) -> Result<Leases, StoreError> {
        let opts: PgConnectOptions = url.parse()?;
        let mut conn = opts.connect().await?;
        // A node cut off without closing its socket loses its leases in seconds, not hours.
        for set in [
            "SET tcp_keepalives_idle = 5",
            "SET tcp_keepalives_interval = 1",
            "SET tcp_keepalives_count = 3",
        ] {
            sqlx::query(set).execute(&mut conn).await?;
        }
        Ok(Leases { conn, member: None })
    }

    /// Joins the members (engines) by taking a free member slot; returns it.
    pub async fn join(&mut self, slots: i32) -> Result<Option<i32>, StoreError> {
        for slot in 0..slots {
            if self.try_lock(MEMBER_CLASS, slot).await? {
                self.member = Some(slot);
                return Ok(Some(slot));
            }
        }
        Ok(None)
    }

    /// How many members hold a slot now.
    pub async fn members(&mut self) -> Result<u32, StoreError> {
        self.count(MEMBER_CLASS).await
    }

    /// Takes partition `part` if no one holds it.
    pub async fn try_take(&mut self, part: u32) -> Result<bool, StoreError> {
        self.try_lock(PARTITION_CLASS, part as i32).await
    }

    pub async fn release(&mut self, part: u32) -> Result<(), StoreError> {
        sqlx::query("SELECT pg_advisory_unlock($1, $2)")
            .bind(PARTITION_CLASS)
            .bind(part as i32)
            .execute(&mut self.conn)
            .await?;
        Ok(())
    }

    /// How many partitions are held, by anyone.
    pub async fn held(&mut self) -> Result<u32, StoreError> {
        self.count(PARTITION_CLASS).await
    }

    /// Whether the session (and so every lease of this node) is still alive.
    pub async fn alive(&mut self) -> bool {
        self.conn.ping().await.is_ok()
    }

    async fn try_lock(&mut self, class: i32, key: i32) -> Result<bool, StoreError> {
        Ok(sqlx::query_scalar("SELECT pg_try_advisory_lock($1, $2)")
            .bind(class)
            .bind(key)
            .fetch_one(&mut self.conn)
            .await?)
    }

    async fn count(&mut self, class: i32) -> Result<u32, StoreError> {
        // An advisory lock on two int4 keys shows the first as classid, the second as objid;
        // locks are per database (several clusters may share a server).
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted \
             AND classid = ($1::int8 & 4294967295)::oid AND objsubid = 2 \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        )
        .bind(i64::from(class))
        .fetch_one(&mut self.conn)
        .await?;
        Ok(u32::try_from(n).unwrap_or(0))
    }
}
