//! What an image must be before it is taken as evidence: a JPEG or PNG, whole, within the
//! size limits, decodable. Dimensions are read from the header before anything is
//! decoded, so a "decompression bomb" (a tiny file claiming 50 000 x 50 000 pixels) is
//! refused without allocating its pixels; a file cut short is refused by its missing end
//! marker (decoders fill a truncated JPEG with grey rather than fail).

use std::io::Cursor;

use image::{ImageFormat, ImageReader};

/// The limits an image is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: usize,
    pub max_width: u32,
    pub max_height: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 16 * 1024 * 1024,
            max_width: 8192,
            max_height: 8192,
        }
    }
}

/// Why an image was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejected {
    #[error("{bytes} bytes; at most {max}")]
    TooLarge { bytes: usize, max: usize },
    #[error("not an image")]
    NotAnImage,
    #[error("{0} images are not taken; JPEG or PNG")]
    Unsupported(String),
    #[error("{width} x {height} pixels; at most {max_width} x {max_height}")]
    TooManyPixels {
        width: u32,
        height: u32,
        max_width: u32,
        max_height: u32,
    },
    #[error("the image is cut short (no end marker)")]
    Truncated,
    #[error("the image does not decode: {0}")]
    Corrupt(String),
}

impl Rejected {
    /// A stable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            Rejected::TooLarge { .. } => "too_large",
            Rejected::NotAnImage => "not_an_image",
            Rejected::Unsupported(_) => "unsupported_image",
            Rejected::TooManyPixels { .. } => "too_many_pixels",
            Rejected::Truncated => "truncated_image",
            Rejected::Corrupt(_) => "corrupt_image",
        }
    }
}

/// An image that passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    pub width: u32,
    pub height: u32,
    /// `jpeg` or `png`.
    pub format: &'static str,
}

/// Whether the file ends as its format says a whole file ends (a little padding after the
/// marker is allowed: some cameras send it).
fn complete(bytes: &[u8], format: ImageFormat) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(64)..];
    let marker: &[u8] = match format {
        ImageFormat::Jpeg => &[0xFF, 0xD9],
        _ => b"IEND",
    };
    tail.windows(marker.len()).any(|w| w == marker)
}

/// Checks an uploaded or fetched image; decodes it once, so it is CPU work (run it off
/// the async threads).
pub fn check(bytes: &[u8], limits: &Limits) -> Result<Checked, Rejected> {
    if bytes.len() > limits.max_bytes {
        return Err(Rejected::TooLarge {
            bytes: bytes.len(),
            max: limits.max_bytes,
        });
    }
    let format = image::guess_format(bytes).map_err(|_| Rejected::NotAnImage)?;
    let name = match format {
        ImageFormat::Jpeg => "jpeg",
        ImageFormat::Png => "png",
        other => return Err(Rejected::Unsupported(format!("{other:?}"))),
    };
    let reader = || ImageReader::with_format(Cursor::new(bytes), format);
    // The header alone, without the decoder's allocation limits (they would refuse the
    // size before it could be reported as such).
    let mut header = reader();
    header.no_limits();
    let (width, height) = header
        .into_dimensions()
        .map_err(|e| Rejected::Corrupt(e.to_string()))?;
    if width > limits.max_width || height > limits.max_height || width == 0 || height == 0 {
        return Err(Rejected::TooManyPixels {
            width,
            height,
            max_width: limits.max_width,
            max_height: limits.max_height,
        });
    }
    if !complete(bytes, format) {
        return Err(Rejected::Truncated);
    }
    let mut r = reader();
    let mut l = image::Limits::default();
    l.max_image_width = Some(limits.max_width);
    l.max_image_height = Some(limits.max_height);
    // RGBA at the largest size allowed, and no more.
    l.max_alloc = Some(u64::from(limits.max_width) * u64::from(limits.max_height) * 4);
    r.limits(l);
    r.decode().map_err(|e| Rejected::Corrupt(e.to_string()))?;
    Ok(Checked {
        width,
        height,
        format: name,
    })
}

/// When the image was taken, from its EXIF `DateTimeOriginal` (else `DateTime`), ms since
/// the UNIX epoch: with the EXIF offset when the image states one, else the camera's
/// `default_offset_min`. `None` when there is no such time or it is not a real date.
pub fn exif_time(bytes: &[u8], default_offset_min: i16) -> Option<i64> {
    use exif::{In, Tag, Value};
    let e = exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .ok()?;
    let (time_tag, offset_tag) = if e.get_field(Tag::DateTimeOriginal, In::PRIMARY).is_some() {
        (Tag::DateTimeOriginal, Tag::OffsetTimeOriginal)
    } else {
        (Tag::DateTime, Tag::OffsetTime)
    };
    let ascii = |tag| match &e.get_field(tag, In::PRIMARY)?.value {
        Value::Ascii(v) => v.first().cloned(),
        _ => None,
    };
    let mut dt = exif::DateTime::from_ascii(&ascii(time_tag)?).ok()?;
    if let Some(off) = ascii(offset_tag) {
        let _ = dt.parse_offset(&off);
    }
    let offset_min = i64::from(dt.offset.unwrap_or(default_offset_min));
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::from(dt.year),
        u32::from(dt.month),
        u32::from(dt.day),
    )?;
    let local = date.and_hms_opt(
        u32::from(dt.hour),
        u32::from(dt.minute),
        u32::from(dt.second),
    )?;
    Some(local.and_utc().timestamp_millis() - offset_min * 60_000)
}

/// For test suites: images with known EXIF.
#[doc(hidden)]
pub mod testing {
    use std::io::Cursor;

    use image::ImageFormat;

    /// A JPEG with an EXIF segment holding `time` (and `offset`, when given).
    pub fn jpeg_with_exif(time: &str, offset: Option<&str>) -> Vec<u8> {
        use exif::{Field, In, Tag, Value};
        let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut plain = Cursor::new(Vec::new());
        img.write_to(&mut plain, ImageFormat::Jpeg).expect("encode");
        let plain = plain.into_inner();
        let mut fields = vec![Field {
            tag: Tag::DateTimeOriginal,
            ifd_num: In::PRIMARY,
            value: Value::Ascii(vec![time.as_bytes().to_vec()]),
        }];
        if let Some(o) = offset {
            fields.push(Field {
                tag: Tag::OffsetTimeOriginal,
                ifd_num: In::PRIMARY,
                value: Value::Ascii(vec![o.as_bytes().to_vec()]),
            });
        }
        let mut w = exif::experimental::Writer::new();
        for f in &fields {
            w.push_field(f);
        }
        let mut tiff = Cursor::new(Vec::new());
        w.write(&mut tiff, false).expect("exif");
        let tiff = tiff.into_inner();
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend(((tiff.len() + 8) as u16).to_be_bytes());
        out.extend(b"Exif\0\0");
        out.extend(tiff);
        out.extend(&plain[2..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Jpeg).expect("encode");
        out.into_inner()
    }

    fn chunk(v: &mut Vec<u8>, kind: &[u8], data: &[u8]) {
        let mut body = kind.to_vec();
        body.extend(data);
        v.extend((data.len() as u32).to_be_bytes());
        v.extend(&body);
        v.extend(crc32(&body).to_be_bytes());
    }

    /// A PNG that claims `w` x `h` pixels over a few bytes of compressed data.
    fn png_claiming(w: u32, h: u32) -> Vec<u8> {
        let mut v = png_header(w, h);
        chunk(
            &mut v,
            b"IDAT",
            &[0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
        );
        chunk(&mut v, b"IEND", &[]);
        v
    }

    /// A PNG header (signature and IHDR) that claims `w` x `h` pixels, and nothing else.
    fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut v = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
        let mut ihdr = b"IHDR".to_vec();
        ihdr.extend(w.to_be_bytes());
        ihdr.extend(h.to_be_bytes());
        ihdr.extend([8, 2, 0, 0, 0]);
        v.extend(13u32.to_be_bytes());
        v.extend(&ihdr);
        v.extend(crc32(&ihdr).to_be_bytes());
        v
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for &b in data {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }

    #[test]
    fn a_whole_jpeg_passes() {
        let j = jpeg(640, 360);
        assert_eq!(
            check(&j, &Limits::default()),
            Ok(Checked {
                width: 640,
                height: 360,
                format: "jpeg"
            })
        );
    }

    #[test]
    fn bad_images_are_refused_each_with_its_reason() {
        let l = Limits::default();
        let code = |b: &[u8]| check(b, &l).map_err(|e| e.code());
        assert_eq!(code(b"GET / HTTP/1.1\r\n\r\n"), Err("not_an_image"));
        assert_eq!(code(b""), Err("not_an_image"));
        let j = jpeg(640, 360);
        assert_eq!(code(&j[..j.len() / 2]), Err("truncated_image"));
        // A decompression bomb: 50 000 x 50 000 (7.5 GB of pixels) claimed in 78 bytes.
        let bomb = png_claiming(50_000, 50_000);
        assert!(bomb.len() < 100);
        assert_eq!(code(&bomb), Err("too_many_pixels"));
        // Within the limits, whole, but its data does not make the pixels it claims.
        assert_eq!(code(&png_claiming(100, 100)), Err("corrupt_image"));
        let small = Limits {
            max_bytes: 1000,
            ..l
        };
        assert_eq!(check(&j, &small).map_err(|e| e.code()), Err("too_large"));
        let mut gif = b"GIF89a".to_vec();
        gif.extend([0; 32]);
        assert_eq!(code(&gif), Err("unsupported_image"));
    }
}

#[cfg(test)]
mod exif_tests {
    use super::testing::jpeg_with_exif;
    use super::*;

    #[test]
    fn the_capture_time_comes_from_exif() {
        // 08:00:05 in China (UTC+8) is 00:00:05 UTC.
        let utc = 1_795_132_805_000;
        let stated = jpeg_with_exif("2026:11:20 08:00:05", Some("+08:00"));
        assert_eq!(exif_time(&stated, 0), Some(utc));
        assert!(
            check(&stated, &Limits::default()).is_ok(),
            "still a whole JPEG"
        );
        // No offset in the file: the camera's clock offset applies.
        let local = jpeg_with_exif("2026:11:20 08:00:05", None);
        assert_eq!(exif_time(&local, 480), Some(utc));
        assert_eq!(exif_time(&local, 0), Some(utc + 8 * 3_600_000));
        // No EXIF, a blank time, an impossible date: no time.
        assert_eq!(exif_time(b"\xFF\xD8\xFF\xD9", 0), None);
        assert_eq!(
            exif_time(&jpeg_with_exif("    :  :     :  :  ", None), 0),
            None
        );
        assert_eq!(
            exif_time(&jpeg_with_exif("2026:02:30 08:00:05", None), 0),
            None
        );
    }
}
