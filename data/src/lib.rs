//! Persistence: one [`Store`] trait, with SQLite ([`SqliteStore`], the embedded default:
//! one file, WAL) and PostgreSQL (next) behind it, and one conformance suite for both
//! (`tests/store.rs`). The only crate that touches sqlx; every query binds its values.
//!
//! What is stored so far: alerts, each step of their life cycle (DESIGN.md "Alert life
//! cycle", enforced here), and the append-only audit log. `data/demo/` holds the demo river.

use std::path::Path;
use std::str::FromStr;

use geofence::alert::{Alert, AlertKind, Severity};
use serde::Serialize;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};

/// Where an alert is in its life cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    Acknowledged,
    Confirmed,
    Dismissed,
    Referred,
    Closed,
}

/// What an officer does to an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Acknowledge,
    Confirm,
    Dismiss,
    Refer,
    Close,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Acknowledged => "acknowledged",
            Status::Confirmed => "confirmed",
            Status::Dismissed => "dismissed",
            Status::Referred => "referred",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::New,
            Status::Acknowledged,
            Status::Confirmed,
            Status::Dismissed,
            Status::Referred,
            Status::Closed,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// DESIGN.md: `new -> acknowledged -> confirmed | dismissed -> referred -> closed`.
    /// A dismissed alert is closed, not referred; a confirmed one may be closed without a
    /// referral.
    pub fn after(self, action: Action) -> Option<Status> {
        use {Action as A, Status as S};
        match (self, action) {
            (S::New, A::Acknowledge) => Some(S::Acknowledged),
            (S::Acknowledged, A::Confirm) => Some(S::Confirmed),
            (S::Acknowledged, A::Dismiss) => Some(S::Dismissed),
            (S::Confirmed, A::Refer) => Some(S::Referred),
            (S::Confirmed | S::Dismissed | S::Referred, A::Close) => Some(S::Closed),
            _ => None,
        }
    }
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Acknowledge => "acknowledge",
            Action::Confirm => "confirm",
            Action::Dismiss => "dismiss",
            Action::Refer => "refer",
            Action::Close => "close",
        }
    }
}

/// An alert as stored: the detector's alert, its status, and its place in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAlert {
    pub seq: i64,
    pub alert: Alert,
    pub status: Status,
}

/// One step of an alert's life cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertEvent {
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub status: Status,
    pub note: String,
}

/// Filters for [`Store::list_alerts`]; `None` = any.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub kind: Option<AlertKind>,
    pub status: Option<Status>,
    pub severity: Option<Severity>,
    pub zone_id: Option<String>,
    pub mmsi: Option<u32>,
    /// `started_at` at or after (ms).
    pub since_ms: Option<i64>,
    /// `started_at` before (ms).
    pub until_ms: Option<i64>,
}

/// A page of alerts, newest first, and the cursor for the next (older) page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub alerts: Vec<StoredAlert>,
    pub next: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migrating the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0} already exists")]
    Conflict(String),
    #[error("alert {id:?} is {from}: it cannot be {action}d")]
    Transition {
        id: String,
        from: &'static str,
        action: &'static str,
    },
    #[error("stored alert {id:?} is unreadable: {why}")]
    Corrupt { id: String, why: String },
}

/// An account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub password_hash: String,
}

/// The store every part of riverwatch writes to and reads from.
#[allow(async_fn_in_trait)]
pub trait Store {
    /// Creates an account; a taken name is [`StoreError::Conflict`].
    async fn create_user(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
        at_ms: i64,
    ) -> Result<User, StoreError>;
    async fn user_by_name(&self, name: &str) -> Result<Option<User>, StoreError>;
    /// Replaces a user's password hash; an unknown name is [`StoreError::NotFound`].
    async fn set_password(&self, name: &str, password_hash: &str) -> Result<(), StoreError>;
    /// Records a token (by its digest) for a user until `expires_at_ms`.
    async fn create_token(
        &self,
        digest: &str,
        user_id: i64,
        at_ms: i64,
        expires_at_ms: i64,
    ) -> Result<(), StoreError>;
    /// The user a token digest belongs to, if the token has not expired at `now_ms`.
    async fn token_user(&self, digest: &str, now_ms: i64) -> Result<Option<User>, StoreError>;
    /// Stores a new alert (status `new`); storing the same id again changes nothing.
    async fn save_alert(&self, a: &Alert) -> Result<(), StoreError>;
    /// Records the end of an alert's episode.
    async fn end_alert(&self, id: &str, ended_at_ms: i64) -> Result<(), StoreError>;
    async fn alert(&self, id: &str) -> Result<Option<StoredAlert>, StoreError>;
    /// Newest first, `limit` at most, before the cursor `before` (a `seq`).
    async fn list_alerts(
        &self,
        f: &AlertFilter,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Page, StoreError>;
    /// Moves an alert along its life cycle, recording who, when and why, in the alert's
    /// history and in the audit log, in one transaction.
    async fn act(
        &self,
        id: &str,
        action: Action,
        actor: &str,
        note: &str,
        at_ms: i64,
    ) -> Result<StoredAlert, StoreError>;
    async fn alert_events(&self, id: &str) -> Result<Vec<AlertEvent>, StoreError>;
    async fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
        at_ms: i64,
    ) -> Result<(), StoreError>;
}

/// The embedded store: one SQLite file in WAL mode, created on first open.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl SqliteStore {
    pub async fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Db(sqlx::Error::Io(e)))?;
        }
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(opts)
            .await?;
        sqlx::migrate!("migrations/sqlite").run(&pool).await?;
        Ok(SqliteStore { pool })
    }
}

const ALERT_COLUMNS: &str = "seq, id, kind, severity, mmsi, vessel_name, zone_id, started_at, \
     ended_at, detected_at, lon, lat, evidence, status";

fn severity_str(s: Severity) -> &'static str {
    match s {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

fn severity_parse(s: &str) -> Option<Severity> {
    [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ]
    .into_iter()
    .find(|v| severity_str(*v) == s)
}

fn row_to_alert(r: &sqlx::sqlite::SqliteRow) -> Result<StoredAlert, StoreError> {
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

fn row_to_user(r: &sqlx::sqlite::SqliteRow) -> Result<User, StoreError> {
    Ok(User {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        role: r.try_get("role")?,
        password_hash: r.try_get("password_hash")?,
    })
}

impl Store for SqliteStore {
    async fn create_user(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
        at_ms: i64,
    ) -> Result<User, StoreError> {
        let done = sqlx::query(
            "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?) \
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
        let row = sqlx::query("SELECT id, name, role, password_hash FROM users WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(row_to_user).transpose()
    }

    async fn set_password(&self, name: &str, password_hash: &str) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE users SET password_hash = ? WHERE name = ?")
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
            "INSERT INTO api_tokens (digest, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
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
            "SELECT u.id, u.name, u.role, u.password_hash FROM api_tokens t \
             JOIN users u ON u.id = t.user_id WHERE t.digest = ? AND t.expires_at > ?",
        )
        .bind(digest)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(row_to_user).transpose()
    }

    async fn save_alert(&self, a: &Alert) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO alerts (id, kind, severity, mmsi, vessel_name, zone_id, started_at, \
             ended_at, detected_at, lon, lat, evidence) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
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
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn end_alert(&self, id: &str, ended_at_ms: i64) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE alerts SET ended_at = ? WHERE id = ? AND ended_at IS NULL")
            .bind(ended_at_ms)
            .bind(id)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 && self.alert(id).await?.is_none() {
            return Err(StoreError::NotFound(format!("alert {id:?}")));
        }
        Ok(())
    }

    async fn alert(&self, id: &str) -> Result<Option<StoredAlert>, StoreError> {
        let row = sqlx::query(&format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(row_to_alert).transpose()
    }

    async fn list_alerts(
        &self,
        f: &AlertFilter,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Page, StoreError> {
        let limit = limit.clamp(1, 1000);
        // Every filter is a bound parameter; absent ones match everything.
        let rows = sqlx::query(&format!(
            "SELECT {ALERT_COLUMNS} FROM alerts WHERE \
             (?1 IS NULL OR seq < ?1) AND (?2 IS NULL OR kind = ?2) AND \
             (?3 IS NULL OR status = ?3) AND (?4 IS NULL OR severity = ?4) AND \
             (?5 IS NULL OR zone_id = ?5) AND (?6 IS NULL OR mmsi = ?6) AND \
             (?7 IS NULL OR started_at >= ?7) AND (?8 IS NULL OR started_at < ?8) \
             ORDER BY seq DESC LIMIT ?9"
        ))
        .bind(before)
        .bind(f.kind.map(AlertKind::as_str))
        .bind(f.status.map(Status::as_str))
        .bind(f.severity.map(severity_str))
        .bind(&f.zone_id)
        .bind(f.mmsi.map(i64::from))
        .bind(f.since_ms)
        .bind(f.until_ms)
        .bind(i64::from(limit) + 1)
        .fetch_all(&self.pool)
        .await?;
        let mut alerts = rows
            .iter()
            .map(row_to_alert)
            .collect::<Result<Vec<_>, _>>()?;
        let next = if alerts.len() > limit as usize {
            alerts.truncate(limit as usize);
            alerts.last().map(|a| a.seq)
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
        let mut tx = self.pool.begin().await?;
        let status: Option<String> = sqlx::query_scalar("SELECT status FROM alerts WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
        let status = status.ok_or_else(|| StoreError::NotFound(format!("alert {id:?}")))?;
        let from = Status::parse(&status).ok_or_else(|| StoreError::Corrupt {
            id: id.to_string(),
            why: "status".into(),
        })?;
        let to = from.after(action).ok_or(StoreError::Transition {
            id: id.to_string(),
            from: from.as_str(),
            action: action.as_str(),
        })?;
        sqlx::query("UPDATE alerts SET status = ? WHERE id = ?")
            .bind(to.as_str())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO alert_events (alert_id, at, actor, action, status, note) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(at_ms)
        .bind(actor)
        .bind(action.as_str())
        .bind(to.as_str())
        .bind(note)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(at_ms)
        .bind(actor)
        .bind(format!("alert.{}", action.as_str()))
        .bind(id)
        .bind(note)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.alert(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("alert {id:?}")))
    }

    async fn alert_events(&self, id: &str) -> Result<Vec<AlertEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, actor, action, status, note FROM alert_events WHERE alert_id = ? ORDER BY seq",
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

    async fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(at_ms)
        .bind(actor)
        .bind(action)
        .bind(target)
        .bind(detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

impl FromStr for Action {
    type Err = String;
    fn from_str(s: &str) -> Result<Action, String> {
        [
            Action::Acknowledge,
            Action::Confirm,
            Action::Dismiss,
            Action::Refer,
            Action::Close,
        ]
        .into_iter()
        .find(|a| a.as_str() == s)
        .ok_or_else(|| format!("unknown action {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_life_cycle_is_design_mds() {
        use {Action as A, Status as S};
        let walk = |steps: &[A]| steps.iter().try_fold(S::New, |s, &a| s.after(a));
        assert_eq!(
            walk(&[A::Acknowledge, A::Confirm, A::Refer, A::Close]),
            Some(S::Closed)
        );
        assert_eq!(
            walk(&[A::Acknowledge, A::Dismiss, A::Close]),
            Some(S::Closed)
        );
        assert_eq!(
            walk(&[A::Confirm]),
            None,
            "confirm needs an acknowledgement first"
        );
        assert_eq!(walk(&[A::Acknowledge, A::Dismiss, A::Refer]), None);
        assert_eq!(
            walk(&[
                A::Acknowledge,
                A::Confirm,
                A::Refer,
                A::Close,
                A::Acknowledge
            ]),
            None
        );
    }
}
