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
    /// The retention policy deleted its image (the record stays in the chain).
    pub expired: bool,
}

impl EvidenceItem {
    /// As `video::evidence::verify` takes it.
    pub fn as_chained(&self) -> video::evidence::Item {
        video::evidence::Item {
            id: self.id.clone(),
            sha256: self.sha256.clone(),
            metadata: self.metadata.clone(),
            chain: self.chain.clone(),
            expired: self.expired,
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
        expired: r.try_get::<i64, _>("expired")? != 0,
    })
}

/// Over `evidence e`.
const COLUMNS: &str = "seq, id, camera_id, sha256, captured_at, received_at, metadata, chain, \
     CAST(CASE WHEN EXISTS (SELECT 1 FROM evidence_expired x WHERE x.evidence_id = e.id) \
     THEN 1 ELSE 0 END AS BIGINT) AS expired";

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
            expired: false,
        })
    }

    /// Every item, in chain order.
    pub async fn evidence_chain(&self) -> Result<Vec<EvidenceItem>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM evidence e ORDER BY seq"))
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(row_to_item).collect()
    }

    pub async fn evidence(&self, id: &str) -> Result<Option<EvidenceItem>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM evidence e WHERE id = $1"))
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
            "SELECT {COLUMNS} FROM evidence e WHERE camera_id = $1 AND captured_at >= $2 \
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

    /// Items after `after_seq` received before `before_ms` whose images have not
    /// expired, in chain order, at most `limit`: what the retention policy looks at.
    pub async fn evidence_unexpired_before(
        &self,
        before_ms: i64,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<EvidenceItem>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM evidence e WHERE received_at < $1 AND seq > $2 AND NOT \
             EXISTS (SELECT 1 FROM evidence_expired x WHERE x.evidence_id = e.id) \
             ORDER BY seq LIMIT $3"
        ))
        .bind(before_ms)
        .bind(after_seq)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row_to_item).collect()
    }

    /// Records that these items' images were deleted by the retention policy; returns the
    /// image hashes no item that is still kept refers to (the files that may go).
    pub async fn expire_evidence(
        &self,
        ids: &[String],
        at_ms: i64,
    ) -> Result<Vec<String>, StoreError> {
        let mut tx = self.write_tx().await?;
        let mut shas = Vec::new();
        for id in ids {
            sqlx::query("INSERT INTO evidence_expired (evidence_id, expired_at) VALUES ($1, $2)")
                .bind(id)
                .bind(at_ms)
                .execute(&mut *tx)
                .await?;
            let sha: String = sqlx::query_scalar("SELECT sha256 FROM evidence WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *tx)
                .await?;
            shas.push(sha);
        }
        shas.sort_unstable();
        shas.dedup();
        let mut unused = Vec::new();
        for sha in shas {
            let kept: Option<i64> = sqlx::query_scalar(
                "SELECT seq FROM evidence e WHERE sha256 = $1 AND NOT EXISTS \
                 (SELECT 1 FROM evidence_expired x WHERE x.evidence_id = e.id) LIMIT 1",
            )
            .bind(&sha)
            .fetch_optional(&mut *tx)
            .await?;
            if kept.is_none() {
                unused.push(sha);
            }
        }
        tx.commit().await?;
        Ok(unused)
    }

    /// The positions of the alerts detected between `from_ms` and `to_ms` (inclusive).
    pub async fn alert_positions_detected(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(f64, f64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT lon, lat FROM alerts WHERE detected_at >= $1 AND detected_at <= $2",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("lon")?, r.try_get("lat")?)))
            .collect()
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
