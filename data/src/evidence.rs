//! Evidence images as recorded: each item chains the one before it
//! (`video::evidence::link`), computed inside the write transaction that appends it, so two
//! cameras pushing at once cannot fork the chain. And the tokens cameras push with.

use sqlx::Row;

use crate::{SqlStore, StoreError};

/// One evidence item's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceItem {
    pub seq: i64,
    pub id: String,
    pub camera_id: String,
    pub sha256: String,
    pub captured_at_ms: i64,
    pub received_at_ms: i64,
    /// What the chain covers beside the image's hash: canonical JSON text.
    pub metadata: String,
    pub chain: String,
}

impl EvidenceItem {
    /// As `video::evidence::verify` takes it.
    pub fn as_chained(&self) -> video::evidence::Item {
        video::evidence::Item {
            id: self.id.clone(),
            sha256: self.sha256.clone(),
            metadata: self.metadata.clone(),
            chain: self.chain.clone(),
        }
    }
}

fn row_to_item(r: &sqlx::any::AnyRow) -> Result<EvidenceItem, StoreError> {
    Ok(EvidenceItem {
        seq: r.try_get("seq")?,
        id: r.try_get("id")?,
        camera_id: r.try_get("camera_id")?,
        sha256: r.try_get("sha256")?,
        captured_at_ms: r.try_get("captured_at")?,
        received_at_ms: r.try_get("received_at")?,
        metadata: r.try_get("metadata")?,
        chain: r.try_get("chain")?,
    })
}

const COLUMNS: &str = "seq, id, camera_id, sha256, captured_at, received_at, metadata, chain";

impl SqlStore {
    /// Appends an item after the last one; the metadata (camera, capture and receipt time)
    /// is made here, so what the chain covers is always the same text for the same item.
    pub async fn append_evidence(
        &self,
        camera_id: &str,
        sha256: &str,
        captured_at_ms: i64,
        received_at_ms: i64,
    ) -> Result<EvidenceItem, StoreError> {
        let mut tx = self.write_tx().await?;
        let prev: Option<String> =
            sqlx::query_scalar("SELECT chain FROM evidence ORDER BY seq DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?;
        let prev = prev.unwrap_or_else(|| video::evidence::GENESIS.to_string());
        let metadata = serde_json::json!({
            "camera": camera_id,
            "captured_at_ms": captured_at_ms,
            "received_at_ms": received_at_ms,
        })
        .to_string();
        let chain = video::evidence::link(&prev, sha256, &metadata);
        let id = format!("ev-{}", &chain[..20]);
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO evidence (id, camera_id, sha256, captured_at, received_at, metadata, \
             chain) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq",
        )
        .bind(&id)
        .bind(camera_id)
        .bind(sha256)
        .bind(captured_at_ms)
        .bind(received_at_ms)
        .bind(&metadata)
        .bind(&chain)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(EvidenceItem {
            seq,
            id,
            camera_id: camera_id.to_string(),
            sha256: sha256.to_string(),
            captured_at_ms,
            received_at_ms,
            metadata,
            chain,
        })
    }

    /// Every item, in chain order.
    pub async fn evidence_chain(&self) -> Result<Vec<EvidenceItem>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM evidence ORDER BY seq"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(row_to_item).collect()
    }

    pub async fn evidence(&self, id: &str) -> Result<Option<EvidenceItem>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM evidence WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(row_to_item).transpose()
    }

    /// A camera's item captured nearest to `t_ms`, within `window_ms` either side.
    pub async fn evidence_near(
        &self,
        camera_id: &str,
        t_ms: i64,
        window_ms: i64,
    ) -> Result<Option<EvidenceItem>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM evidence WHERE camera_id = $1 AND captured_at >= $2 \
             AND captured_at <= $3 ORDER BY ABS(captured_at - $4), seq LIMIT 1"
        ))
        .bind(camera_id)
        .bind(t_ms - window_ms)
        .bind(t_ms + window_ms)
        .bind(t_ms)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(row_to_item).transpose()
    }

    /// Records a camera's push token (by its digest).
    pub async fn create_camera_token(
        &self,
        digest: &str,
        camera_id: &str,
        at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO camera_tokens (digest, camera_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(digest)
        .bind(camera_id)
        .bind(at_ms)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The camera a push token digest belongs to.
    pub async fn camera_of_token(&self, digest: &str) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT camera_id FROM camera_tokens WHERE digest = $1")
                .bind(digest)
                .fetch_optional(self.pool())
                .await?,
        )
    }
}
