//! [`SqlStore`]: the one implementation of [`Store`], on SQLite (the embedded default) or
//! PostgreSQL, through sqlx's `Any` driver. The queries are the same text on both (numbered
//! `$N` parameters, `ON CONFLICT`, `RETURNING`); the dialects differ only in the migrations
//! (`migrations/sqlite`, `migrations/postgres`), so a rule about storage lives in one place.

use std::path::Path;
use std::sync::{Arc, Once};

use geofence::alert::{Alert, AlertKind};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor, Row};
use tokio::sync::{Mutex, broadcast};

use crate::{
    Action, AlertEvent, AlertFilter, Change, Cursor, Page, Status, Store, StoreError, StoredAlert,
    User, severity_parse, severity_str,
};

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

/// How many changes the live feed holds for a subscriber that has not caught up; one that
/// falls further behind reads the rest from [`Store::changes_after`].
const FEED_CAPACITY: usize = 4096;

/// Which database a [`SqlStore`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The store on SQLite or PostgreSQL, with a live feed of every change it commits.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    feed: broadcast::Sender<Change>,
    /// Held from a change's insert to its publication, so subscribers see changes in `seq`
    /// order (the live stream relies on it to resume without gaps).
    pub(crate) changes: Arc<Mutex<()>>,
}

// Characters that cannot stand for themselves in the path of a `sqlite://` URL.
const PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}');

impl SqlStore {
    /// The embedded store: one SQLite file in WAL mode, created (with its directory) on
    /// first open.
    pub async fn open_sqlite(path: &Path) -> Result<SqlStore, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
        }
        let path = path.to_str().ok_or_else(|| {
            StoreError::Db(sqlx::Error::Configuration(
                format!("the store path {} is not UTF-8", path.display()).into(),
            ))
        })?;
        let url = format!("sqlite://{}?mode=rwc", utf8_percent_encode(path, PATH));
        install_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(4)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                    )
                    .await?;
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        SQLITE.run(&pool).await?;
        // The planner needs table statistics to choose between the alert list's indexes
        // (a status filter matches most rows, a zone filter few): gathered where missing
        // or stale.
        pool.execute("PRAGMA optimize=0x10002").await?;
        Ok(SqlStore::new(pool, Backend::Sqlite))
    }

    /// PostgreSQL at `url` (`postgres://user:password@host:port/database`); the schema is
    /// migrated on connect.
    pub async fn connect_postgres(url: &str) -> Result<SqlStore, StoreError> {
        install_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(16)
            .connect(url)
            .await?;
        POSTGRES.run(&pool).await?;
        Ok(SqlStore::new(pool, Backend::Postgres))
    }

    /// `postgres://…` or `postgresql://…` connects to PostgreSQL; anything else is the path
    /// of a SQLite file.
    pub async fn open(location: &str) -> Result<SqlStore, StoreError> {
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            SqlStore::connect_postgres(location).await
        } else {
            SqlStore::open_sqlite(Path::new(location)).await
        }
    }

    fn new(pool: AnyPool, backend: Backend) -> SqlStore {
        let (feed, _) = broadcast::channel(FEED_CAPACITY);
        SqlStore {
            pool,
            backend,
            feed,
            changes: Arc::new(Mutex::new(())),
        }
    }

    /// A transaction that writes. On SQLite it takes the write lock up front (`BEGIN
    /// IMMEDIATE`): a deferred one that reads first and then writes fails at once with
    /// "database is locked" when another writer holds the lock, instead of waiting for it.
    pub(crate) async fn write_tx(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Stores many alerts in one transaction (a migration, a load test); the same rows and
    /// changes as [`Store::save_alert`] one by one, but the live feed is not told. Returns
    /// how many were new.
    pub async fn import_alerts(&self, alerts: &[Alert]) -> Result<u64, StoreError> {
        let _order = self.changes.lock().await;
        let mut tx = self.write_tx().await?;
        let mut new = 0;
        for a in alerts {
            let done = insert_alert(a).execute(&mut *tx).await?;
            if done.rows_affected() == 1 {
                self.record_change(&mut tx, &a.id, "opened", a.detected_at_ms)
                    .await?;
                new += 1;
            }
        }
        tx.commit().await?;
        Ok(new)
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Every change committed through this store from now on, in commit order.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.feed.subscribe()
    }

    /// Whether the database answers (`/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes the pool: every write handed to it has been committed when this returns.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn publish(&self, mut change: Change) {
        change.published_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .map(|d| d.as_millis() as i64);
        // No subscriber is not an error: nobody is watching.
        let _ = self.feed.send(change);
    }

    pub(crate) async fn record_change(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        alert_id: &str,
        what: &str,
        at_ms: i64,
    ) -> Result<i64, StoreError> {
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO alert_changes (alert_id, what, at) VALUES ($1, $2, $3) RETURNING seq",
        )
        .bind(alert_id)
        .bind(what)
        .bind(at_ms)
        .fetch_one(&mut **tx)
        .await?;
        Ok(seq)
    }
}

/// One line of the append-only audit log, in a transaction or on the pool.
pub(crate) async fn insert_audit<'e, E>(
    executor: E,
    at_ms: i64,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(at_ms)
    .bind(actor)
    .bind(action)
    .bind(target)
    .bind(detail)
    .execute(executor)
    .await?;
    Ok(())
}

fn install_drivers() {
    static ONCE: Once = Once::new();
    ONCE.call_once(sqlx::any::install_default_drivers);
}

fn insert_alert(a: &Alert) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
    sqlx::query(
        "INSERT INTO alerts (id, kind, severity, mmsi, vessel_name, zone_id, started_at, \
         ended_at, detected_at, lon, lat, evidence) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING",
    )
    .bind(&a.id)
    .bind(a.kind.as_str())
    .bind(severity_str(a.severity))
    .bind(i64::from(a.mmsi))
    .bind(&a.vessel_name)
    .bind(&a.zone_id)
    .bind(a.started_at_ms)
    .bind(a.ended_at_ms)
    .bind(a.detected_at_ms)
    .bind(a.position.0)
    .bind(a.position.1)
    .bind(a.evidence.to_string())
}

const ALERT_COLUMNS: &str = "seq, id, kind, severity, mmsi, vessel_name, zone_id, started_at, \
     ended_at, detected_at, lon, lat, evidence, status";

fn row_to_alert(r: &AnyRow) -> Result<StoredAlert, StoreError> {
    let id: String = r.try_get("id")?;
    let corrupt = |why: &str| StoreError::Corrupt {
        id: id.clone(),
        why: why.to_string(),
    };
    let kind: String = r.try_get("kind")?;
    let severity: String = r.try_get("severity")?;
    let status: String = r.try_get("status")?;
    let evidence: String = r.try_get("evidence")?;
    let mmsi: i64 = r.try_get("mmsi")?;
    Ok(StoredAlert {
        seq: r.try_get("seq")?,
        status: Status::parse(&status).ok_or_else(|| corrupt("status"))?,
        alert: Alert {
            kind: AlertKind::parse(&kind).ok_or_else(|| corrupt("kind"))?,
            severity: severity_parse(&severity).ok_or_else(|| corrupt("severity"))?,
            mmsi: u32::try_from(mmsi).map_err(|_| corrupt("mmsi"))?,
            vessel_name: r.try_get("vessel_name")?,
            zone_id: r.try_get("zone_id")?,
            started_at_ms: r.try_get("started_at")?,
            ended_at_ms: r.try_get("ended_at")?,
            detected_at_ms: r.try_get("detected_at")?,
            position: (r.try_get("lon")?, r.try_get("lat")?),
            evidence: serde_json::from_str(&evidence).map_err(|e| corrupt(&e.to_string()))?,
            id: id.clone(),
        },
    })
}

fn row_to_user(r: &AnyRow) -> Result<User, StoreError> {
    Ok(User {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        role: r.try_get("role")?,
        password_hash: r.try_get("password_hash")?,
        agency: r.try_get("agency_id")?,
    })
}

impl Store for SqlStore {
    async fn create_user(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
        at_ms: i64,
    ) -> Result<User, StoreError> {
        let done = sqlx::query(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(role)
        .bind(password_hash)
        .bind(at_ms)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!("user {name:?}")));
        }
        self.user_by_name(name)
            .await?
            .ok_or_else(|| StoreError::Conflict(format!("user {name:?}")))
    }

    async fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(
            "SELECT id, name, role, password_hash, agency_id FROM users WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(row_to_user).transpose()
    }

    async fn set_password(&self, name: &str, password_hash: &str) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE name = $2")
            .bind(password_hash)
            .bind(name)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("user {name:?}")));
        }
        Ok(())
    }

    async fn create_token(
        &self,
        digest: &str,
        user_id: i64,
        at_ms: i64,
        expires_at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_tokens (digest, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(digest)
        .bind(user_id)
        .bind(at_ms)
        .bind(expires_at_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn token_user(&self, digest: &str, now_ms: i64) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(
            "SELECT u.id, u.name, u.role, u.password_hash, u.agency_id FROM api_tokens t \
             JOIN users u ON u.id = t.user_id WHERE t.digest = $1 AND t.expires_at > $2",
        )
        .bind(digest)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(row_to_user).transpose()
    }

    async fn delete_token(&self, digest: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM api_tokens WHERE digest = $1")
            .bind(digest)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn save_alert(&self, a: &Alert) -> Result<bool, StoreError> {
        let _order = self.changes.lock().await;
        let mut tx = self.write_tx().await?;
        let done = insert_alert(a).execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let seq = self
            .record_change(&mut tx, &a.id, "opened", a.detected_at_ms)
            .await?;
        tx.commit().await?;
        if let Some(alert) = self.alert(&a.id).await? {
            self.publish(Change {
                seq,
                what: "opened".into(),
                alert,
                published_ms: None,
            });
        }
        Ok(true)
    }

    async fn end_alert(&self, id: &str, ended_at_ms: i64) -> Result<(), StoreError> {
        let _order = self.changes.lock().await;
        let mut tx = self.write_tx().await?;
        let done =
            sqlx::query("UPDATE alerts SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL")
                .bind(ended_at_ms)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            drop(tx);
            return match self.alert(id).await? {
                Some(_) => Ok(()),
                None => Err(StoreError::NotFound(format!("alert {id:?}"))),
            };
        }
        let seq = self
            .record_change(&mut tx, id, "ended", ended_at_ms)
            .await?;
        tx.commit().await?;
        if let Some(alert) = self.alert(id).await? {
            self.publish(Change {
                seq,
                what: "ended".into(),
                alert,
                published_ms: None,
            });
        }
        Ok(())
    }

    async fn alert(&self, id: &str) -> Result<Option<StoredAlert>, StoreError> {
        let row = sqlx::query(&format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(row_to_alert).transpose()
    }

    async fn list_alerts(
        &self,
        f: &AlertFilter,
        before: Option<Cursor>,
        limit: u32,
    ) -> Result<Page, StoreError> {
        let limit = limit.clamp(1, 1000);
        // Only the filters given become conditions, each a bound parameter: a generic
        // `($n IS NULL OR col = $n)` form hides the indexes from SQLite's planner, and a
        // selective filter then scans the whole table (measured by scripts/load-api: p99
        // 18 s instead of milliseconds at 1 M alerts). The order, newest `started_at`
        // first, is that of the indexes `(kind|status|zone_id|mmsi, started_at, seq)`, so a
        // filter and a time range are one index range read in order. `+lon` keeps the
        // planner off the position index, whose range it cannot judge: the bounding box is
        // checked on rows read in order instead.
        let mut conds: Vec<String> = Vec::new();
        let mut n = 0;
        let mut next = |cond: &str| {
            let mut out = String::with_capacity(cond.len() + 8);
            for c in cond.chars() {
                if c == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(c);
                }
            }
            conds.push(out);
        };
        if before.is_some() {
            next("(started_at < ? OR (started_at = ? AND seq < ?))");
        }
        if f.kind.is_some() {
            next("kind = ?");
        }
        if f.status.is_some() {
            next("status = ?");
        }
        if f.severity.is_some() {
            next("severity = ?");
        }
        if f.zone_id.is_some() {
            next("zone_id = ?");
        }
        if f.mmsi.is_some() {
            next("mmsi = ?");
        }
        if f.since_ms.is_some() {
            next("started_at >= ?");
        }
        if f.until_ms.is_some() {
            next("started_at < ?");
        }
        if f.bbox.is_some() {
            next("+lon >= ?");
            next("+lat >= ?");
            next("+lon <= ?");
            next("+lat <= ?");
        }
        let sql = format!(
            "SELECT {ALERT_COLUMNS} FROM alerts {}{} ORDER BY started_at DESC, seq DESC LIMIT ${}",
            if conds.is_empty() { "" } else { "WHERE " },
            conds.join(" AND "),
            n + 1
        );
        let mut q = sqlx::query(&sql);
        if let Some(c) = before {
            q = q.bind(c.started_at_ms).bind(c.started_at_ms).bind(c.seq);
        }
        if let Some(k) = f.kind {
            q = q.bind(k.as_str());
        }
        if let Some(st) = f.status {
            q = q.bind(st.as_str());
        }
        if let Some(sev) = f.severity {
            q = q.bind(severity_str(sev));
        }
        if let Some(z) = &f.zone_id {
            q = q.bind(z.clone());
        }
        if let Some(m) = f.mmsi {
            q = q.bind(i64::from(m));
        }
        if let Some(t) = f.since_ms {
            q = q.bind(t);
        }
        if let Some(t) = f.until_ms {
            q = q.bind(t);
        }
        if let Some([w, so, e, no]) = f.bbox {
            q = q.bind(w).bind(so).bind(e).bind(no);
        }
        let rows = q.bind(i64::from(limit) + 1).fetch_all(&self.pool).await?;
        let mut alerts = rows
            .iter()
            .map(row_to_alert)
            .collect::<Result<Vec<_>, _>>()?;
        let next = if alerts.len() > limit as usize {
            alerts.truncate(limit as usize);
            alerts.last().map(|a| Cursor {
                started_at_ms: a.alert.started_at_ms,
                seq: a.seq,
            })
        } else {
            None
        };
        Ok(Page { alerts, next })
    }

    async fn act(
        &self,
        id: &str,
        action: Action,
        actor: &str,
        note: &str,
        at_ms: i64,
    ) -> Result<StoredAlert, StoreError> {
        let _order = self.changes.lock().await;
        let mut tx = self.write_tx().await?;
        // The guarded UPDATE makes the step atomic on either backend: two officers acting
        // at once cannot both move the alert from the same status.
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM alerts WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let status = status.ok_or_else(|| StoreError::NotFound(format!("alert {id:?}")))?;
        let from = Status::parse(&status).ok_or_else(|| StoreError::Corrupt {
            id: id.to_string(),
            why: "status".into(),
        })?;
        let transition = || StoreError::Transition {
            id: id.to_string(),
            from: from.as_str(),
            action: action.as_str(),
        };
        let to = from.after(action).ok_or_else(transition)?;
        let done = sqlx::query("UPDATE alerts SET status = $1 WHERE id = $2 AND status = $3")
            .bind(to.as_str())
            .bind(id)
            .bind(from.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(transition());
        }
        sqlx::query(
            "INSERT INTO alert_events (alert_id, at, actor, action, status, note) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(at_ms)
        .bind(actor)
        .bind(action.as_str())
        .bind(to.as_str())
        .bind(note)
        .execute(&mut *tx)
        .await?;
        let what = format!("alert.{}", action.as_str());
        insert_audit(&mut *tx, at_ms, actor, &what, id, note).await?;
        let seq = self.record_change(&mut tx, id, to.as_str(), at_ms).await?;
        tx.commit().await?;
        let alert = self
            .alert(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("alert {id:?}")))?;
        self.publish(Change {
            seq,
            what: to.as_str().into(),
            alert: alert.clone(),
            published_ms: None,
        });
        Ok(alert)
    }

    async fn alert_events(&self, id: &str) -> Result<Vec<AlertEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, actor, action, status, note FROM alert_events WHERE alert_id = $1 \
             ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status")?;
                Ok(AlertEvent {
                    at_ms: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    status: Status::parse(&status).ok_or_else(|| StoreError::Corrupt {
                        id: id.to_string(),
                        why: "event status".into(),
                    })?,
                    note: r.try_get("note")?,
                })
            })
            .collect()
    }

    async fn last_change_seq(&self) -> Result<i64, StoreError> {
        let seq: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM alert_changes")
            .fetch_one(&self.pool)
            .await?;
        Ok(seq.unwrap_or(0))
    }

    async fn changes_after(&self, seq: i64, limit: u32) -> Result<Vec<Change>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, alert_id, what FROM alert_changes WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(seq)
        .bind(i64::from(limit.clamp(1, 10_000)))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: String = r.try_get("alert_id")?;
            let alert = self.alert(&id).await?.ok_or_else(|| StoreError::Corrupt {
                id: id.clone(),
                why: "a change names a missing alert".into(),
            })?;
            out.push(Change {
                seq: r.try_get("seq")?,
                what: r.try_get("what")?,
                alert,
                published_ms: None,
            });
        }
        Ok(out)
    }

    async fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        insert_audit(&self.pool, at_ms, actor, action, target, detail).await
    }
}

/// For test suites: a new, empty database on the PostgreSQL server `admin_url` points at
/// (named `prefix` plus the process id and a counter), and its URL.
#[doc(hidden)]
pub async fn fresh_postgres_database(admin_url: &str, prefix: &str) -> Result<String, StoreError> {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    install_drivers();
    let name = format!(
        "{prefix}_{}_{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    );
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(StoreError::Db(sqlx::Error::Configuration(
            format!("database name {name:?}").into(),
        )));
    }
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .connect(admin_url)
        .await?;
    // Identifiers cannot be bound; the name was checked to be plain above.
    pool.execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
        .await?;
    pool.execute(format!("CREATE DATABASE {name}").as_str())
        .await?;
    pool.close().await;
    let base = admin_url
        .rsplit_once('/')
        .map(|(base, _)| base)
        .unwrap_or(admin_url);
    Ok(format!("{base}/{name}"))
}
