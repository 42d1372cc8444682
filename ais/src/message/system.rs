//! Link management, safety text and DGNSS: types 7/13, 10, 12, 14, 15, 16, 17, 20, 22, 23
//! (M.1371-5 §3.5, 3.9-3.16, 3.19, 3.21, 3.22).

use super::layout::layout;
use super::{BinaryData, lon_lat_e1_min};
use crate::bits::{BitWriter, Bits};

/// Types 7 and 13: acknowledgements of up to four addressed messages.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Acknowledge {
    /// (destination MMSI, sequence number) pairs, 1 to 4.
    pub acks: Vec<(u32, u8)>,
}

impl Acknowledge {
    pub(crate) fn decode(b: &Bits) -> Self {
        // A short last block (some senders drop its sequence bits) still names a station.
        let n = (b.len().saturating_sub(40)).div_ceil(32).clamp(1, 4);
        let acks = (0..n)
            .map(|k| (b.u(40 + 32 * k, 30) as u32, b.u(70 + 32 * k, 2) as u8))
            .collect();
        Acknowledge { acks }
    }

    pub(crate) fn encode(&self, w: &mut BitWriter) {
        w.u(0, 2);
        for &(mmsi, seq) in self.acks.iter().take(4) {
            w.u(u64::from(mmsi), 30).u(u64::from(seq), 2);
        }
    }
}

layout! {
    /// Type 10: UTC and date inquiry (72 bits).
    UtcInquiry {
        dest_mmsi: u32 = u(40, 30),
    } end 72
}

/// Type 12: addressed safety-related message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AddressedSafety {
    pub seqno: u8,
    pub dest_mmsi: u32,
    pub retransmit: bool,
    pub text: String,
}

impl AddressedSafety {
    pub(crate) fn decode(b: &Bits) -> Self {
        AddressedSafety {
            seqno: b.u(38, 2) as u8,
            dest_mmsi: b.u(40, 30) as u32,
            retransmit: b.flag(70),
            text: b.text(72, (b.len().saturating_sub(72) / 6).min(156)),
        }
    }

    pub(crate) fn encode(&self, w: &mut BitWriter) {
        w.u(u64::from(self.seqno), 2)
            .u(u64::from(self.dest_mmsi), 30)
            .flag(self.retransmit);
        w.pad_to(72).text(&self.text, self.text.len().min(156));
    }
}

/// Type 14: safety-related broadcast message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SafetyBroadcast {
    pub text: String,
}

impl SafetyBroadcast {
    pub(crate) fn decode(b: &Bits) -> Self {
        SafetyBroadcast {
            text: b.text(40, (b.len().saturating_sub(40) / 6).min(161)),
        }
    }

    pub(crate) fn encode(&self, w: &mut BitWriter) {
        w.pad_to(40).text(&self.text, self.text.len().min(161));
    }
}

/// Type 15: interrogation of one or two stations for up to three messages.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Interrogation {
    pub mmsi1: u32,
    pub type1_1: u8,
    pub offset1_1: u16,
    /// Second request to the first station (present from 110 bits).
    pub type1_2: Option<(u8, u16)>,
    /// Request to a second station (present from 160 bits).
    pub mmsi2: Option<(u32, u8, u16)>,
}

impl Interrogation {
    pub(crate) fn decode(b: &Bits) -> Self {
        Interrogation {
            mmsi1: b.u(40, 30) as u32,
            type1_1: b.u(70, 6) as u8,
            offset1_1: b.u(76, 12) as u16,
            // Senders cut these short; like gpsd, read whatever part was sent.
            type1_2: (b.len() > 90).then(|| (b.u(90, 6) as u8, b.u(96, 12) as u16)),
            mmsi2: (b.len() > 110)
                .then(|| (b.u(110, 30) as u32, b.u(140, 6) as u8, b.u(146, 12) as u16)),
        }
    }

    pub(crate) fn encode(&self, w: &mut BitWriter) {
        w.pad_to(40)
            .u(u64::from(self.mmsi1), 30)
            .u(u64::from(self.type1_1), 6);
        w.u(u64::from(self.offset1_1), 12).pad_to(88);
        if self.type1_2.is_some() || self.mmsi2.is_some() {
            let (t, o) = self.type1_2.unwrap_or_default();
            w.pad_to(90)
                .u(u64::from(t), 6)
                .u(u64::from(o), 12)
                .pad_to(110);
        }
        if let Some((m, t, o)) = self.mmsi2 {
            w.u(u64::from(m), 30)
                .u(u64::from(t), 6)
                .u(u64::from(o), 12)
                .pad_to(160);
        }
    }
}

/// Type 16: assigned mode command for one or two stations.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AssignedMode {
    pub mmsi1: u32,
    pub offset1: u16,
    pub increment1: u16,
    pub second: Option<(u32, u16, u16)>,
}

impl AssignedMode {
    pub(crate) fn decode(b: &Bits) -> Self {
        AssignedMode {
            mmsi1: b.u(40, 30) as u32,
            offset1: b.u(70, 12) as u16,
            increment1: b.u(82, 10) as u16,
            second: (b.len() >= 144)
                .then(|| (b.u(92, 30) as u32, b.u(122, 12) as u16, b.u(134, 10) as u16)),
        }
    }

    pub(crate) fn encode(&self, w: &mut BitWriter) {
        w.pad_to(40)
            .u(u64::from(self.mmsi1), 30)
            .u(u64::from(self.offset1), 12);
        w.u(u64::from(self.increment1), 10);
        match self.second {
            Some((m, o, i)) => {
                w.u(u64::from(m), 30)
                    .u(u64::from(o), 12)
                    .u(u64::from(i), 10);
            }
            None => {
                w.pad_to(96);
            }
        }
    }
}

/// Type 17: GNSS broadcast binary message (DGNSS corrections).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct DgnssBroadcast {
    /// Reference station longitude in 1/10 min (18 bits), not minutes.
    pub lon: i32,
    /// Reference station latitude in 1/10 min (17 bits).
    pub lat: i32,
    pub data: BinaryData,
}

impl DgnssBroadcast {
    pub(crate) fn decode(b: &Bits) -> Self {
        DgnssBroadcast {
            lon: b.i(40, 18) as i32,
            lat: b.i(58, 17) as i32,
            data: BinaryData {
                bits: b.len() - 80,
                bytes: b.bytes(80, b.len() - 80),
            },
        }
    }

    pub(crate) fn encode(&self, w: &mut BitWriter) {
        w.pad_to(40)
            .i(i64::from(self.lon), 18)
            .i(i64::from(self.lat), 17)
            .pad_to(80);
        w.bytes(&self.data.bytes, self.data.bits);
    }

    pub fn position(&self) -> Option<(f64, f64)> {
        lon_lat_e1_min(self.lon, self.lat)
    }
}

/// One reservation block of type 20.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SlotReservation {
    pub offset: u16,
    pub number: u8,
    pub timeout: u8,
    pub increment: u16,
}

/// Type 20: data link management, 1 to 4 reservations.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct DataLinkManagement {
    pub reservations: Vec<SlotReservation>,
}

impl DataLinkManagement {
    pub(crate) fn decode(b: &Bits) -> Self {
        // A block counts when its slot offset arrived whole (some senders cut the rest).
        let n = (0..4)
            .take_while(|k| 40 + 30 * k + 12 <= b.len())
            .count()
            .max(1);
        let reservations = (0..n)
            .map(|k| {
                let p = 40 + 30 * k;
                SlotReservation {
                    offset: b.u(p, 12) as u16,
                    number: b.u(p + 12, 4) as u8,
                    timeout: b.u(p + 16, 3) as u8,
                    increment: b.u(p + 19, 11) as u16,
                }
            })
            .collect();
        DataLinkManagement { reservations }
    }

    pub(crate) fn encode(&self, w: &mut BitWriter) {
        w.pad_to(40);
        for r in self.reservations.iter().take(4) {
            w.u(u64::from(r.offset), 12).u(u64::from(r.number), 4);
            w.u(u64::from(r.timeout), 3).u(u64::from(r.increment), 11);
        }
        let len = w.len();
        w.pad_to(len.div_ceil(8) * 8);
    }
}

/// Type 22: channel management, for an area or for two addressed stations.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ChannelManagement {
    pub channel_a: u16,
    pub channel_b: u16,
    pub txrx: u8,
    pub power: bool,
    /// Area corners in 1/10 min (ne_lon, ne_lat, sw_lon, sw_lat) when broadcast.
    pub area: Option<(i32, i32, i32, i32)>,
    /// Addressed stations when addressed.
    pub dest: Option<(u32, u32)>,
    pub band_a: bool,
    pub band_b: bool,
    pub zonesize: u8,
}

impl ChannelManagement {
    pub(crate) fn decode(b: &Bits, _mmsi: u32) -> Self {
        let addressed = b.flag(139);
        ChannelManagement {
            channel_a: b.u(40, 12) as u16,
            channel_b: b.u(52, 12) as u16,
            txrx: b.u(64, 4) as u8,
            power: b.flag(68),
            area: (!addressed).then(|| {
                (
                    b.i(69, 18) as i32,
                    b.i(87, 17) as i32,
                    b.i(104, 18) as i32,
                    b.i(122, 17) as i32,
                )
            }),
            dest: addressed.then(|| (b.u(69, 30) as u32, b.u(104, 30) as u32)),
            band_a: b.flag(140),
            band_b: b.flag(141),
            zonesize: b.u(142, 3) as u8,
        }
    }

    pub(crate) fn encode(&self, w: &mut BitWriter) {
        w.pad_to(40)
            .u(u64::from(self.channel_a), 12)
            .u(u64::from(self.channel_b), 12);
        w.u(u64::from(self.txrx), 4).flag(self.power);
        match (self.dest, self.area) {
            (Some((d1, d2)), _) => {
                w.u(u64::from(d1), 30)
                    .pad_to(104)
                    .u(u64::from(d2), 30)
                    .pad_to(139)
                    .flag(true);
            }
            (None, area) => {
                let (a, b, c, d) = area.unwrap_or_default();
                w.i(i64::from(a), 18)
                    .i(i64::from(b), 17)
                    .i(i64::from(c), 18)
                    .i(i64::from(d), 17);
                w.flag(false);
            }
        }
        w.flag(self.band_a)
            .flag(self.band_b)
            .u(u64::from(self.zonesize), 3)
            .pad_to(168);
    }
}

layout! {
    /// Type 23: group assignment command (160 bits), corners in 1/10 min.
    GroupAssignment {
        ne_lon: i32 = i(40, 18),
        ne_lat: i32 = i(58, 17),
        sw_lon: i32 = i(75, 18),
        sw_lat: i32 = i(93, 17),
        station_type: u8 = u(110, 4),
        ship_type: u8 = u(114, 8),
        txrx: u8 = u(144, 2),
        interval: u8 = u(146, 4),
        quiet: u8 = u(150, 4),
    } end 160
}
