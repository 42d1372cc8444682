//! Where a vessel is as a camera sees it: its bearing and distance from the camera, the
//! column of the frame it falls in, and the pan and tilt that point a PTZ head at it.
//!
//! ```
//! use video::camera::Camera;
//! use video::view::{bearing_deg, frame_x};
//!
//! let cam = Camera { id: "cam-1".into(), name: String::new(), lon: 120.0, lat: 30.0,
//!     height_m: 12.0, bearing_deg: 90.0, fov_deg: 60.0, range_m: 1000.0, snapshot_url: None,
//!     utc_offset_minutes: 0, ptz: None, pull_every_s: None };
//! // Dead ahead: the centre column. Behind: not in the frame at all.
//! assert_eq!(frame_x(&cam, (120.004, 30.0), 1920), Some(960));
//! assert_eq!(frame_x(&cam, (119.996, 30.0), 1920), None);
//! assert!((bearing_deg((120.0, 30.0), (120.0, 30.01)) - 0.0).abs() < 1e-9); // due north
//! ```

use crate::camera::Camera;

/// Metres per degree of latitude.
const M_PER_DEG: f64 = 6_371_000.0 * std::f64::consts::PI / 180.0;

/// East and north metres from `a` to `b` (flat-earth: exact enough across a river).
fn offset_m(a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    let lat = ((a.1 + b.1) / 2.0).to_radians();
    ((b.0 - a.0) * M_PER_DEG * lat.cos(), (b.1 - a.1) * M_PER_DEG)
}

/// Degrees clockwise from true north, from `a` to `b` (lon, lat), in [0, 360).
pub fn bearing_deg(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (e, n) = offset_m(a, b);
    e.atan2(n).to_degrees().rem_euclid(360.0)
}

pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (e, n) = offset_m(a, b);
    e.hypot(n)
}

/// `angle` folded into (-180, 180].
fn signed(angle: f64) -> f64 {
    let a = angle.rem_euclid(360.0);
    if a > 180.0 { a - 360.0 } else { a }
}

/// The vessel's angle off the camera's axis, degrees, negative to the left.
pub fn off_axis_deg(cam: &Camera, vessel: (f64, f64)) -> f64 {
    signed(bearing_deg((cam.lon, cam.lat), vessel) - cam.bearing_deg)
}

/// The frame column (0 = left edge) where the vessel appears in a frame `width` pixels
/// wide, or `None` when it is outside the field of view or beyond the camera's range.
/// A rectilinear lens: the column goes with the tangent of the angle off the axis; past
/// 170 degrees of view (no rectilinear lens is that wide) it goes with the angle itself.
pub fn frame_x(cam: &Camera, vessel: (f64, f64), width: u32) -> Option<u32> {
    let half = cam.fov_deg / 2.0;
    let off = off_axis_deg(cam, vessel);
    if off.abs() > half + 1e-9 || distance_m((cam.lon, cam.lat), vessel) > cam.range_m {
        return None;
    }
    let w = f64::from(width);
    let unit = if cam.fov_deg < 170.0 {
        off.to_radians().tan() / half.to_radians().tan()
    } else {
        off / half
    };
    let x = (w / 2.0 + unit * w / 2.0).round();
    Some((x.max(0.0) as u32).min(width.saturating_sub(1)))
}

/// Where to point a PTZ head: `pan_deg` the absolute bearing, `tilt_deg` below the
/// horizon negative.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PanTilt {
    pub pan_deg: f64,
    pub tilt_deg: f64,
    /// Pan relative to the camera's home bearing, in (-180, 180].
    pub pan_from_home_deg: f64,
}

impl PanTilt {
    /// ONVIF's generic absolute pan/tilt space, both in [-1, 1]: pan from the home bearing
    /// over 180 degrees, tilt over 90 degrees.
    pub fn onvif(&self) -> (f64, f64) {
        (
            (self.pan_from_home_deg / 180.0).clamp(-1.0, 1.0),
            (self.tilt_deg / 90.0).clamp(-1.0, 1.0),
        )
    }
}

/// The SOAP request of ONVIF's `AbsoluteMove` to `pt` in the generic position space.
pub fn onvif_absolute_move(profile: &str, pt: &PanTilt) -> String {
    let (x, y) = pt.onvif();
    let profile: String = profile
        .chars()
        .map(|c| match c {
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '&' => "&amp;".to_string(),
            '"' => "&quot;".to_string(),
            c => c.to_string(),
        })
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body xmlns:tptz="http://www.onvif.org/ver20/ptz/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema"><tptz:AbsoluteMove><tptz:ProfileToken>{profile}</tptz:ProfileToken><tptz:Position><tt:PanTilt x="{x:.5}" y="{y:.5}" space="http://www.onvif.org/ver10/tptz/PanTiltSpaces/PositionGenericSpace"/></tptz:Position></tptz:AbsoluteMove></s:Body></s:Envelope>"#
    )
}

/// The pan and tilt that put the vessel (at the waterline) in the centre of the frame.
pub fn pan_tilt(cam: &Camera, vessel: (f64, f64)) -> PanTilt {
    let d = distance_m((cam.lon, cam.lat), vessel).max(0.1);
    PanTilt {
        pan_deg: bearing_deg((cam.lon, cam.lat), vessel),
        tilt_deg: -(cam.height_m / d).atan().to_degrees(),
        pan_from_home_deg: off_axis_deg(cam, vessel),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cam(bearing: f64, fov: f64) -> Camera {
        Camera {
            id: "cam".into(),
            name: String::new(),
            lon: 120.0,
            lat: 30.0,
            height_m: 12.0,
            bearing_deg: bearing,
            fov_deg: fov,
            range_m: 2000.0,
            snapshot_url: None,
            utc_offset_minutes: 0,
            ptz: None,
            pull_every_s: None,
        }
    }

    /// A point `m` metres from the camera at `bearing` degrees.
    fn at(bearing: f64, m: f64) -> (f64, f64) {
        let b = bearing.to_radians();
        (
            120.0 + m * b.sin() / (M_PER_DEG * 30f64.to_radians().cos()),
            30.0 + m * b.cos() / M_PER_DEG,
        )
    }

    #[test]
    fn ahead_is_the_centre_the_fov_edge_is_the_frame_edge_behind_is_nothing() {
        let c = cam(45.0, 60.0);
        assert_eq!(frame_x(&c, at(45.0, 500.0), 1920), Some(960));
        // At the edges of the 60-degree view: the first and the last column.
        assert_eq!(frame_x(&c, at(15.01, 500.0), 1920), Some(0));
        assert_eq!(frame_x(&c, at(74.99, 500.0), 1920), Some(1919));
        // Just outside, behind, and beyond the range.
        assert_eq!(frame_x(&c, at(14.0, 500.0), 1920), None);
        assert_eq!(frame_x(&c, at(225.0, 500.0), 1920), None);
        assert_eq!(frame_x(&c, at(45.0, 2500.0), 1920), None);
        // Left of the axis is left of the centre; a quarter of the half-angle off is not a
        // quarter of the half-frame off (a rectilinear lens spreads the edges).
        let x = frame_x(&c, at(45.0 - 7.5, 500.0), 1920).expect("in view");
        let expected = 960.0 - 960.0 * 7.5f64.to_radians().tan() / 30f64.to_radians().tan();
        assert!((f64::from(x) - expected).abs() <= 1.0, "{x} vs {expected}");
        // Across north: a camera looking north sees both sides of 0 degrees.
        let n = cam(0.0, 90.0);
        assert!(frame_x(&n, at(350.0, 300.0), 1000).expect("in view") < 500);
        assert!(frame_x(&n, at(10.0, 300.0), 1000).expect("in view") > 500);
        // All around: every direction is in the frame.
        let all = cam(0.0, 360.0);
        assert_eq!(frame_x(&all, at(180.0, 300.0), 1000), Some(999));
        assert_eq!(frame_x(&all, at(0.0, 300.0), 1000), Some(500));
    }

    #[test]
    fn a_ptz_head_is_pointed_at_the_vessel() {
        let c = cam(90.0, 60.0);
        let p = pan_tilt(&c, at(180.0, 12.0));
        assert!((p.pan_deg - 180.0).abs() < 1e-6);
        assert!((p.pan_from_home_deg - 90.0).abs() < 1e-6);
        // 12 m up, 12 m away: 45 degrees down.
        assert!((p.tilt_deg + 45.0).abs() < 1e-3);
        let (x, y) = p.onvif();
        assert!((x - 0.5).abs() < 1e-6 && (y + 0.5).abs() < 1e-4);
        let soap = onvif_absolute_move("Profile<1>", &p);
        assert!(
            soap.contains(r#"<tt:PanTilt x="0.50000" y="-0.50000""#),
            "{soap}"
        );
        assert!(soap.contains("<tptz:ProfileToken>Profile&lt;1&gt;</tptz:ProfileToken>"));
        let behind_left = pan_tilt(&c, at(300.0, 1000.0));
        assert!((behind_left.pan_from_home_deg + 150.0).abs() < 1e-3);
    }
}
