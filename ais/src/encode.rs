//! Writing messages back as NMEA sentences: 6-bit armoring, fragmenting, tag blocks.
//! The simulator and the tests of every later stage write their feeds with this.

use std::fmt::Write as _;

use crate::message::Message;
use crate::sentence::checksum;

/// Payload characters per sentence: keeps a sentence within NMEA's 82 characters.
pub const MAX_PAYLOAD_CHARS: usize = 60;

/// How to frame the sentences.
#[derive(Debug, Clone)]
pub struct EncodeOptions {
    pub talker: [u8; 2],
    /// Write `VDO` (own vessel) instead of `VDM`.
    pub own_vessel: bool,
    pub channel: Option<u8>,
    /// Sequential message id for multi-sentence messages (0-9).
    pub seq_id: u8,
    /// Tag block written before every sentence: `s:` source and `c:` time.
    pub tag: Option<TagOptions>,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions {
            talker: *b"AI",
            own_vessel: false,
            channel: Some(b'A'),
            seq_id: 0,
            tag: None,
        }
    }
}

/// Tag-block fields to write.
#[derive(Debug, Clone, Default)]
pub struct TagOptions {
    pub source: Option<String>,
    /// UNIX time in ms; written in seconds when it is a whole second.
    pub time_ms: Option<i64>,
    /// Write `g:` groups on multi-sentence messages with this group id.
    pub group_id: Option<u32>,
}

/// Encodes a message into one or more sentences (without line endings).
pub fn encode(msg: &Message, opts: &EncodeOptions) -> Vec<String> {
    let (payload, fill) = msg.encode_bits().finish();
    sentences(&payload, fill, opts)
}

/// Frames an armored payload into sentences.
pub fn sentences(payload: &str, fill: u8, opts: &EncodeOptions) -> Vec<String> {
    let chunks: Vec<&str> = if payload.is_empty() {
        vec![""]
    } else {
        payload
            .as_bytes()
            .chunks(MAX_PAYLOAD_CHARS)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect()
    };
    let total = chunks.len();
    let kind = if opts.own_vessel { "VDO" } else { "VDM" };
    let talker = String::from_utf8_lossy(&opts.talker);
    let channel = opts
        .channel
        .map(|c| (c as char).to_string())
        .unwrap_or_default();
    chunks
        .iter()
        .enumerate()
        .map(|(k, chunk)| {
            let num = k + 1;
            let seq = if total > 1 {
                opts.seq_id.min(9).to_string()
            } else {
                String::new()
            };
            let f = if num == total { fill } else { 0 };
            let body = format!("{talker}{kind},{total},{num},{seq},{channel},{chunk},{f}");
            let mut line = String::with_capacity(body.len() + 40);
            if let Some(tag) = &opts.tag {
                line.push_str(&tag_block(tag, (total > 1).then_some((num, total))));
            }
            let _ = write!(line, "!{body}*{:02X}", checksum(body.as_bytes()));
            line
        })
        .collect()
}

/// Writes a tag block `\s:..,c:..,g:..*hh\`.
pub fn tag_block(tag: &TagOptions, part: Option<(usize, usize)>) -> String {
    let mut fields: Vec<String> = Vec::new();
    if let (Some(id), Some((num, total))) = (tag.group_id, part) {
        fields.push(format!("g:{num}-{total}-{id}"));
    }
    if let Some(s) = &tag.source {
        fields.push(format!("s:{s}"));
    }
    if let Some(t) = tag.time_ms {
        if t % 1000 == 0 {
            fields.push(format!("c:{}", t / 1000));
        } else {
            fields.push(format!("c:{t}"));
        }
    }
    let body = fields.join(",");
    format!("\\{body}*{:02X}\\", checksum(body.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decoder::{Decoder, Output};

    #[test]
    fn reencodes_a_real_type5() {
        let lines = [
            "!AIVDM,2,1,9,B,55R3Vn82=ILTQ3KKS>1<D60Dq@E918U<F222221J1`?164vc03S1CCAD,0*2A",
            "!AIVDM,2,2,9,B,`88888888888880,2*76",
        ];
        let decode = |lines: &[&str]| {
            let mut d = Decoder::default();
            let mut got = Vec::new();
            for l in lines {
                d.decode_line(l.as_bytes(), &mut |o| {
                    if let Output::Ais(m) = o {
                        got.push(m.message)
                    }
                });
            }
            got
        };
        let got = decode(&lines);
        assert_eq!(got.len(), 1);
        let again = encode(
            &got[0],
            &EncodeOptions {
                seq_id: 9,
                ..EncodeOptions::default()
            },
        );
        assert_eq!(again.len(), 2);
        // Text is re-padded with '@' rather than the sender's spaces, so compare decodes.
        let again: Vec<&str> = again.iter().map(String::as_str).collect();
        assert_eq!(decode(&again), got);
    }

    #[test]
    fn tag_blocks_round_trip_through_the_decoder() {
        let opts = EncodeOptions {
            tag: Some(TagOptions {
                source: Some("tower-03".into()),
                time_ms: Some(1_763_800_000_000),
                group_id: Some(7),
            }),
            seq_id: 3,
            ..EncodeOptions::default()
        };
        let lines = sentences(&"5".repeat(71), 2, &opts);
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("\\g:1-2-7,s:tower-03,c:1763800000*"));
        let mut d = Decoder::default();
        let mut metas = Vec::new();
        for l in &lines {
            d.decode_line(l.as_bytes(), &mut |o| match o {
                Output::Ais(m) => metas.push((m.meta.station.map(str::to_string), m.meta.time_ms)),
                Output::Reject(r) => panic!("{r}"),
                Output::Gnss(..) => {}
            });
        }
        assert_eq!(
            metas,
            vec![(Some("tower-03".to_string()), Some(1_763_800_000_000))]
        );
    }
}
