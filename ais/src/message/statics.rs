//! Static and voyage data: types 5, 21, 24 (M.1371-5 §3.3, 3.20, 3.23).

use super::layout::layout;
use super::lon_lat_e4_min;
use crate::bits::{BitWriter, Bits};
use crate::error::Reject;
use crate::text::Text;

layout! {
    /// Type 5: class A static and voyage related data (424 bits).
    StaticVoyage {
        ais_version: u8 = u(38, 2),
        imo: u32 = u(40, 30),
        callsign: Text<7> = t(70, 7),
        shipname: Text<20> = t(112, 20),
        shiptype: u8 = u(232, 8),
        to_bow: u16 = u(240, 9),
        to_stern: u16 = u(249, 9),
        to_port: u8 = u(258, 6),
        to_starboard: u8 = u(264, 6),
        epfd: u8 = u(270, 4),
        /// ETA month, 0 = not available.
        month: u8 = u(274, 4),
        day: u8 = u(278, 5),
        /// 24 = not available.
        hour: u8 = u(283, 5),
        /// 60 = not available.
        minute: u8 = u(288, 6),
        /// Maximum present static draught in 1/10 m; 0 = not available.
        draught: u8 = u(294, 8),
        destination: Text<20> = t(302, 20),
        dte: bool = b(422, 1),
    } end 424
}

impl StaticVoyage {
    /// Draught in metres.
    pub fn draught_m(&self) -> Option<f64> {
        (self.draught > 0).then(|| f64::from(self.draught) / 10.0)
    }
    /// Overall length and beam in metres (reference point distances summed).
    pub fn dimensions_m(&self) -> (Option<u16>, Option<u16>) {
        dims(self.to_bow, self.to_stern, self.to_port, self.to_starboard)
    }
}

pub(crate) fn dims(bow: u16, stern: u16, port: u8, starboard: u8) -> (Option<u16>, Option<u16>) {
    let length = bow + stern;
    let beam = u16::from(port) + u16::from(starboard);
    ((length > 0).then_some(length), (beam > 0).then_some(beam))
}

layout! {
    /// The fixed part of type 21 (272 bits); the name extension follows.
    AtonFixed {
        aid_type: u8 = u(38, 5),
        name: Text<20> = t(43, 20),
        accuracy: bool = b(163, 1),
        lon: i32 = i(164, 28),
        lat: i32 = i(192, 27),
        to_bow: u16 = u(219, 9),
        to_stern: u16 = u(228, 9),
        to_port: u8 = u(237, 6),
        to_starboard: u8 = u(243, 6),
        epfd: u8 = u(249, 4),
        second: u8 = u(253, 6),
        off_position: bool = b(259, 1),
        regional: u8 = u(260, 8),
        raim: bool = b(268, 1),
        virtual_aid: bool = b(269, 1),
        assigned: bool = b(270, 1),
    } end 272
}

/// Type 21: aid-to-navigation report. `name` includes the extension (up to 34 chars).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AidToNavigation {
    pub aid_type: u8,
    pub name: Text<34>,
    pub accuracy: bool,
    pub lon: i32,
    pub lat: i32,
    pub to_bow: u16,
    pub to_stern: u16,
    pub to_port: u8,
    pub to_starboard: u8,
    pub epfd: u8,
    pub second: u8,
    pub off_position: bool,
    pub regional: u8,
    pub raim: bool,
    pub virtual_aid: bool,
    pub assigned: bool,
}

impl AidToNavigation {
    pub(crate) fn decode(b: &Bits) -> Self {
        let f = AtonFixed::decode_bits(b, 0);
        let mut name = Text::<34>::from(f.name.as_str());
        // The extension only counts when the 20-character name is full.
        if f.name.len() == 20 && b.len() >= 278 {
            let ext_chars = (b.len() - 272) / 6;
            let ext: Text<14> = b.text_inline(272, ext_chars.min(14));
            name.push_str(&ext);
        }
        AidToNavigation {
            aid_type: f.aid_type,
            name,
            accuracy: f.accuracy,
            lon: f.lon,
            lat: f.lat,
            to_bow: f.to_bow,
            to_stern: f.to_stern,
            to_port: f.to_port,
            to_starboard: f.to_starboard,
            epfd: f.epfd,
            second: f.second,
            off_position: f.off_position,
            regional: f.regional,
            raim: f.raim,
            virtual_aid: f.virtual_aid,
            assigned: f.assigned,
        }
    }

    pub(crate) fn encode(&self, w: &mut BitWriter) {
        let (head, ext) = split_chars(&self.name, 20);
        AtonFixed {
            aid_type: self.aid_type,
            name: head.into(),
            accuracy: self.accuracy,
            lon: self.lon,
            lat: self.lat,
            to_bow: self.to_bow,
            to_stern: self.to_stern,
            to_port: self.to_port,
            to_starboard: self.to_starboard,
            epfd: self.epfd,
            second: self.second,
            off_position: self.off_position,
            regional: self.regional,
            raim: self.raim,
            virtual_aid: self.virtual_aid,
            assigned: self.assigned,
        }
        .encode_bits(w, 0);
        if !ext.is_empty() {
            let n = ext.len().min(14);
            w.text(ext, n);
        }
    }

    pub fn position(&self) -> Option<(f64, f64)> {
        lon_lat_e4_min(self.lon, self.lat)
    }
}

fn split_chars(s: &str, n: usize) -> (&str, &str) {
    match s.char_indices().nth(n) {
        Some((k, _)) => s.split_at(k),
        None => (s, ""),
    }
}

/// Type 24: static data report, part A (name) or part B (type, vendor, call sign,
/// dimensions or mother ship).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StaticDataReport {
    PartA { shipname: Text<20> },
    PartB(StaticDataB),
}

/// Type 24 part B. Auxiliary craft (MMSI 98xxxyyyy) send the mother ship's MMSI where
/// others send dimensions.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct StaticDataB {
    pub shiptype: u8,
    pub vendorid: Text<3>,
    pub model: u8,
    pub serial: u32,
    pub callsign: Text<7>,
    pub to_bow: u16,
    pub to_stern: u16,
    pub to_port: u8,
    pub to_starboard: u8,
    pub mothership_mmsi: Option<u32>,
}

/// Auxiliary craft associated with a parent ship: MMSI 98MIDxxxx (M.585 annex 2).
pub fn is_auxiliary(mmsi: u32) -> bool {
    mmsi / 10_000_000 == 98
}

impl StaticDataReport {
    pub(crate) fn decode(b: &Bits, mmsi: u32) -> Result<Self, Reject> {
        match b.u(38, 2) {
            0 => Ok(StaticDataReport::PartA {
                shipname: b.text_inline(40, 20),
            }),
            1 => {
                if b.len() < 162 {
                    return Err(Reject::TruncatedPayload);
                }
                let aux = is_auxiliary(mmsi);
                Ok(StaticDataReport::PartB(StaticDataB {
                    shiptype: b.u(40, 8) as u8,
                    vendorid: b.text_inline(48, 3),
                    model: b.u(66, 4) as u8,
                    serial: b.u(70, 20) as u32,
                    callsign: b.text_inline(90, 7),
                    to_bow: if aux { 0 } else { b.u(132, 9) as u16 },
                    to_stern: if aux { 0 } else { b.u(141, 9) as u16 },
                    to_port: if aux { 0 } else { b.u(150, 6) as u8 },
                    to_starboard: if aux { 0 } else { b.u(156, 6) as u8 },
                    mothership_mmsi: aux.then(|| b.u(132, 30) as u32),
                }))
            }
            // Parts C and D are not defined.
            _ => Err(Reject::UnknownMessageType),
        }
    }

    pub(crate) fn encode(&self, w: &mut BitWriter) {
        match self {
            StaticDataReport::PartA { shipname } => {
                w.u(0, 2).text(shipname, 20).pad_to(160);
            }
            StaticDataReport::PartB(p) => {
                w.u(1, 2).u(u64::from(p.shiptype), 8).text(&p.vendorid, 3);
                w.u(u64::from(p.model), 4)
                    .u(u64::from(p.serial), 20)
                    .text(&p.callsign, 7);
                match p.mothership_mmsi {
                    Some(m) => w.u(u64::from(m), 30),
                    None => w
                        .u(u64::from(p.to_bow), 9)
                        .u(u64::from(p.to_stern), 9)
                        .u(u64::from(p.to_port), 6)
                        .u(u64::from(p.to_starboard), 6),
                };
                w.pad_to(168);
            }
        }
    }
}
