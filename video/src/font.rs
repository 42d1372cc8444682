//! The typefaces labels are drawn in. Vessel names on Chinese rivers are Chinese, so a CJK
//! font is wanted beside a Latin one: `RIVERWATCH_FONT` names a font file
//! (TrueType/OpenType, a collection's first face) tried first, then the usual Debian fonts
//! that are installed (`fonts-wqy-microhei`, `fonts-noto-cjk`, `fonts-dejavu-core`,
//! `fonts-droid-fallback`). Each character is drawn in the first of them that has it.
//! With none, frames are still marked, only without text.

use std::sync::OnceLock;

use ab_glyph::{Font, FontArc, PxScale};
use image::{Rgb, RgbImage};
use imageproc::drawing::{draw_text_mut, text_size};

/// Where Debian's font packages put their files, best first.
const CANDIDATES: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
];

/// Fonts in order of preference, a character falling through to the next that has it.
#[derive(Debug, Clone)]
pub struct Typeface {
    fonts: Vec<FontArc>,
}

impl Typeface {
    pub fn new(fonts: Vec<FontArc>) -> Option<Typeface> {
        (!fonts.is_empty()).then_some(Typeface { fonts })
    }

    /// The text cut into runs, each with the font that draws it.
    fn runs<'t>(&self, text: &'t str) -> Vec<(&FontArc, &'t str)> {
        let mut out: Vec<(&FontArc, &str)> = Vec::new();
        let mut start = 0;
        let mut current: Option<&FontArc> = None;
        for (i, c) in text.char_indices() {
            let f = self
                .fonts
                .iter()
                .find(|f| f.glyph_id(c).0 != 0)
                .unwrap_or(&self.fonts[0]);
            if let Some(cur) = current
                && !std::ptr::eq(cur, f)
            {
                out.push((cur, &text[start..i]));
                start = i;
            }
            current = Some(f);
        }
        if let Some(cur) = current {
            out.push((cur, &text[start..]));
        }
        out
    }

    /// Width and height of `text` at `scale`, pixels.
    pub fn size(&self, scale: PxScale, text: &str) -> (u32, u32) {
        self.runs(text).iter().fold((0, 0), |(w, h), (f, run)| {
            let (rw, rh) = text_size(scale, *f, run);
            (w + rw, h.max(rh))
        })
    }

    /// Draws `text` with its top-left corner at (x, y).
    pub fn draw(
        &self,
        img: &mut RgbImage,
        color: Rgb<u8>,
        x: i32,
        y: i32,
        scale: PxScale,
        text: &str,
    ) {
        let mut x = x;
        for (f, run) in self.runs(text) {
            draw_text_mut(img, color, x, y, scale, f, run);
            x += text_size(scale, f, run).0 as i32;
        }
    }
}

/// The label typeface, looked for once per process.
pub fn label_font() -> Option<&'static Typeface> {
    static FONT: OnceLock<Option<Typeface>> = OnceLock::new();
    FONT.get_or_init(|| {
        let named = std::env::var("RIVERWATCH_FONT").ok();
        let fonts: Vec<FontArc> = named
            .iter()
            .map(String::as_str)
            .chain(CANDIDATES.iter().copied())
            .filter_map(|p| load(&std::fs::read(p).ok()?))
            .collect();
        let found = Typeface::new(fonts);
        if found.is_none() {
            tracing::warn!(
                "no font for snapshot labels (set RIVERWATCH_FONT or install fonts-wqy-microhei); frames are marked without text"
            );
        }
        found
    })
    .as_ref()
}

/// A font from a file's bytes: a single face, or a collection's first.
pub fn load(bytes: &[u8]) -> Option<FontArc> {
    let data = bytes.to_vec();
    FontArc::try_from_vec(data.clone()).ok().or_else(|| {
        ab_glyph::FontVec::try_from_vec_and_index(data, 0)
            .ok()
            .map(FontArc::new)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixed_text_falls_through_to_a_font_that_has_each_character() {
        let Some(t) = label_font() else {
            panic!("no label font: install fonts-wqy-microhei or set RIVERWATCH_FONT");
        };
        for run in t.runs("浙湖州货1234 MMSI 413000001") {
            for c in run.1.chars() {
                assert!(t.fonts.iter().any(|f| f.glyph_id(c).0 != 0) == (run.0.glyph_id(c).0 != 0));
            }
        }
        assert!(t.size(PxScale::from(20.0), "MMSI 浙").0 > 40);
    }
}
