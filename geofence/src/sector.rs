//! Camera fields of view as zones: a sector from the camera's position, bearing, field of
//! view and range, registered in the same index as every other zone (kind `camera_fov`),
//! so "which cameras see this point" is an ordinary lookup.
//!
//! ```
//! use geofence::index::ZoneIndex;
//! use geofence::sector::{Sector, camera_zone};
//!
//! // A tower camera at (120.0, 30.0) looking east (90 deg), 60 deg wide, 500 m deep.
//! let cam = Sector { lon: 120.0, lat: 30.0, bearing_deg: 90.0, fov_deg: 60.0, range_m: 500.0 };
//! let index = ZoneIndex::new(vec![camera_zone("cam-3", &cam)]);
//! let sees = |lon, lat| index.zones_at(lon, lat).count() == 1;
//! assert!(sees(120.003, 30.0));     // ~290 m east
//! assert!(!sees(119.997, 30.0));    // behind the camera
//! assert!(!sees(120.006, 30.0));    // ~580 m: out of range
//! assert!(!sees(120.001, 30.0015)); // north-east, outside the 60 deg cone
//! ```

use geo::{Coord, LineString, MultiPolygon, Polygon};

use crate::track::M_PER_DEG;
use crate::zone::{Shape, Zone, ZoneKind};

/// A camera's field of view on the water.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sector {
    pub lon: f64,
    pub lat: f64,
    /// Direction of the optical axis, degrees clockwise from true north.
    pub bearing_deg: f64,
    /// Horizontal field of view, degrees (360 = all around).
    pub fov_deg: f64,
    pub range_m: f64,
}

impl Sector {
    /// The sector as a polygon: the apex and an arc of one vertex per 2 degrees.
    pub fn polygon(&self) -> Polygon<f64> {
        let fov = self.fov_deg.clamp(0.1, 360.0);
        let steps = ((fov / 2.0).ceil() as usize).max(2);
        let k_lon = 1.0 / (M_PER_DEG * self.lat.to_radians().cos().max(1e-6));
        let k_lat = 1.0 / M_PER_DEG;
        let r = self.range_m.max(0.0);
        let mut pts = Vec::with_capacity(steps + 3);
        let full = fov >= 360.0;
        if !full {
            pts.push(Coord {
                x: self.lon,
                y: self.lat,
            });
        }
        let arc_steps = if full { steps } else { steps + 1 };
        for k in 0..arc_steps {
            let b = (self.bearing_deg - fov / 2.0 + fov * k as f64 / steps as f64).to_radians();
            pts.push(Coord {
                x: self.lon + r * b.sin() * k_lon,
                y: self.lat + r * b.cos() * k_lat,
            });
        }
        pts.push(pts[0]);
        Polygon::new(LineString::from(pts), vec![])
    }
}

/// A `camera_fov` zone for the camera `id`.
pub fn camera_zone(id: &str, s: &Sector) -> Zone {
    Zone {
        id: id.to_string(),
        kind: ZoneKind::CameraFov,
        name: None,
        shape: Shape::Area(MultiPolygon(vec![s.polygon()])),
        license: None,
        speed_limit_kn: None,
    }
}
