//! The river's reference data: zones, the vessel registry and the watchlist, each a table
//! of keyed JSON records (a GeoJSON feature, a registry row, a watchlist entry). The store
//! keeps them and records every edit in the audit log; what makes a record valid is the
//! geofence crate's business, checked by the API before anything is written.

use serde_json::Value;
use sqlx::Row;

use crate::{SqlStore, StoreError};

/// Which table of reference data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Catalog {
    Zones,
    Registry,
    Watchlist,
    Cameras,
}

impl Catalog {
    /// The table's name: one of a fixed set, never from input, so it may be formatted into
    /// a query.
    fn table(self) -> &'static str {
        match self {
            Catalog::Zones => "zones",
            Catalog::Registry => "registry",
            Catalog::Watchlist => "watchlist",
            Catalog::Cameras => "cameras",
        }
    }

    /// Its name in the API and in exports.
    pub fn name(self) -> &'static str {
        self.table()
    }

    /// The singular, for messages and the audit log.
    pub fn item(self) -> &'static str {
        match self {
            Catalog::Zones => "zone",
            Catalog::Registry => "registry entry",
            Catalog::Watchlist => "watchlist entry",
            Catalog::Cameras => "camera",
        }
    }
}

/// One record of reference data.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub key: String,
    pub body: Value,
    pub updated_at_ms: i64,
}

fn row_to_record(r: &sqlx::any::AnyRow) -> Result<Record, StoreError> {
    let key: String = r.try_get("key")?;
    let body: String = r.try_get("body")?;
    Ok(Record {
        body: serde_json::from_str(&body).map_err(|e| StoreError::Corrupt {
            id: key.clone(),
            why: e.to_string(),
        })?,
        key,
        updated_at_ms: r.try_get("updated_at")?,
    })
}

impl SqlStore {
    /// Every record of a catalog, by key.
    pub async fn records(&self, c: Catalog) -> Result<Vec<Record>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT key, body, updated_at FROM {} ORDER BY key",
            c.table()
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row_to_record).collect()
    }

    pub async fn record(&self, c: Catalog, key: &str) -> Result<Option<Record>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT key, body, updated_at FROM {} WHERE key = $1",
            c.table()
        ))
        .bind(key)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(row_to_record).transpose()
    }

    /// Creates or replaces a record; true when it was created. Audited.
    pub async fn put_record(
        &self,
        c: Catalog,
        key: &str,
        body: &Value,
        actor: &str,
        at_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut tx = self.write_tx().await?;
        let existed: Option<String> =
            sqlx::query_scalar(&format!("SELECT key FROM {} WHERE key = $1", c.table()))
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
        upsert(&mut tx, c, key, body, at_ms).await?;
        let action = if existed.is_some() {
            "update"
        } else {
            "create"
        };
        audit_in(
            &mut tx,
            actor,
            &format!("{}.{action}", c.table()),
            key,
            at_ms,
        )
        .await?;
        tx.commit().await?;
        Ok(existed.is_none())
    }

    /// Deletes a record; an unknown key is [`StoreError::NotFound`]. Audited.
    pub async fn delete_record(
        &self,
        c: Catalog,
        key: &str,
        actor: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(&format!("DELETE FROM {} WHERE key = $1", c.table()))
            .bind(key)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("{} {key:?}", c.item())));
        }
        audit_in(&mut tx, actor, &format!("{}.delete", c.table()), key, at_ms).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes many records in one transaction (an import); with `replace_all`, the records
    /// not among them are deleted. Audited once, with the count.
    pub async fn import_records(
        &self,
        c: Catalog,
        records: &[(String, Value)],
        replace_all: bool,
        actor: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        if replace_all {
            sqlx::query(&format!("DELETE FROM {}", c.table()))
                .execute(&mut *tx)
                .await?;
        }
        for (key, body) in records {
            upsert(&mut tx, c, key, body, at_ms).await?;
        }
        let detail = format!(
            "{} records{}",
            records.len(),
            if replace_all { ", replacing all" } else { "" }
        );
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(at_ms)
        .bind(actor)
        .bind(format!("{}.import", c.table()))
        .bind(c.table())
        .bind(detail)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A fact about the store, e.g. `seeded_at`.
    pub async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = $1")
            .bind(key)
            .fetch_optional(self.pool())
            .await?)
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO meta (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}

async fn upsert(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    c: Catalog,
    key: &str,
    body: &Value,
    at_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO {} (key, body, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        c.table()
    ))
    .bind(key)
    .bind(body.to_string())
    .bind(at_ms)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn audit_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    actor: &str,
    action: &str,
    target: &str,
    at_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, '')",
    )
    .bind(at_ms)
    .bind(actor)
    .bind(action)
    .bind(target)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
