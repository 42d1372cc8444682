//! Marking an evidence frame: riverwatch's `video::annotate::annotate` (decode, web copy,
//! marker and label, thumbnail, two JPEGs) against the same steps done with the `image`
//! crate's own resize and JPEG encoder, on a 1920 x 1080 camera frame, in one run.
//! `scripts/bench-evidence` runs it pinned to one core and prints the ratio.

use std::io::Cursor;

use criterion::{Criterion, criterion_group, criterion_main};
use image::RgbImage;
use image::codecs::jpeg::JpegEncoder;
use image::imageops::{self, FilterType};
use video::annotate::{self, Note, THUMB_WIDTH, WEB_WIDTH};
use video::camera::Camera;
use video::render::{Seen, view};

/// The two frames marked: a simulated bridge camera's view as the demo's cameras send it
/// (flat colours, a small JPEG), and the same view with sensor-like noise, encoded as IP
/// cameras do (4:2:0, quality 90), so it weighs what a real 1080p snapshot does (a few
/// hundred KB): the decoder's and encoder's work grows with that weight.
fn frames() -> [(&'static str, Vec<u8>); 2] {
    let cam = Camera {
        id: "cam-bench".into(),
        name: "Bench bridge camera".into(),
        lon: 120.0,
        lat: 30.0,
        height_m: 12.0,
        bearing_deg: 90.0,
        fov_deg: 70.0,
        range_m: 400.0,
        snapshot_url: None,
        pull_every_s: None,
        utc_offset_minutes: 0,
        ptz: None,
    };
    let boats =
        [(120.002, 30.0001), (120.0025, 29.9995), (120.0015, 30.0006)].map(|(lon, lat)| Seen {
            lon,
            lat,
            length_m: 45.0,
        });
    let clean = view(
        &cam,
        &boats,
        "2026-11-20T08:00:00Z",
        1920,
        1080,
        video::font::label_font(),
    );
    let mut noisy = clean.clone();
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    for p in noisy.pixels_mut() {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let n = (seed % 13) as i16 - 6;
        for c in &mut p.0 {
            *c = (i16::from(*c) + n).clamp(0, 255) as u8;
        }
    }
    let camera_jpeg = |img: &RgbImage| {
        let mut out = Vec::new();
        let mut e = jpeg_encoder::Encoder::new(&mut out, 90);
        e.set_sampling_factor(jpeg_encoder::SamplingFactor::R_4_2_0);
        e.encode(img.as_raw(), 1920, 1080, jpeg_encoder::ColorType::Rgb)
            .expect("encode");
        out
    };
    [
        ("simulated", camera_jpeg(&clean)),
        ("camera-like", camera_jpeg(&noisy)),
    ]
}

fn note() -> Note {
    Note {
        x_frac: Some(0.52),
        lines: vec![
            "浙湖州货1234  MMSI 413000001".into(),
            "illegal_berthing  nb-bridge-03".into(),
            "2026-11-20T08:00:00Z  Bench bridge camera".into(),
        ],
    }
}

/// The same steps with the `image` crate's own resize (triangle filter, like the
/// bilinear one riverwatch uses) and JPEG encoder.
fn image_crate(original: &[u8], note: &Note) -> (Vec<u8>, Vec<u8>) {
    let img = image::load_from_memory(original)
        .expect("decode")
        .into_rgb8();
    let h = img.height() * WEB_WIDTH / img.width();
    let mut web: RgbImage = imageops::resize(&img, WEB_WIDTH, h, FilterType::Triangle);
    annotate::mark(&mut web, note, video::font::label_font());
    let th = web.height() * THUMB_WIDTH / web.width();
    let thumb = imageops::resize(&web, THUMB_WIDTH, th, FilterType::Triangle);
    let enc = |img: &RgbImage, q: u8| {
        let mut out = Cursor::new(Vec::new());
        JpegEncoder::new_with_quality(&mut out, q)
            .encode_image(img)
            .expect("encode");
        out.into_inner()
    };
    (enc(&web, 85), enc(&thumb, 80))
}

fn annotate_frame(c: &mut Criterion) {
    let note = note();
    let font = video::font::label_font();
    for (name, original) in frames() {
        eprintln!(
            "frame {name}: 1920 x 1080, {} KB JPEG; label font: {}",
            original.len() / 1024,
            if font.is_some() { "found" } else { "none" }
        );
        let mut g = c.benchmark_group(format!("annotate_1920x1080_{name}"));
        g.bench_function("riverwatch", |b| {
            b.iter(|| annotate::annotate(&original, &note, font).expect("annotate"))
        });
        g.bench_function("image-crate", |b| b.iter(|| image_crate(&original, &note)));
        g.finish();
        // Apart from the timings: the marker is where it should be.
        let m = annotate::annotate(&original, &note, font).expect("annotate");
        let web = annotate::decode(&m.web).expect("decode");
        let x = annotate::marker_column(&web).map(|x| f64::from(x) / f64::from(web.width()));
        assert!(x.is_some_and(|x| (x - 0.52).abs() < 0.01), "{x:?}");
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = annotate_frame
}
criterion_main!(benches);
