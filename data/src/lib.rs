//! Persistence: the [`Store`] trait and [`SqlStore`], which runs it on SQLite (the
//! embedded default: one file, WAL) or PostgreSQL, with one conformance suite for both
//! (`tests/store.rs`). The only crate that touches sqlx; every query binds its values.
//!
//! What is stored: alerts, each step of their life cycle (DESIGN.md "Alert life cycle",
//! enforced here), the feed of changes the live stream replays, accounts and tokens, and
//! the append-only audit log (`sql`); the river's reference data, zones, registry and
//! watchlist (`catalog`); vessels' latest state, their downsampled tracks and alert
//! statistics (`vessels`). `data/demo/` holds the demo river.

mod catalog;
mod evidence;
mod partitions;
mod referrals;
mod sql;
mod vessels;

use std::str::FromStr;

use geofence::alert::{Alert, AlertKind, Severity};
use serde::Serialize;

pub use catalog::{Catalog, Record};
pub use evidence::EvidenceItem;
pub use partitions::{Leases, PartitionSnapshot};
pub use referrals::{
    Agency, Delivery, Feedback, REFERRAL_STATUSES, Referral, ReferralEvent, referral_step_allowed,
};
pub use sql::{Backend, SqlStore, fresh_postgres_database};
/// The database driver's error, for callers that classify it.
pub use sqlx::Error as DbError;
pub use vessels::{AlertStats, TrackPoint, VesselState};

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
    /// Position within `[min_lon, min_lat, max_lon, max_lat]`.
    pub bbox: Option<[f64; 4]>,
}

/// Something that happened to an alert, in commit order: `opened`, `ended`, or the status
/// it moved to. `seq` orders the feed and resumes it (`Last-Event-ID`).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub seq: i64,
    pub what: String,
    pub alert: StoredAlert,
    /// When the live feed published it (wall clock, ms); `None` when read back from the
    /// store. Lets a client measure how long delivery took.
    pub published_ms: Option<i64>,
}

/// A page of alerts, newest first, and the cursor for the next (older) page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub alerts: Vec<StoredAlert>,
    pub next: Option<Cursor>,
}

/// Where a page of the alert list ends: the last alert's `started_at` and `seq` (the list
/// runs newest `started_at` first, `seq` breaking ties). Written `STARTED.SEQ`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub started_at_ms: i64,
    pub seq: i64,
}

impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.started_at_ms, self.seq)
    }
}

impl FromStr for Cursor {
    type Err = ();
    fn from_str(s: &str) -> Result<Cursor, ()> {
        let (t, q) = s.split_once('.').ok_or(())?;
        Ok(Cursor {
            started_at_ms: t.parse().map_err(|_| ())?,
            seq: q.parse().map_err(|_| ())?,
        })
    }
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
    /// The agency an `agency` account belongs to.
    pub agency: Option<String>,
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
    /// Forgets a token (sign-out); an unknown digest is not an error.
    async fn delete_token(&self, digest: &str) -> Result<(), StoreError>;
    /// Stores a new alert (status `new`); storing the same id again changes nothing.
    /// Whether it was new.
    async fn save_alert(&self, a: &Alert) -> Result<bool, StoreError>;
    /// Records the end of an alert's episode.
    async fn end_alert(&self, id: &str, ended_at_ms: i64) -> Result<(), StoreError>;
    async fn alert(&self, id: &str) -> Result<Option<StoredAlert>, StoreError>;
    /// Newest `started_at` first, `limit` at most, after the cursor `before`.
    async fn list_alerts(
        &self,
        f: &AlertFilter,
        before: Option<Cursor>,
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
    /// The `seq` of the newest change, 0 when there is none.
    async fn last_change_seq(&self) -> Result<i64, StoreError>;
    /// The changes after `seq`, oldest first, `limit` at most.
    async fn changes_after(&self, seq: i64, limit: u32) -> Result<Vec<Change>, StoreError>;
    async fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: &str,
        at_ms: i64,
    ) -> Result<(), StoreError>;
}

pub(crate) fn severity_str(s: Severity) -> &'static str {
    match s {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

pub(crate) fn severity_parse(s: &str) -> Option<Severity> {
    [
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ]
    .into_iter()
    .find(|v| severity_str(*v) == s)
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
