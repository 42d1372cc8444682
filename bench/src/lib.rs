//! The decoders under comparison, each behind one function with the same shape: decode
//! every line of an in-memory log and return how many messages came out.

use std::path::{Path, PathBuf};

/// The shared corpora folder beside the repository.
pub fn corpora() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    [
        here.join("../../shared/corpora"),
        here.join("../shared/corpora"),
    ]
    .into_iter()
    .find(|p| p.is_dir())
    .unwrap_or_else(|| here.join("../../shared/corpora"))
}

/// Real AIS lines from the corpora (sentences only: no comments, no GNSS, no headers),
/// repeated until there are at least `min` of them.
pub fn corpus_lines(min: usize, positions_only: bool) -> Vec<Vec<u8>> {
    let mut base = Vec::new();
    let files = [
        "dma-aislib/stream_example.txt",
        "dma-aislib/decode_encode_messages.txt",
        "dma-aislib/ais250.txt",
        "gpsd/ais-nmea-type6-fid55.log",
        "noaadata/test.ais",
        "gpsd/sample.aivdm",
    ];
    for f in files {
        let Ok(text) = std::fs::read(corpora().join(f)) else {
            continue;
        };
        for line in text.split(|&c| c == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let Some(start) = line.iter().position(|&c| c == b'!') else {
                continue;
            };
            let s = &line[start..];
            if !(s.len() > 15 && (&s[3..7] == b"VDM," || &s[3..7] == b"VDO,")) {
                continue;
            }
            if positions_only {
                let single = s.get(7..14) == Some(b"1,1,,A,") || s.get(7..14) == Some(b"1,1,,B,");
                if !(single && matches!(s.get(14), Some(b'1' | b'2' | b'3'))) {
                    continue;
                }
            }
            base.push(s.to_vec());
        }
    }
    assert!(
        !base.is_empty(),
        "no AIS lines found under {}",
        corpora().display()
    );
    let mut out = Vec::with_capacity(min + base.len());
    while out.len() < min {
        out.extend(base.iter().cloned());
    }
    out
}

/// riverwatch's decoder: framing, reassembly, full decode of every message.
pub fn riverwatch(lines: &[Vec<u8>]) -> usize {
    let mut d = ais::Decoder::default();
    let mut n = 0;
    for l in lines {
        d.decode_line(l, &mut |o| {
            if let ais::Output::Ais(m) = o {
                n += 1;
                std::hint::black_box(&m);
            }
        });
    }
    n
}

/// The `ais` crate (0.12), with decoding on.
pub fn ais_crate(lines: &[Vec<u8>]) -> usize {
    let mut p = ais_peer::AisParser::new();
    let mut n = 0;
    for l in lines {
        if let Ok(ais_peer::AisFragments::Complete(s)) = p.parse(l, true) {
            if s.message.is_some() {
                n += 1;
            }
            std::hint::black_box(&s);
        }
    }
    n
}

/// The `nmea-parser` crate (0.11).
pub fn nmea_parser(lines: &[Vec<u8>]) -> usize {
    let mut p = nmea_parser::NmeaParser::new();
    let mut n = 0;
    for l in lines {
        let Ok(s) = std::str::from_utf8(l) else {
            continue;
        };
        if let Ok(m) = p.parse_sentence(s) {
            if !matches!(m, nmea_parser::ParsedMessage::Incomplete) {
                n += 1;
            }
            std::hint::black_box(&m);
        }
    }
    n
}
