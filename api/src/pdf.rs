//! Printable reports (`printpdf`, A4, Chinese and English): a referral's `report.pdf` (who,
//! what, where, when; the rule's values; a map of the track against the zones; the marked
//! photos; the evidence hashes) and the monthly report. Text is set in two TrueType fonts
//! found on the machine, subset and embedded: a Latin one (Debian's `fonts-dejavu-core`)
//! and a CJK one for every character the first lacks (`RIVERWATCH_PDF_FONT`, else
//! `fonts-droid-fallback`, which has no Latin letters of its own). Without them, Helvetica,
//! and Chinese text is lost.

use printpdf::{
    Color, ColorBits, ColorSpace, Image, ImageFilter, ImageTransform, ImageXObject,
    IndirectFontRef, Line, Mm, PdfDocument, PdfLayerReference, Point, Px, Rgb,
};
use serde_json::Value;

const LATIN: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
const CJK: &str = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf";

/// A font as the PDF uses it, and as it is measured.
struct Face {
    pdf: IndirectFontRef,
    metrics: Option<ab_glyph::FontArc>,
}

impl Face {
    fn has(&self, c: char) -> bool {
        use ab_glyph::Font;
        self.metrics.as_ref().is_some_and(|m| m.glyph_id(c).0 != 0)
    }

    /// Width of `text` at `size` pt, mm.
    fn width(&self, text: &str, size: f32) -> f32 {
        use ab_glyph::Font;
        let Some(m) = &self.metrics else {
            return text.chars().count() as f32 * size * 0.5 * 0.3528;
        };
        let units: f32 = text
            .chars()
            .map(|c| m.h_advance_unscaled(m.glyph_id(c)))
            .sum();
        // Font units to points (per em), points to mm.
        units / m.units_per_em().unwrap_or(1000.0) * size * 0.3528
    }
}

/// The kind names the report prints, Chinese and English.
fn kind_words(kind: &str) -> String {
    let zh = match kind {
        "unlicensed_dock_activity" => "无证码头作业",
        "suspected_unlicensed_dock" => "疑似无证码头",
        "illegal_berthing" => "违规停泊",
        "muck_unpermitted_transport" => "渣土船无证运输",
        "muck_illegal_discharge" => "渣土偷排乱倒",
        "muck_unaccounted_load" => "渣土去向不明",
        "overload_draught" => "超载（吃水）",
        "overload_persons" => "超员",
        "watchlist_entry" => "重点关注船舶",
        "ais_gap" => "AIS信号中断",
        "position_jump" => "位置跳变",
        "identity_mismatch" => "身份信息不符",
        "speeding" => "超速",
        _ => "",
    };
    format!("{zh} {}", kind.replace('_', " "))
}

#[derive(Debug, thiserror::Error)]
#[error("the report: {0}")]
pub struct PdfError(String);

fn err(e: impl std::fmt::Display) -> PdfError {
    PdfError(e.to_string())
}

/// A document being written, top to bottom, a new page when one is full.
struct Writer {
    doc: printpdf::PdfDocumentReference,
    layer: PdfLayerReference,
    latin: Face,
    cjk: Option<Face>,
    y: f32,
}

const TOP: f32 = 280.0;
const LEFT: f32 = 15.0;

impl Writer {
    fn new(title: &str) -> Result<Writer, PdfError> {
        let (doc, page, layer) = PdfDocument::new(title, Mm(210.0), Mm(297.0), "text");
        let load = |path: &str| -> Option<Face> {
            let bytes = std::fs::read(path).ok()?;
            let metrics = ab_glyph::FontArc::try_from_vec(bytes.clone()).ok()?;
            let pdf = doc.add_external_font(bytes.as_slice()).ok()?;
            Some(Face {
                pdf,
                metrics: Some(metrics),
            })
        };
        let latin = match load(LATIN) {
            Some(f) => f,
            None => Face {
                pdf: doc
                    .add_builtin_font(printpdf::BuiltinFont::Helvetica)
                    .map_err(err)?,
                metrics: None,
            },
        };
        let cjk_path = std::env::var("RIVERWATCH_PDF_FONT").unwrap_or_else(|_| CJK.to_string());
        let cjk = load(&cjk_path);
        if cjk.is_none() {
            tracing::warn!(
                "no CJK font for reports at {cjk_path} (install fonts-droid-fallback or set RIVERWATCH_PDF_FONT): Chinese text is left out"
            );
        }
        let layer = doc.get_page(page).get_layer(layer);
        Ok(Writer {
            doc,
            layer,
            latin,
            cjk,
            y: TOP,
        })
    }

    /// Draws one line at (x, y): runs of characters the Latin font has in it, the others
    /// in the CJK font.
    fn line(&self, text: &str, size: f32, x: f32, y: f32) {
        let mut runs: Vec<(bool, String)> = Vec::new();
        for c in text.chars() {
            let cjk = !self.latin.has(c) && self.cjk.as_ref().is_some_and(|f| f.has(c));
            match runs.last_mut() {
                Some((k, run)) if *k == cjk => run.push(c),
                _ => runs.push((cjk, c.to_string())),
            }
        }
        let mut x = x;
        for (cjk, run) in runs {
            let face = match (&self.cjk, cjk) {
                (Some(f), true) => f,
                _ => &self.latin,
            };
            self.layer
                .use_text(run.clone(), size, Mm(x), Mm(y), &face.pdf);
            x += face.width(&run, size);
        }
    }

    fn page(&mut self) {
        let (page, layer) = self.doc.add_page(Mm(210.0), Mm(297.0), "text");
        self.layer = self.doc.get_page(page).get_layer(layer);
        self.y = TOP;
    }

    /// Room for `mm` more, else a new page.
    fn room(&mut self, mm: f32) {
        if self.y - mm < 15.0 {
            self.page();
        }
    }

    /// One line of text (cut into lines of `width` characters when longer).
    /// Width of `text` as [`Writer::line`] sets it, mm.
    fn measure(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| match &self.cjk {
                Some(f) if !self.latin.has(c) && f.has(c) => {
                    f.width(c.encode_utf8(&mut [0; 4]), size)
                }
                _ => self.latin.width(c.encode_utf8(&mut [0; 4]), size),
            })
            .sum()
    }

    /// Text from the left margin, wrapped at 180 mm (at a space where there is one).
    fn text(&mut self, s: &str, size: f32) {
        let mut rest: Vec<char> = s.chars().collect();
        while !rest.is_empty() {
            let mut end = rest.len();
            let mut width = 0.0;
            for (i, c) in rest.iter().enumerate() {
                width += self.measure(c.encode_utf8(&mut [0; 4]), size);
                if width > 180.0 && i > 0 {
                    end = rest[..i]
                        .iter()
                        .rposition(|c| *c == ' ')
                        .filter(|&p| p > 0)
                        .unwrap_or(i);
                    break;
                }
            }
            let line: String = rest[..end].iter().collect();
            rest.drain(..end);
            self.room(size * 0.5);
            self.layer
                .set_fill_color(Color::Rgb(Rgb::new(0.08, 0.12, 0.17, None)));
            self.line(line.trim_end(), size, LEFT, self.y);
            self.y -= size * 0.45;
        }
    }

    fn gap(&mut self, mm: f32) {
        self.y -= mm;
    }

    fn finish(self) -> Result<Vec<u8>, PdfError> {
        self.doc.save_to_bytes().map_err(err)
    }

    /// A JPEG as it is (no re-encoding), `w` mm wide at (x, y) its lower left corner.
    fn jpeg(&self, bytes: &[u8], x: f32, y: f32, w: f32) -> Result<f32, PdfError> {
        let (pw, ph) = jpeg_size(bytes).ok_or_else(|| PdfError("a photo is not a JPEG".into()))?;
        let dpi = pw as f32 / (w / 25.4);
        let img = Image::from(ImageXObject {
            width: Px(pw),
            height: Px(ph),
            color_space: ColorSpace::Rgb,
            bits_per_component: ColorBits::Bit8,
            interpolate: true,
            image_data: bytes.to_vec(),
            image_filter: Some(ImageFilter::DCT),
            smask: None,
            clipping_bbox: None,
        });
        img.add_to_layer(
            self.layer.clone(),
            ImageTransform {
                translate_x: Some(Mm(x)),
                translate_y: Some(Mm(y)),
                dpi: Some(dpi),
                ..Default::default()
            },
        );
        Ok(w * ph as f32 / pw as f32)
    }
}

/// Width and height from a JPEG's SOF marker.
fn jpeg_size(b: &[u8]) -> Option<(usize, usize)> {
    let mut i = 2;
    while i + 9 < b.len() {
        if b[i] != 0xFF {
            return None;
        }
        let m = b[i + 1];
        let len = usize::from(u16::from_be_bytes([b[i + 2], b[i + 3]]));
        if (0xC0..=0xC2).contains(&m) {
            let h = usize::from(u16::from_be_bytes([b[i + 5], b[i + 6]]));
            let w = usize::from(u16::from_be_bytes([b[i + 7], b[i + 8]]));
            return Some((w, h));
        }
        i += 2 + len;
    }
    None
}

/// Rings of a GeoJSON geometry, as (lon, lat) lists.
fn rings(g: &Value) -> Vec<Vec<(f64, f64)>> {
    let pts = |r: &Value| -> Vec<(f64, f64)> {
        r.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| Some((p[0].as_f64()?, p[1].as_f64()?)))
                    .collect()
            })
            .unwrap_or_default()
    };
    match g["type"].as_str() {
        Some("Polygon") => g["coordinates"]
            .as_array()
            .map(|r| r.iter().map(pts).collect())
            .unwrap_or_default(),
        Some("MultiPolygon") => g["coordinates"]
            .as_array()
            .map(|p| {
                p.iter()
                    .filter_map(|x| x.as_array())
                    .flatten()
                    .map(pts)
                    .collect()
            })
            .unwrap_or_default(),
        Some("LineString") => vec![pts(&g["coordinates"])],
        _ => Vec::new(),
    }
}

/// Where on the page a drawing goes: lower left corner and size, mm.
#[derive(Debug, Clone, Copy)]
struct Box2 {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

/// The map: the zones near the track drawn thin, the track thick, the alert's position a
/// cross, in `b`.
fn map(w: &Writer, track: &[(f64, f64)], at: (f64, f64), zones: &[Value], b: Box2) {
    let Box2 { x, y, w: bw, h: bh } = b;
    let mut pts: Vec<(f64, f64)> = track.to_vec();
    pts.push(at);
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for p in &pts {
        x0 = x0.min(p.0);
        x1 = x1.max(p.0);
        y0 = y0.min(p.1);
        y1 = y1.max(p.1);
    }
    // At least 600 m across, with a margin.
    let kx = at.1.to_radians().cos();
    let span = ((x1 - x0) * kx).max(y1 - y0).max(600.0 / 111_195.0) * 1.3;
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let scale = f64::from(bw.min(bh)) / span;
    let to = |p: (f64, f64)| {
        Point::new(
            Mm(x + bw / 2.0 + ((p.0 - cx) * kx * scale) as f32),
            Mm(y + bh / 2.0 + ((p.1 - cy) * scale) as f32),
        )
    };
    let inside =
        |p: &(f64, f64)| ((p.0 - cx) * kx).abs() < span / 2.0 && (p.1 - cy).abs() < span / 2.0;
    let l = &w.layer;
    l.set_outline_color(Color::Rgb(Rgb::new(0.6, 0.6, 0.6, None)));
    l.set_outline_thickness(0.5);
    l.add_line(Line {
        points: vec![
            (Point::new(Mm(x), Mm(y)), false),
            (Point::new(Mm(x + bw), Mm(y)), false),
            (Point::new(Mm(x + bw), Mm(y + bh)), false),
            (Point::new(Mm(x), Mm(y + bh)), false),
        ],
        is_closed: true,
    });
    l.set_outline_color(Color::Rgb(Rgb::new(0.2, 0.45, 0.7, None)));
    l.set_outline_thickness(0.4);
    for z in zones {
        for r in rings(&z["geometry"]) {
            // Clipped by dropping what lies outside the box (coarse, but a sketch).
            let kept: Vec<(Point, bool)> = r
                .iter()
                .filter(|p| inside(p))
                .map(|p| (to(*p), false))
                .collect();
            if kept.len() >= 2 {
                l.add_line(Line {
                    points: kept,
                    is_closed: false,
                });
            }
        }
    }
    if track.len() >= 2 {
        l.set_outline_color(Color::Rgb(Rgb::new(0.8, 0.1, 0.1, None)));
        l.set_outline_thickness(1.5);
        l.add_line(Line {
            points: track.iter().map(|p| (to(*p), false)).collect(),
            is_closed: false,
        });
    }
    let c = to(at);
    let d = Mm(2.0);
    l.set_outline_color(Color::Rgb(Rgb::new(0.0, 0.0, 0.0, None)));
    l.set_outline_thickness(1.0);
    l.add_line(Line {
        points: vec![
            (
                Point {
                    x: (c.x - d.into_pt()),
                    y: c.y,
                },
                false,
            ),
            (
                Point {
                    x: (c.x + d.into_pt()),
                    y: c.y,
                },
                false,
            ),
        ],
        is_closed: false,
    });
    l.add_line(Line {
        points: vec![
            (
                Point {
                    x: c.x,
                    y: (c.y - d.into_pt()),
                },
                false,
            ),
            (
                Point {
                    x: c.x,
                    y: (c.y + d.into_pt()),
                },
                false,
            ),
        ],
        is_closed: false,
    });
}

/// A referral's report. `referral` is `referral.json`'s value; `zones` the zones'
/// features; `photos` the marked JPEGs by snapshot id.
pub fn referral_report(
    referral: &Value,
    zones: &[Value],
    photos: &[(String, Vec<u8>)],
) -> Result<Vec<u8>, PdfError> {
    let r = &referral["referral"];
    let mut w = Writer::new("riverwatch referral")?;
    w.text("执法移交报告 Enforcement referral report", 16.0);
    w.gap(2.0);
    let s = |v: &Value| {
        v.as_str().map(str::to_string).unwrap_or_else(|| {
            if v.is_null() {
                "—".into()
            } else {
                v.to_string()
            }
        })
    };
    w.text(&format!("编号 Referral: {}", s(&r["id"])), 10.0);
    w.text(
        &format!("移交部门 Agency: {}", s(&r["agency"]["name"])),
        10.0,
    );
    w.text(
        &format!(
            "移交人 Referred by: {}   时间 At: {}",
            s(&r["created_by"]),
            s(&r["created_at"])
        ),
        10.0,
    );
    w.text(&format!("说明 Note: {}", s(&r["note"])), 10.0);
    for a in referral["alerts"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        w.gap(4.0);
        w.room(40.0);
        w.text(
            &format!(
                "{}  [{}]",
                kind_words(a["kind"].as_str().unwrap_or_default()),
                s(&a["severity"])
            ),
            13.0,
        );
        w.text(
            &format!(
                "船舶 Vessel: {} (MMSI {})",
                s(&a["vessel_name"]),
                s(&a["mmsi"])
            ),
            10.0,
        );
        if let Some(reg) = a["registry"].as_object() {
            w.text(
                &format!(
                    "登记 Registry: {} · {} · {}",
                    s(&reg.get("name").cloned().unwrap_or_default()),
                    s(&reg.get("ship_class").cloned().unwrap_or_default()),
                    s(&reg.get("owner").cloned().unwrap_or_default())
                ),
                9.0,
            );
        }
        w.text(&format!("区域 Zone: {}", s(&a["zone_id"])), 10.0);
        w.text(
            &format!(
                "开始 Started: {}   发现 Detected: {}   结束 Ended: {}",
                s(&a["started_at"]),
                s(&a["detected_at"]),
                s(&a["ended_at"])
            ),
            9.0,
        );
        w.text(
            &format!(
                "位置 Position: {:.5} N, {:.5} E",
                a["position"]["lat"].as_f64().unwrap_or_default(),
                a["position"]["lon"].as_f64().unwrap_or_default()
            ),
            9.0,
        );
        w.text("触发依据 What fired it:", 10.0);
        if let Some(ev) = a["evidence"].as_object() {
            for (k, v) in ev.iter().filter(|(k, _)| k.as_str() != "track") {
                w.text(&format!("  {k}: {}", s(v)), 9.0);
            }
        }
        w.text("处置记录 History:", 10.0);
        for e in a["history"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            w.text(
                &format!(
                    "  {} · {} · {} · {}",
                    s(&e["at"]),
                    s(&e["by"]),
                    s(&e["status"]),
                    s(&e["note"])
                ),
                8.0,
            );
        }
        // The map.
        let track: Vec<(f64, f64)> = a["evidence"]["track"]
            .as_array()
            .map(|t| {
                t.iter()
                    .filter_map(|p| Some((p["lon"].as_f64()?, p["lat"].as_f64()?)))
                    .collect()
            })
            .unwrap_or_default();
        let at = (
            a["position"]["lon"].as_f64().unwrap_or_default(),
            a["position"]["lat"].as_f64().unwrap_or_default(),
        );
        w.room(75.0);
        w.text("航迹与区域 Track and zones:", 10.0);
        let b = Box2 {
            x: LEFT,
            y: w.y - 65.0,
            w: 90.0,
            h: 65.0,
        };
        map(&w, &track, at, zones, b);
        w.gap(69.0);
        // The photos, two to a row, with their hashes.
        let snaps = a["snapshots"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (k, sn) in snaps.iter().enumerate() {
            let id = s(&sn["id"]);
            let Some((_, jpeg)) = photos.iter().find(|(p, _)| *p == id) else {
                continue;
            };
            if k % 2 == 0 {
                w.room(70.0);
            }
            let x = LEFT + (k % 2) as f32 * 92.0;
            if let Err(e) = w.jpeg(jpeg, x, w.y - 50.0, 88.0) {
                tracing::warn!("a photo left out of the report: {e}");
            }
            if k % 2 == 1 || k + 1 == snaps.len() {
                w.gap(56.0);
            }
        }
        if !snaps.is_empty() {
            w.text("证据哈希 Evidence hashes (SHA-256):", 10.0);
        }
        for sn in snaps {
            w.text(
                &format!(
                    "  {} · {} · {}",
                    s(&sn["camera_name"]),
                    s(&sn["captured_at"]),
                    s(&sn["sha256"])
                ),
                7.0,
            );
            w.text(&format!("    chain {}", s(&sn["chain"])), 7.0);
        }
    }
    w.finish()
}

/// The monthly report from its JSON.
pub fn monthly_report(r: &Value) -> Result<Vec<u8>, PdfError> {
    let mut w = Writer::new("riverwatch monthly report")?;
    w.text(
        &format!(
            "月度执法报告 Monthly enforcement report {}",
            r["month"].as_str().unwrap_or_default()
        ),
        16.0,
    );
    w.text(
        &format!(
            "{} — {} (UTC)",
            r["since"].as_str().unwrap_or_default(),
            r["until"].as_str().unwrap_or_default()
        ),
        9.0,
    );
    let section = |w: &mut Writer, title: &str, v: &Value, label: &dyn Fn(&str) -> String| {
        w.gap(3.0);
        w.text(title, 12.0);
        if let Some(m) = v.as_object() {
            for (k, n) in m {
                w.text(&format!("  {}: {n}", label(k)), 10.0);
            }
        }
    };
    let totals: [(&str, &str); 7] = [
        ("alerts", "告警 alerts"),
        ("confirmed", "核实 confirmed"),
        ("dismissed", "排除 dismissed"),
        ("referred", "移交 referred"),
        ("closed", "结案 closed"),
        ("referrals", "移交案件 referrals"),
        ("feedback_received", "处理反馈 feedback received"),
    ];
    w.gap(3.0);
    w.text("合计 Totals", 12.0);
    for (k, words) in totals {
        w.text(&format!("  {words}: {}", r["totals"][k]), 10.0);
    }
    section(&mut w, "按类型 By kind", &r["by_kind"], &|k| {
        kind_words(k)
    });
    section(&mut w, "按区域 By zone", &r["by_zone"], &|k| {
        k.to_string()
    });
    section(
        &mut w,
        "按移交部门 Referrals by agency",
        &r["referrals_by_agency"],
        &|k| k.to_string(),
    );
    w.gap(3.0);
    w.text("处理结果 Outcomes", 12.0);
    for o in r["outcomes"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let s = |k: &str| o[k].as_str().unwrap_or("—").to_string();
        w.text(
            &format!(
                "  {} · {} · {} · {} · {} · {}",
                s("referral"),
                s("agency"),
                s("status"),
                s("case_number"),
                s("outcome"),
                s("penalty")
            ),
            9.0,
        );
    }
    w.finish()
}
