//! Vessels as the engine last saw them, their downsampled tracks (with a retention
//! horizon), and the alert statistics the department's reports cite.

use serde::Serialize;
use serde_json::Value;
use sqlx::Row;

use crate::{SqlStore, StoreError};

/// A vessel's latest state: identity, voyage and last fix, as JSON for the API.
#[derive(Debug, Clone, PartialEq)]
pub struct VesselState {
    pub mmsi: u32,
    pub name: Option<String>,
    pub last_heard_ms: i64,
    pub state: Value,
}

/// One point of a stored track.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackPoint {
    pub mmsi: u32,
    pub at_ms: i64,
    pub lon: f64,
    pub lat: f64,
    pub sog_kn: Option<f64>,
    pub cog_deg: Option<f64>,
}

/// Alert counts over a time range (by `started_at`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AlertStats {
    pub total: i64,
    pub by_kind: Vec<(String, i64)>,
    pub by_status: Vec<(String, i64)>,
    pub by_zone: Vec<(String, i64)>,
    /// `(day as YYYY-MM-DD in UTC, count)`.
    pub by_day: Vec<(String, i64)>,
}

fn row_to_vessel(r: &sqlx::any::AnyRow) -> Result<VesselState, StoreError> {
    let mmsi: i64 = r.try_get("mmsi")?;
    let state: String = r.try_get("state")?;
    let corrupt = |why: String| StoreError::Corrupt {
        id: format!("vessel {mmsi}"),
        why,
    };
    Ok(VesselState {
        mmsi: u32::try_from(mmsi).map_err(|e| corrupt(e.to_string()))?,
        name: r.try_get("name")?,
        last_heard_ms: r.try_get("last_heard")?,
        state: serde_json::from_str(&state).map_err(|e| corrupt(e.to_string()))?,
    })
}

/// `%`, `_` and `\` match themselves in a LIKE pattern built from `q`.
fn like_escape(q: &str) -> String {
    let mut out = String::with_capacity(q.len() + 2);
    for c in q.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl SqlStore {
    /// Upserts vessel states and appends track points, in one transaction.
    pub async fn save_vessels(
        &self,
        states: &[VesselState],
        points: &[TrackPoint],
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        for v in states {
            sqlx::query(
                "INSERT INTO vessels (mmsi, name, last_heard, state) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (mmsi) DO UPDATE SET name = excluded.name, \
                 last_heard = excluded.last_heard, state = excluded.state",
            )
            .bind(i64::from(v.mmsi))
            .bind(&v.name)
            .bind(v.last_heard_ms)
            .bind(v.state.to_string())
            .execute(&mut *tx)
            .await?;
        }
        for p in points {
            sqlx::query(
                "INSERT INTO positions (mmsi, at, lon, lat, sog_dkn, cog_ddeg) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (mmsi, at) DO NOTHING",
            )
            .bind(i64::from(p.mmsi))
            .bind(p.at_ms)
            .bind(p.lon)
            .bind(p.lat)
            .bind(p.sog_kn.map(|s| (s * 10.0).round() as i64))
            .bind(p.cog_deg.map(|c| (c * 10.0).round() as i64))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn vessel(&self, mmsi: u32) -> Result<Option<VesselState>, StoreError> {
        let row = sqlx::query("SELECT mmsi, name, last_heard, state FROM vessels WHERE mmsi = $1")
            .bind(i64::from(mmsi))
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(row_to_vessel).transpose()
    }

    /// Vessels whose name contains `q` (any case) or whose MMSI starts with it, most
    /// recently heard first; every vessel when `q` is empty.
    pub async fn find_vessels(&self, q: &str, limit: u32) -> Result<Vec<VesselState>, StoreError> {
        let pattern = like_escape(q.trim());
        let rows = sqlx::query(
            "SELECT mmsi, name, last_heard, state FROM vessels WHERE $1 = '' OR \
             UPPER(name) LIKE UPPER($2) ESCAPE '\\' OR CAST(mmsi AS TEXT) LIKE $3 ESCAPE '\\' \
             ORDER BY last_heard DESC, mmsi LIMIT $4",
        )
        .bind(&pattern)
        .bind(format!("%{pattern}%"))
        .bind(format!("{pattern}%"))
        .bind(i64::from(limit.clamp(1, 1000)))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row_to_vessel).collect()
    }

    /// A vessel's track in `[since, until)`, oldest first, at most `limit` points.
    pub async fn track(
        &self,
        mmsi: u32,
        since_ms: i64,
        until_ms: i64,
        limit: u32,
    ) -> Result<Vec<TrackPoint>, StoreError> {
        let rows = sqlx::query(
            "SELECT at, lon, lat, sog_dkn, cog_ddeg FROM positions \
             WHERE mmsi = $1 AND at >= $2 AND at < $3 ORDER BY at LIMIT $4",
        )
        .bind(i64::from(mmsi))
        .bind(since_ms)
        .bind(until_ms)
        .bind(i64::from(limit.clamp(1, 100_000)))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let sog: Option<i64> = r.try_get("sog_dkn")?;
                let cog: Option<i64> = r.try_get("cog_ddeg")?;
                Ok(TrackPoint {
                    mmsi,
                    at_ms: r.try_get("at")?,
                    lon: r.try_get("lon")?,
                    lat: r.try_get("lat")?,
                    sog_kn: sog.map(|s| s as f64 / 10.0),
                    cog_deg: cog.map(|c| c as f64 / 10.0),
                })
            })
            .collect()
    }

    /// Deletes track points older than `before_ms`; how many went.
    pub async fn prune_track(&self, before_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM positions WHERE at < $1")
            .bind(before_ms)
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }

    /// Alerts that started in `[since, until)`, counted by kind, status, zone and UTC day.
    pub async fn alert_stats(
        &self,
        since_ms: i64,
        until_ms: i64,
    ) -> Result<AlertStats, StoreError> {
        let count = |group: &'static str| {
            let sql = format!(
                "SELECT CAST({group} AS TEXT) AS g, COUNT(*) AS n FROM alerts \
                 WHERE started_at >= $1 AND started_at < $2 GROUP BY {group} ORDER BY {group}"
            );
            async move {
                let rows = sqlx::query(&sql)
                    .bind(since_ms)
                    .bind(until_ms)
                    .fetch_all(self.pool())
                    .await?;
                rows.iter()
                    .map(|r| {
                        // Every bucket comes back as text; NULL is "no zone".
                        let g: Option<String> = r.try_get("g")?;
                        Ok((g.unwrap_or_default(), r.try_get::<i64, _>("n")?))
                    })
                    .collect::<Result<Vec<_>, StoreError>>()
            }
        };
        let by_kind = count("kind").await?;
        let by_status = count("status").await?;
        let by_zone = count("zone_id")
            .await?
            .into_iter()
            .filter(|(z, _)| !z.is_empty())
            .collect();
        let by_day = count("(started_at / 86400000)")
            .await?
            .into_iter()
            .map(|(d, n)| (day(&d), n))
            .collect();
        Ok(AlertStats {
            total: by_kind.iter().map(|(_, n)| n).sum(),
            by_kind,
            by_status,
            by_zone,
            by_day,
        })
    }
}

/// Days since the epoch as `YYYY-MM-DD`.
fn day(days: &str) -> String {
    let days: i64 = days.parse().unwrap_or(0);
    geofence::alert::rfc3339(days * 86_400_000)
        .get(..10)
        .unwrap_or_default()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_take_metacharacters_literally() {
        assert_eq!(like_escape("50%_a\\b"), "50\\%\\_a\\\\b");
        assert_eq!(day("20412"), "2025-11-20");
    }
}
