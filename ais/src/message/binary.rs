//! Binary messages: 6, 8, 25, 26 (M.1371-5 §3.6, 3.8, 3.24, 3.25), and the inland AIS
//! application messages riverwatch acts on (DAC 200, FI 10 and FI 55).

use super::layout::layout;
use crate::bits::{BitWriter, Bits};
use crate::error::Reject;
use crate::text::Text;

/// Application payload bits, left-aligned in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct BinaryData {
    pub bits: usize,
    pub bytes: Vec<u8>,
}

impl BinaryData {
    fn read(b: &Bits, start: usize, end: usize) -> Self {
        let bits = end.saturating_sub(start);
        BinaryData {
            bits,
            bytes: b.bytes(start, bits),
        }
    }

    fn write(&self, w: &mut BitWriter) {
        w.bytes(&self.bytes, self.bits);
    }

    /// Encodes an application message's fields as binary data.
    pub fn from_application(app: &Application) -> Self {
        let mut w = BitWriter::new();
        match app {
            Application::InlandStaticVoyage(m) => m.encode_bits(&mut w, 0),
            Application::PersonsOnBoard(m) => m.encode_bits(&mut w, 0),
        }
        let bits = w.len();
        let (payload, fill) = w.finish();
        match Bits::from_payload(payload.as_bytes(), fill) {
            Ok(b) => BinaryData {
                bits,
                bytes: b.bytes(0, bits),
            },
            Err(_) => BinaryData::default(),
        }
    }
}

layout! {
    /// Inland AIS FI 10: inland ship static and voyage related data (DAC 200).
    ///
    /// Layout per the Inland AIS Test Standard / ECE Vessel Tracking and Tracing Standard
    /// (edition 3, §2.4.1 "Inland specific message: inland ship static and voyage
    /// related data", table 2.4): draught in 1/100 m (1-2000, 0 = unknown); loaded
    /// 1 = loaded, 2 = unloaded, 0 = not available, 3 = not used.
    InlandStaticVoyage {
        /// European Number of Identification, 8 six-bit characters.
        vin: Text<8> = t(0, 8),
        /// Length in 1/10 m, 0 = not available.
        length: u16 = u(48, 13),
        /// Beam in 1/10 m, 0 = not available.
        beam: u16 = u(61, 10),
        /// ERI ship or combination type (ERI classification).
        shiptype: u16 = u(71, 14),
        /// Hazardous cargo: 0-3 blue cones, 4 B-flag, 5 unknown.
        hazard: u8 = u(85, 3),
        /// Draught in 1/100 m, 0 = unknown.
        draught: u16 = u(88, 11),
        loaded: u8 = u(99, 2),
        speed_q: bool = b(101, 1),
        course_q: bool = b(102, 1),
        heading_q: bool = b(103, 1),
    } end 112
}

impl InlandStaticVoyage {
    pub fn draught_m(&self) -> Option<f64> {
        (self.draught > 0).then(|| f64::from(self.draught) / 100.0)
    }
    /// `Some(true)` laden, `Some(false)` unladen, `None` not available.
    pub fn is_loaded(&self) -> Option<bool> {
        match self.loaded {
            1 => Some(true),
            2 => Some(false),
            _ => None,
        }
    }
}

layout! {
    /// Inland AIS FI 55: number of persons on board (DAC 200), ECE VTT standard §2.4.6.
    /// Crew and personnel 0-254 (255 unknown), passengers 0-8190 (8191 unknown).
    PersonsOnBoard {
        crew: u8 = u(0, 8),
        passengers: u16 = u(8, 13),
        personnel: u8 = u(21, 8),
    } end 80
}

impl PersonsOnBoard {
    /// Crew + passengers + shipboard personnel, counting only known figures;
    /// `None` when none is known.
    pub fn total(&self) -> Option<u32> {
        let parts = [
            (self.crew != 255).then_some(u32::from(self.crew)),
            (self.passengers != 8191).then_some(u32::from(self.passengers)),
            (self.personnel != 255).then_some(u32::from(self.personnel)),
        ];
        parts
            .iter()
            .any(Option::is_some)
            .then(|| parts.iter().flatten().sum())
    }
}

/// Application messages decoded from binary data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Application {
    InlandStaticVoyage(InlandStaticVoyage),
    PersonsOnBoard(PersonsOnBoard),
}

fn application(dac: u16, fid: u8, b: &Bits, start: usize) -> Option<Application> {
    let have = b.len().saturating_sub(start);
    match (dac, fid) {
        // Accept FI 10 without its trailing quality flags and spare.
        (200, 10) if have >= 101 => Some(Application::InlandStaticVoyage(
            InlandStaticVoyage::decode_bits(b, start),
        )),
        (200, 55) if have >= 29 => Some(Application::PersonsOnBoard(PersonsOnBoard::decode_bits(
            b, start,
        ))),
        _ => None,
    }
}

/// Type 6: addressed binary message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AddressedBinary {
    pub seqno: u8,
    pub dest_mmsi: u32,
    pub retransmit: bool,
    pub dac: u16,
    pub fid: u8,
    pub data: BinaryData,
    pub app: Option<Application>,
}

impl AddressedBinary {
    pub(crate) fn decode(b: &Bits) -> Self {
        let (dac, fid) = (b.u(72, 10) as u16, b.u(82, 6) as u8);
        AddressedBinary {
            seqno: b.u(38, 2) as u8,
            dest_mmsi: b.u(40, 30) as u32,
            retransmit: b.flag(70),
            dac,
            fid,
            data: BinaryData::read(b, 88, b.len()),
            app: application(dac, fid, b, 88),
        }
    }

    pub(crate) fn encode(&self, w: &mut BitWriter) {
        w.u(u64::from(self.seqno), 2)
            .u(u64::from(self.dest_mmsi), 30)
            .flag(self.retransmit);
        w.pad_to(72)
            .u(u64::from(self.dac), 10)
            .u(u64::from(self.fid), 6);
        self.data.write(w);
    }
}

/// Type 8: broadcast binary message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct BroadcastBinary {
    pub dac: u16,
    pub fid: u8,
    pub data: BinaryData,
    pub app: Option<Application>,
}

impl BroadcastBinary {
    pub(crate) fn decode(b: &Bits) -> Self {
        let (dac, fid) = (b.u(40, 10) as u16, b.u(50, 6) as u8);
        BroadcastBinary {
            dac,
            fid,
            data: BinaryData::read(b, 56, b.len()),
            app: application(dac, fid, b, 56),
        }
    }

    pub(crate) fn encode(&self, w: &mut BitWriter) {
        w.pad_to(40)
            .u(u64::from(self.dac), 10)
            .u(u64::from(self.fid), 6);
        self.data.write(w);
    }
}

/// Type 25: single slot binary message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct SingleSlotBinary {
    pub addressed: bool,
    pub structured: bool,
    pub dest_mmsi: Option<u32>,
    /// Application identifier (DAC, FI) when structured.
    pub app_id: Option<(u16, u8)>,
    pub data: BinaryData,
}

/// The header of types 25 and 26: flags, destination and application id, and where
/// the data starts.
struct BinaryHeader {
    addressed: bool,
    structured: bool,
    dest_mmsi: Option<u32>,
    app_id: Option<(u16, u8)>,
    data_start: usize,
}

fn binary_header(b: &Bits) -> Result<BinaryHeader, Reject> {
    let addressed = b.flag(38);
    let structured = b.flag(39);
    let mut p = 40;
    // No spare bits after the destination: gpsd and libais read the application id
    // straight after it, and real type 25/26 traffic decodes that way.
    let dest_mmsi = if addressed {
        p += 30;
        Some(b.u(40, 30) as u32)
    } else {
        None
    };
    let app_id = if structured {
        let id = (b.u(p, 10) as u16, b.u(p + 10, 6) as u8);
        p += 16;
        Some(id)
    } else {
        None
    };
    if b.len() < p {
        return Err(Reject::TruncatedPayload);
    }
    Ok(BinaryHeader {
        addressed,
        structured,
        dest_mmsi,
        app_id,
        data_start: p,
    })
}

fn write_binary_header(
    w: &mut BitWriter,
    addressed: bool,
    structured: bool,
    dest: Option<u32>,
    app_id: Option<(u16, u8)>,
) {
    w.flag(addressed).flag(structured);
    if addressed {
        w.u(u64::from(dest.unwrap_or(0)), 30);
    }
    if structured {
        let (dac, fid) = app_id.unwrap_or((0, 0));
        w.u(u64::from(dac), 10).u(u64::from(fid), 6);
    }
}

impl SingleSlotBinary {
    pub(crate) fn decode(b: &Bits) -> Result<Self, Reject> {
        let h = binary_header(b)?;
        Ok(SingleSlotBinary {
            addressed: h.addressed,
            structured: h.structured,
            dest_mmsi: h.dest_mmsi,
            app_id: h.app_id,
            data: BinaryData::read(b, h.data_start, b.len()),
        })
    }

    pub(crate) fn encode(&self, w: &mut BitWriter) {
        write_binary_header(
            w,
            self.addressed,
            self.structured,
            self.dest_mmsi,
            self.app_id,
        );
        self.data.write(w);
    }
}

/// Type 26: multiple slot binary message with communication state.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct MultiSlotBinary {
    pub addressed: bool,
    pub structured: bool,
    pub dest_mmsi: Option<u32>,
    pub app_id: Option<(u16, u8)>,
    pub data: BinaryData,
    /// Communication state selector flag and state (last 20 bits).
    pub radio: u32,
}

impl MultiSlotBinary {
    pub(crate) fn decode(b: &Bits) -> Result<Self, Reject> {
        let h = binary_header(b)?;
        if b.len() < h.data_start + 20 {
            return Err(Reject::TruncatedPayload);
        }
        let end = b.len() - 20;
        Ok(MultiSlotBinary {
            addressed: h.addressed,
            structured: h.structured,
            dest_mmsi: h.dest_mmsi,
            app_id: h.app_id,
            data: BinaryData::read(b, h.data_start, end),
            radio: b.u(end, 20) as u32,
        })
    }

    pub(crate) fn encode(&self, w: &mut BitWriter) {
        write_binary_header(
            w,
            self.addressed,
            self.structured,
            self.dest_mmsi,
            self.app_id,
        );
        self.data.write(w);
        w.u(u64::from(self.radio), 20);
    }
}
