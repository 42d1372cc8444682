//! A simulated camera's view, for the demo and the tests: sky, the far bank at the
//! horizon, water, a dark silhouette for each vessel at its true bearing and distance
//! (the column [`crate::view::frame_x`] gives, sized and lowered by distance), and the
//! capture time. Not a photograph, but evidence the marker can be checked against.

use ab_glyph::PxScale;

use crate::font::Typeface;
use image::{Rgb, RgbImage};
use imageproc::drawing::draw_filled_rect_mut;
use imageproc::rect::Rect;

use crate::camera::Camera;
use crate::view::{distance_m, frame_x};

/// The silhouettes' colour: darker than anything else in the view.
pub const HULL: Rgb<u8> = Rgb([18, 18, 22]);

/// A vessel as the simulated camera sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub lon: f64,
    pub lat: f64,
    pub length_m: f64,
}

/// The share of the frame's height above the horizon.
const HORIZON: f64 = 0.38;

/// The camera's view of `vessels` at `time` (RFC 3339 text drawn bottom-left, when a font
/// is given).
pub fn view(
    cam: &Camera,
    vessels: &[Seen],
    time: &str,
    width: u32,
    height: u32,
    font: Option<&Typeface>,
) -> RgbImage {
    let (w, h) = (width.max(16), height.max(16));
    let horizon = (f64::from(h) * HORIZON) as u32;
    let bank = (f64::from(h) * 0.05) as u32;
    let mut img = RgbImage::from_fn(w, h, |_, y| {
        if y < horizon {
            let t = y * 60 / horizon.max(1);
            Rgb([150 + t as u8, 185 + (t / 2) as u8, 225])
        } else if y < horizon + bank {
            Rgb([70, 105, 60])
        } else {
            let t = ((y - horizon - bank) * 40 / (h - horizon - bank).max(1)) as u8;
            Rgb([50 + t / 2, 95 + t, 120 + t])
        }
    });
    // Pixels per radian at the centre of a rectilinear lens.
    let half = (cam.fov_deg.clamp(1.0, 170.0) / 2.0).to_radians();
    let focal = f64::from(w) / 2.0 / half.tan();
    // Far ones first, so a nearer hull hides a farther one.
    let mut order: Vec<(f64, &Seen)> = vessels
        .iter()
        .map(|v| (distance_m((cam.lon, cam.lat), (v.lon, v.lat)), v))
        .collect();
    order.sort_by(|a, b| b.0.total_cmp(&a.0));
    for (d, v) in order {
        let Some(x) = frame_x(cam, (v.lon, v.lat), w) else {
            continue;
        };
        let d = d.max(5.0);
        // The waterline sits below the horizon by the camera's depression angle.
        let water = (f64::from(horizon + bank) + focal * (cam.height_m / d)).min(f64::from(h - 2));
        // Seen broadside-on at worst: half its length is a fair average width.
        let len = (focal * v.length_m.max(5.0) * 0.5 / d).clamp(6.0, f64::from(w) / 3.0);
        let hull_h = (focal * 2.5 / d).clamp(3.0, f64::from(h) / 4.0);
        let left = (f64::from(x) - len / 2.0).round() as i32;
        let top = (water - hull_h).round() as i32;
        draw_filled_rect_mut(
            &mut img,
            Rect::at(left, top).of_size(len as u32, hull_h as u32),
            HULL,
        );
        // A wheelhouse aft of centre, so it reads as a boat.
        let cab_w = (len / 4.0).max(2.0);
        let cab_h = (hull_h * 0.8).max(2.0);
        draw_filled_rect_mut(
            &mut img,
            Rect::at(
                (f64::from(x) + len / 8.0).round() as i32,
                (f64::from(top) - cab_h).round() as i32,
            )
            .of_size(cab_w as u32, cab_h as u32),
            HULL,
        );
    }
    if let Some(font) = font {
        let scale = PxScale::from((h as f32 / 30.0).max(10.0));
        let y = h as i32 - scale.y as i32 - 8;
        font.draw(
            &mut img,
            Rgb([255, 255, 255]),
            10,
            y,
            scale,
            &format!("{}  {time}", cam.name),
        );
    }
    img
}

/// The centre columns of the dark silhouettes in a frame (columns holding hull-dark
/// pixels, grouped where they touch): how a test finds the vessels in a view.
pub fn silhouette_columns(img: &RgbImage) -> Vec<f64> {
    let dark: Vec<bool> = (0..img.width())
        .map(|x| (0..img.height()).any(|y| img.get_pixel(x, y).0.iter().all(|&c| c < 45)))
        .collect();
    let mut out = Vec::new();
    let mut start = None;
    for (x, &d) in dark.iter().chain(std::iter::once(&false)).enumerate() {
        match (d, start) {
            (true, None) => start = Some(x),
            (false, Some(s)) => {
                out.push((s + x - 1) as f64 / 2.0);
                start = None;
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cam() -> Camera {
        Camera {
            id: "cam".into(),
            name: "Test bridge".into(),
            lon: 120.0,
            lat: 30.0,
            height_m: 12.0,
            bearing_deg: 90.0,
            fov_deg: 60.0,
            range_m: 1000.0,
            snapshot_url: None,
            utc_offset_minutes: 0,
            ptz: None,
            pull_every_s: None,
        }
    }

    #[test]
    fn a_vessel_appears_at_its_bearing_and_one_behind_does_not() {
        let c = cam();
        let ahead = Seen {
            lon: 120.003,
            lat: 30.0,
            length_m: 40.0,
        };
        // 15 degrees right of the axis, 300 m off.
        let (e, n) = (
            300.0 * 105f64.to_radians().sin(),
            300.0 * 105f64.to_radians().cos(),
        );
        let right = Seen {
            lon: 120.0 + e / (111_194.9 * 30f64.to_radians().cos()),
            lat: 30.0 + n / 111_194.9,
            length_m: 40.0,
        };
        let behind = Seen {
            lon: 119.997,
            lat: 30.0,
            length_m: 40.0,
        };
        let img = view(
            &c,
            &[ahead, right.clone(), behind],
            "2026-01-01T00:00:00Z",
            1280,
            720,
            None,
        );
        let cols = silhouette_columns(&img);
        assert_eq!(cols.len(), 2, "{cols:?}");
        assert!((cols[0] - 640.0).abs() < 4.0, "{cols:?}");
        let want = f64::from(frame_x(&c, (right.lon, right.lat), 1280).expect("in view"));
        assert!((cols[1] - want).abs() < 4.0, "{cols:?} vs {want}");
    }

    #[test]
    fn an_empty_river_has_no_silhouette() {
        let img = view(&cam(), &[], "t", 640, 360, None);
        assert!(silhouette_columns(&img).is_empty());
    }
}
