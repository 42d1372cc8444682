//! `cameras.json` (DESIGN.md "Cameras"): `[{id, name, lon, lat, height_m, bearing_deg,
//! fov_deg, range_m, snapshot_url?}]`. Every bad camera is reported with its place, id and
//! reason; the rest load.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One tower camera.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Camera {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub lon: f64,
    pub lat: f64,
    /// Height of the lens above the water, metres.
    #[serde(default)]
    pub height_m: f64,
    /// Direction of the optical axis (or a PTZ head's home), degrees clockwise from north.
    pub bearing_deg: f64,
    /// Horizontal field of view, degrees.
    pub fov_deg: f64,
    /// How far it usefully sees, metres.
    pub range_m: f64,
    /// Where a JPEG of the current view can be fetched (HTTP GET).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_url: Option<String>,
    /// Pull `snapshot_url` on this schedule too, seconds (besides when an alert opens in
    /// view).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_every_s: Option<u64>,
    /// The camera clock's offset from UTC, minutes (China: 480), for EXIF times that do not
    /// state their own.
    #[serde(default)]
    pub utc_offset_minutes: i16,
    /// A pan-tilt head steered over ONVIF: it is pointed at a vessel before a snapshot is
    /// pulled, so it can see all round (within `range_m`), not just `fov_deg`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ptz: Option<Ptz>,
}

/// An ONVIF PTZ service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ptz {
    /// The PTZ service's address (credentials in it go as HTTP Basic).
    pub onvif_url: String,
    /// The media profile to move.
    #[serde(default = "default_profile")]
    pub profile: String,
    /// How long the head takes to settle after a move before a snapshot is taken.
    #[serde(default = "default_settle_ms")]
    pub settle_ms: u64,
}

fn default_profile() -> String {
    "Profile_1".into()
}

fn default_settle_ms() -> u64 {
    1500
}

/// A camera that did not load.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("camera {index}{}: {reason}", .id.as_ref().map(|i| format!(" ({i:?})")).unwrap_or_default())]
pub struct CameraError {
    /// Its place in the list, from 0.
    pub index: usize,
    pub id: Option<String>,
    pub reason: String,
}

/// The cameras that loaded and the report on those that did not.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub cameras: Vec<Camera>,
    pub errors: Vec<CameraError>,
}

/// What makes a camera usable, beyond its fields' types.
pub fn check(c: &Camera) -> Result<(), String> {
    if c.id.is_empty() || c.id.len() > 128 || c.id.chars().any(|ch| ch.is_control() || ch == '/') {
        return Err("id: 1-128 characters, no control characters or slashes".into());
    }
    if !(-180.0..=180.0).contains(&c.lon) || !(-90.0..=90.0).contains(&c.lat) {
        return Err("lon/lat: outside WGS84".into());
    }
    if !(0.0..=1000.0).contains(&c.height_m) {
        return Err("height_m: 0 to 1000".into());
    }
    if !c.bearing_deg.is_finite() {
        return Err("bearing_deg: not a number".into());
    }
    if !(c.fov_deg > 0.0 && c.fov_deg <= 360.0) {
        return Err("fov_deg: more than 0, at most 360".into());
    }
    if !(c.range_m > 0.0 && c.range_m <= 50_000.0) {
        return Err("range_m: more than 0, at most 50 000".into());
    }
    if let Some(u) = &c.snapshot_url
        && !(u.starts_with("http://") || u.starts_with("https://"))
    {
        return Err(format!("snapshot_url {u:?}: not an http(s) URL"));
    }
    if let Some(n) = c.pull_every_s {
        if c.snapshot_url.is_none() {
            return Err("pull_every_s: needs a snapshot_url".into());
        }
        if !(1..=86_400).contains(&n) {
            return Err("pull_every_s: 1 to 86 400".into());
        }
    }
    if !(-720..=840).contains(&c.utc_offset_minutes) {
        return Err("utc_offset_minutes: -720 to 840".into());
    }
    if let Some(p) = &c.ptz {
        if !(p.onvif_url.starts_with("http://") || p.onvif_url.starts_with("https://")) {
            return Err(format!(
                "ptz.onvif_url {:?}: not an http(s) URL",
                p.onvif_url
            ));
        }
        if p.profile.is_empty() || p.profile.len() > 64 || p.settle_ms > 30_000 {
            return Err("ptz: profile 1-64 characters, settle_ms at most 30 000".into());
        }
    }
    Ok(())
}

/// Reads a `cameras.json` text.
pub fn load_cameras(text: &str) -> Loaded {
    let mut out = Loaded::default();
    let items = match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items,
        Ok(_) => {
            out.errors.push(CameraError {
                index: 0,
                id: None,
                reason: "the file is not a JSON array of cameras".into(),
            });
            return out;
        }
        Err(e) => {
            out.errors.push(CameraError {
                index: 0,
                id: None,
                reason: format!("not JSON: {e}"),
            });
            return out;
        }
    };
    let mut seen = HashSet::new();
    for (index, item) in items.into_iter().enumerate() {
        let id = item.get("id").and_then(Value::as_str).map(str::to_string);
        let fail = |reason: String| CameraError {
            index,
            id: id.clone(),
            reason,
        };
        let cam = match serde_json::from_value::<Camera>(item) {
            Ok(c) => c,
            Err(e) => {
                out.errors.push(fail(e.to_string()));
                continue;
            }
        };
        if let Err(reason) = check(&cam) {
            out.errors.push(fail(reason));
        } else if !seen.insert(cam.id.clone()) {
            out.errors.push(fail("duplicate id".into()));
        } else {
            out.cameras.push(cam);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_cameras_are_named_and_the_rest_load() {
        let text = r#"[
          {"id": "cam-1", "lon": 120.2, "lat": 30.4, "height_m": 12, "bearing_deg": 90, "fov_deg": 70, "range_m": 400},
          {"id": "cam-2", "lon": 120.2, "lat": 30.4, "bearing_deg": 90, "fov_deg": 0, "range_m": 400},
          {"id": "cam-1", "lon": 120.2, "lat": 30.4, "bearing_deg": 90, "fov_deg": 60, "range_m": 400},
          {"lon": 120.2, "lat": 30.4, "bearing_deg": 90, "fov_deg": 60, "range_m": 400},
          {"id": "cam-5", "lon": 200, "lat": 30.4, "bearing_deg": 90, "fov_deg": 60, "range_m": 400},
          {"id": "cam-6", "lon": 120.2, "lat": 30.4, "bearing_deg": 90, "fov_deg": 60, "range_m": 400,
           "snapshot_url": "file:///etc/passwd"}
        ]"#;
        let l = load_cameras(text);
        assert_eq!(l.cameras.len(), 1);
        let reasons: Vec<(usize, String)> =
            l.errors.iter().map(|e| (e.index, e.to_string())).collect();
        assert_eq!(reasons.len(), 5, "{reasons:?}");
        assert!(reasons[0].1.contains("fov_deg"));
        assert!(reasons[1].1.contains("duplicate id"));
        assert!(reasons[2].1.contains("missing field `id`"));
        assert!(reasons[3].1.contains("WGS84"));
        assert!(reasons[4].1.contains("snapshot_url"));
        assert!(load_cameras("{}").errors[0].reason.contains("array"));
    }

    #[test]
    fn the_demo_cameras_load() {
        let text = include_str!("../../data/demo/cameras.json");
        let l = load_cameras(text);
        assert!(l.errors.is_empty(), "{:?}", l.errors);
        assert_eq!(l.cameras.len(), 9);
    }
}
