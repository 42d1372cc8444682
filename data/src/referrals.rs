//! Referrals: agencies, the referrals made to them with their alerts, every step of a
//! referral (append-only), the agency's feedback (also written into each alert's history
//! and published on the live stream), and the durable outbox that delivers the packages.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Change, SqlStore, StoreError};

/// Another department riverwatch refers cases to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agency {
    pub id: String,
    pub name: String,
    pub contact: String,
    /// Where packages are delivered (HTTP POST); none: the agency downloads them.
    pub endpoint: Option<String>,
    /// The shared secret webhooks are signed with. Never shown by the API.
    pub secret: String,
}

/// A referral as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Referral {
    pub id: String,
    pub agency_id: String,
    pub status: String,
    pub note: String,
    pub created_by: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub package_sha256: Option<String>,
    pub case_number: Option<String>,
    pub outcome: Option<String>,
    pub penalty: Option<String>,
    pub alert_ids: Vec<String>,
}

/// One step of a referral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReferralEvent {
    pub at_ms: i64,
    pub actor: String,
    pub status: String,
    pub note: String,
}

/// A delivery in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub seq: i64,
    pub idempotency_key: String,
    pub referral_id: String,
    pub created_at_ms: i64,
    pub next_at_ms: i64,
    pub attempts: i64,
    pub delivered_at_ms: Option<i64>,
    pub gave_up_at_ms: Option<i64>,
    pub last_error: Option<String>,
}

/// What an agency reports back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Feedback {
    pub status: String,
    pub case_number: Option<String>,
    pub outcome: Option<String>,
    pub penalty: Option<String>,
    pub note: String,
}

/// The statuses a referral moves through, in order; `declined` ends it from any step
/// before `closed`.
pub const REFERRAL_STATUSES: [&str; 7] = [
    "draft",
    "sent",
    "delivered",
    "acknowledged",
    "in_progress",
    "closed",
    "declined",
];

/// Whether a referral may move from `from` to `to`: forward only, never out of `closed` or
/// `declined`.
pub fn referral_step_allowed(from: &str, to: &str) -> bool {
    let rank = |s: &str| REFERRAL_STATUSES[..6].iter().position(|x| *x == s);
    match (rank(from), to) {
        (Some(5) | None, _) => false,
        (Some(_), "declined") => true,
        (Some(f), t) => rank(t).is_some_and(|t| t > f),
    }
}

fn row_to_agency(r: &AnyRow) -> Result<Agency, StoreError> {
    Ok(Agency {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        contact: r.try_get("contact")?,
        endpoint: r.try_get("endpoint")?,
        secret: r.try_get("secret")?,
    })
}

const REFERRAL_COLUMNS: &str = "id, agency_id, status, note, created_by, created_at, updated_at, \
     package_sha256, case_number, outcome, penalty";

fn row_to_referral(r: &AnyRow) -> Result<Referral, StoreError> {
    Ok(Referral {
        id: r.try_get("id")?,
        agency_id: r.try_get("agency_id")?,
        status: r.try_get("status")?,
        note: r.try_get("note")?,
        created_by: r.try_get("created_by")?,
        created_at_ms: r.try_get("created_at")?,
        updated_at_ms: r.try_get("updated_at")?,
        package_sha256: r.try_get("package_sha256")?,
        case_number: r.try_get("case_number")?,
        outcome: r.try_get("outcome")?,
        penalty: r.try_get("penalty")?,
        alert_ids: Vec::new(),
    })
}

const DELIVERY_COLUMNS: &str = "seq, idempotency_key, referral_id, created_at, next_at, attempts, \
     delivered_at, gave_up_at, last_error";

fn row_to_delivery(r: &AnyRow) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        seq: r.try_get("seq")?,
        idempotency_key: r.try_get("idempotency_key")?,
        referral_id: r.try_get("referral_id")?,
        created_at_ms: r.try_get("created_at")?,
        next_at_ms: r.try_get("next_at")?,
        attempts: r.try_get("attempts")?,
        delivered_at_ms: r.try_get("delivered_at")?,
        gave_up_at_ms: r.try_get("gave_up_at")?,
        last_error: r.try_get("last_error")?,
    })
}

impl SqlStore {
    /// Creates or replaces an agency; whether it was new.
    pub async fn put_agency(&self, a: &Agency, at_ms: i64) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let existed: Option<String> = sqlx::query_scalar("SELECT id FROM agencies WHERE id = $1")
            .bind(&a.id)
            .fetch_optional(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO agencies (id, name, contact, endpoint, secret, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET name = $2, \
             contact = $3, endpoint = $4, secret = $5, updated_at = $6",
        )
        .bind(&a.id)
        .bind(&a.name)
        .bind(&a.contact)
        .bind(&a.endpoint)
        .bind(&a.secret)
        .bind(at_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(existed.is_none())
    }

    pub async fn agency(&self, id: &str) -> Result<Option<Agency>, StoreError> {
        let row =
            sqlx::query("SELECT id, name, contact, endpoint, secret FROM agencies WHERE id = $1")
                .bind(id)
                .fetch_optional(self.pool())
                .await?;
        row.as_ref().map(row_to_agency).transpose()
    }

    pub async fn agencies(&self) -> Result<Vec<Agency>, StoreError> {
        let rows =
            sqlx::query("SELECT id, name, contact, endpoint, secret FROM agencies ORDER BY id")
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(row_to_agency).collect()
    }

    /// Makes an account a member of an agency (an unknown name is NotFound).
    pub async fn set_user_agency(&self, name: &str, agency_id: &str) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE users SET agency_id = $1 WHERE name = $2")
            .bind(agency_id)
            .bind(name)
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("user {name:?}")));
        }
        Ok(())
    }

    /// Records a new referral of `alert_ids` (status `draft`), with its first step.
    pub async fn create_referral(&self, r: &Referral) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query(&format!(
            "INSERT INTO referrals ({REFERRAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
             $9, $10, $11)"
        ))
        .bind(&r.id)
        .bind(&r.agency_id)
        .bind(&r.status)
        .bind(&r.note)
        .bind(&r.created_by)
        .bind(r.created_at_ms)
        .bind(r.updated_at_ms)
        .bind(&r.package_sha256)
        .bind(&r.case_number)
        .bind(&r.outcome)
        .bind(&r.penalty)
        .execute(&mut *tx)
        .await?;
        for a in &r.alert_ids {
            sqlx::query("INSERT INTO referral_alerts (referral_id, alert_id) VALUES ($1, $2)")
                .bind(&r.id)
                .bind(a)
                .execute(&mut *tx)
                .await?;
        }
        insert_event(
            &mut tx,
            &r.id,
            r.created_at_ms,
            &r.created_by,
            &r.status,
            &r.note,
        )
        .await?;
        audit(
            &mut tx,
            r.created_at_ms,
            &r.created_by,
            "referral.create",
            &r.id,
            &r.note,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Attaches the package and queues its delivery under `idempotency_key` (none: the
    /// agency downloads it), status `sent`, in one transaction.
    pub async fn send_referral(
        &self,
        id: &str,
        package_sha256: &str,
        idempotency_key: Option<&str>,
        actor: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE referrals SET package_sha256 = $1, status = 'sent', updated_at = $2 \
             WHERE id = $3 AND status = 'draft'",
        )
        .bind(package_sha256)
        .bind(at_ms)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::Conflict(format!(
                "referral {id:?} is not a draft"
            )));
        }
        if let Some(key) = idempotency_key {
            enqueue(&mut tx, key, id, at_ms).await?;
        }
        let note = match idempotency_key {
            Some(_) => format!("package {package_sha256} queued for delivery"),
            None => format!("package {package_sha256} ready for the agency to download"),
        };
        insert_event(&mut tx, id, at_ms, actor, "sent", &note).await?;
        audit(&mut tx, at_ms, actor, "referral.sent", id, &note).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn referral(&self, id: &str) -> Result<Option<Referral>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {REFERRAL_COLUMNS} FROM referrals WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut r = row_to_referral(&row)?;
        r.alert_ids = alert_ids_of(self.pool(), id).await?;
        Ok(Some(r))
    }

    /// Referrals, newest first; only `agency`'s when given.
    pub async fn referrals(&self, agency: Option<&str>) -> Result<Vec<Referral>, StoreError> {
        let rows = match agency {
            Some(a) => {
                sqlx::query(&format!(
                    "SELECT {REFERRAL_COLUMNS} FROM referrals WHERE agency_id = $1 \
                     ORDER BY created_at DESC, id"
                ))
                .bind(a)
                .fetch_all(self.pool())
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {REFERRAL_COLUMNS} FROM referrals ORDER BY created_at DESC, id"
                ))
                .fetch_all(self.pool())
                .await?
            }
        };
        let mut out: Vec<Referral> = rows.iter().map(row_to_referral).collect::<Result<_, _>>()?;
        // Every listed referral's alerts in one query.
        let pairs_sql = |filter: &str| {
            format!(
                "SELECT ra.referral_id, ra.alert_id FROM referral_alerts ra \
                 JOIN referrals r ON r.id = ra.referral_id {filter} ORDER BY ra.alert_id"
            )
        };
        let pairs = match agency {
            Some(a) => {
                sqlx::query(&pairs_sql("WHERE r.agency_id = $1"))
                    .bind(a)
                    .fetch_all(self.pool())
                    .await?
            }
            None => sqlx::query(&pairs_sql("")).fetch_all(self.pool()).await?,
        };
        let mut by_referral: std::collections::HashMap<String, Vec<String>> =
            std::collections::HashMap::new();
        for p in &pairs {
            by_referral
                .entry(p.try_get("referral_id")?)
                .or_default()
                .push(p.try_get("alert_id")?);
        }
        for r in &mut out {
            r.alert_ids = by_referral.remove(&r.id).unwrap_or_default();
        }
        Ok(out)
    }

    /// Whether `alert_id` was referred to `agency_id`.
    pub async fn alert_referred_to(
        &self,
        alert_id: &str,
        agency_id: &str,
    ) -> Result<bool, StoreError> {
        let hit: Option<String> = sqlx::query_scalar(
            "SELECT r.id FROM referral_alerts ra JOIN referrals r ON r.id = ra.referral_id \
             WHERE ra.alert_id = $1 AND r.agency_id = $2 LIMIT 1",
        )
        .bind(alert_id)
        .bind(agency_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(hit.is_some())
    }

    pub async fn referral_events(&self, id: &str) -> Result<Vec<ReferralEvent>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, actor, status, note FROM referral_events WHERE referral_id = $1 \
             ORDER BY seq",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ReferralEvent {
                    at_ms: r.try_get("at")?,
                    actor: r.try_get("actor")?,
                    status: r.try_get("status")?,
                    note: r.try_get("note")?,
                })
            })
            .collect()
    }

    /// The agency's feedback: the referral moves to `f.status` (forward only), its case
    /// number, outcome and penalty are kept, and every referred alert gets a `feedback`
    /// step in its history, published on the live stream.
    pub async fn referral_feedback(
        &self,
        id: &str,
        f: &Feedback,
        actor: &str,
        at_ms: i64,
    ) -> Result<Referral, StoreError> {
        let _order = self.changes.lock().await;
        let mut tx = self.write_tx().await?;
        let status: Option<String> =
            sqlx::query_scalar("SELECT status FROM referrals WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?;
        let status = status.ok_or_else(|| StoreError::NotFound(format!("referral {id:?}")))?;
        if status != f.status && !referral_step_allowed(&status, &f.status) {
            return Err(StoreError::Conflict(format!(
                "referral {id:?} is {status}; it cannot become {}",
                f.status
            )));
        }
        sqlx::query(
            "UPDATE referrals SET status = $1, case_number = COALESCE($2, case_number), \
             outcome = COALESCE($3, outcome), penalty = COALESCE($4, penalty), updated_at = $5 \
             WHERE id = $6",
        )
        .bind(&f.status)
        .bind(&f.case_number)
        .bind(&f.outcome)
        .bind(&f.penalty)
        .bind(at_ms)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let mut words = vec![format!("agency: {}", f.status)];
        for (label, v) in [
            ("case", &f.case_number),
            ("outcome", &f.outcome),
            ("penalty", &f.penalty),
        ] {
            if let Some(v) = v {
                words.push(format!("{label}: {v}"));
            }
        }
        if !f.note.is_empty() {
            words.push(f.note.clone());
        }
        let summary = words.join("; ");
        insert_event(&mut tx, id, at_ms, actor, &f.status, &summary).await?;
        audit(&mut tx, at_ms, actor, "referral.feedback", id, &summary).await?;
        let alerts = alert_ids_of(&mut *tx, id).await?;
        let mut changes = Vec::new();
        for a in &alerts {
            let current: String = sqlx::query_scalar("SELECT status FROM alerts WHERE id = $1")
                .bind(a)
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO alert_events (alert_id, at, actor, action, status, note) \
                 VALUES ($1, $2, $3, 'feedback', $4, $5)",
            )
            .bind(a)
            .bind(at_ms)
            .bind(actor)
            .bind(&current)
            .bind(&summary)
            .execute(&mut *tx)
            .await?;
            let seq = self.record_change(&mut tx, a, "feedback", at_ms).await?;
            changes.push((seq, a.clone()));
        }
        tx.commit().await?;
        for (seq, a) in changes {
            if let Some(alert) = crate::Store::alert(self, &a).await? {
                self.publish(Change {
                    seq,
                    what: "feedback".into(),
                    alert,
                    published_ms: None,
                });
            }
        }
        self.referral(id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("referral {id:?}")))
    }

    /// How many steps of each action (confirm, dismiss, refer, close, feedback...) officers
    /// and agencies took on alerts between `since_ms` and `until_ms`.
    pub async fn alert_actions_between(
        &self,
        since_ms: i64,
        until_ms: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT action, COUNT(*) AS n FROM alert_events WHERE at >= $1 AND at < $2 \
             GROUP BY action ORDER BY action",
        )
        .bind(since_ms)
        .bind(until_ms)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("action")?, r.try_get::<i64, _>("n")?)))
            .collect()
    }

    /// Referrals made between `since_ms` and `until_ms`, oldest first.
    pub async fn referrals_between(
        &self,
        since_ms: i64,
        until_ms: i64,
    ) -> Result<Vec<Referral>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {REFERRAL_COLUMNS} FROM referrals WHERE created_at >= $1 AND created_at < $2 \
             ORDER BY created_at, id"
        ))
        .bind(since_ms)
        .bind(until_ms)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row_to_referral).collect()
    }

    /// Deliveries due at `now_ms` (not delivered, not given up), oldest first.
    pub async fn due_deliveries(
        &self,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<Delivery>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM outbox WHERE delivered_at IS NULL AND gave_up_at IS \
             NULL AND next_at <= $1 ORDER BY next_at, seq LIMIT $2"
        ))
        .bind(now_ms)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row_to_delivery).collect()
    }

    /// A referral's deliveries, oldest first.
    pub async fn deliveries(&self, referral_id: &str) -> Result<Vec<Delivery>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM outbox WHERE referral_id = $1 ORDER BY seq"
        ))
        .bind(referral_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row_to_delivery).collect()
    }

    /// Records one attempt. Delivered (2xx): the delivery is done and the referral moves
    /// from `sent` to `delivered`. Otherwise it is tried again at `retry_at_ms`, or given up
    /// when that is `None`.
    pub async fn record_attempt(
        &self,
        d: &Delivery,
        at_ms: i64,
        http_status: Option<u16>,
        error: Option<&str>,
        retry_at_ms: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO outbox_attempts (outbox_seq, at, http_status, error) VALUES ($1, $2, $3, $4)",
        )
        .bind(d.seq)
        .bind(at_ms)
        .bind(http_status.map(i64::from))
        .bind(error)
        .execute(&mut *tx)
        .await?;
        let delivered = http_status.is_some_and(|s| (200..300).contains(&s));
        if delivered {
            sqlx::query("UPDATE outbox SET attempts = attempts + 1, delivered_at = $1, last_error = NULL WHERE seq = $2")
                .bind(at_ms)
                .bind(d.seq)
                .execute(&mut *tx)
                .await?;
            let moved = sqlx::query(
                "UPDATE referrals SET status = 'delivered', updated_at = $1 WHERE id = $2 AND status = 'sent'",
            )
            .bind(at_ms)
            .bind(&d.referral_id)
            .execute(&mut *tx)
            .await?;
            if moved.rows_affected() > 0 {
                let note = format!(
                    "delivered (HTTP {}), attempt {}",
                    http_status.unwrap_or(0),
                    d.attempts + 1
                );
                insert_event(&mut tx, &d.referral_id, at_ms, "outbox", "delivered", &note).await?;
                audit(
                    &mut tx,
                    at_ms,
                    "outbox",
                    "referral.delivered",
                    &d.referral_id,
                    &note,
                )
                .await?;
            }
        } else {
            let why = error.map(str::to_string).unwrap_or_else(|| {
                format!(
                    "HTTP {}",
                    http_status.map_or("?".to_string(), |s| s.to_string())
                )
            });
            sqlx::query(
                "UPDATE outbox SET attempts = attempts + 1, last_error = $1, next_at = $2, \
                 gave_up_at = $3 WHERE seq = $4",
            )
            .bind(&why)
            .bind(retry_at_ms.unwrap_or(at_ms))
            .bind(if retry_at_ms.is_none() {
                Some(at_ms)
            } else {
                None
            })
            .bind(d.seq)
            .execute(&mut *tx)
            .await?;
            if retry_at_ms.is_none() {
                let note = format!("delivery given up after {} attempts: {why}", d.attempts + 1);
                let status = status_of(&mut tx, &d.referral_id).await?;
                insert_event(&mut tx, &d.referral_id, at_ms, "outbox", &status, &note).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// Manual redelivery: a new delivery of the same package under a new key, due now.
    pub async fn redeliver(
        &self,
        referral_id: &str,
        idempotency_key: &str,
        actor: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        enqueue(&mut tx, idempotency_key, referral_id, at_ms).await?;
        let status = status_of(&mut tx, referral_id).await?;
        insert_event(
            &mut tx,
            referral_id,
            at_ms,
            actor,
            &status,
            "redelivery requested",
        )
        .await?;
        audit(&mut tx, at_ms, actor, "referral.redeliver", referral_id, "").await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Queues a delivery of a referral's package under `key`, due now.
async fn enqueue(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    key: &str,
    referral_id: &str,
    at_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox (idempotency_key, referral_id, created_at, next_at, attempts) \
         VALUES ($1, $2, $3, $3, 0)",
    )
    .bind(key)
    .bind(referral_id)
    .bind(at_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn status_of(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    referral_id: &str,
) -> Result<String, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT status FROM referrals WHERE id = $1")
            .bind(referral_id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

/// A referral's alerts, by id.
async fn alert_ids_of<'e, E>(executor: E, referral_id: &str) -> Result<Vec<String>, StoreError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    Ok(sqlx::query_scalar(
        "SELECT alert_id FROM referral_alerts WHERE referral_id = $1 ORDER BY alert_id",
    )
    .bind(referral_id)
    .fetch_all(executor)
    .await?)
}

async fn insert_event(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    at_ms: i64,
    actor: &str,
    status: &str,
    note: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO referral_events (referral_id, at, actor, status, note) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(at_ms)
    .bind(actor)
    .bind(status)
    .bind(note)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    at_ms: i64,
    actor: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<(), StoreError> {
    crate::sql::insert_audit(&mut **tx, at_ms, actor, action, target, detail).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referrals_move_forward_only_and_end_closed_or_declined() {
        assert!(referral_step_allowed("sent", "delivered"));
        assert!(referral_step_allowed("delivered", "in_progress"));
        assert!(referral_step_allowed("sent", "acknowledged"));
        assert!(referral_step_allowed("in_progress", "declined"));
        assert!(!referral_step_allowed("in_progress", "acknowledged"));
        assert!(!referral_step_allowed("closed", "declined"));
        assert!(!referral_step_allowed("declined", "closed"));
        assert!(!referral_step_allowed("sent", "draft"));
        assert!(!referral_step_allowed("sent", "nonsense"));
    }
}
