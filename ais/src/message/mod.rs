//! AIS messages 1-27 (ITU-R M.1371-5 Annex 8 §3), with inland AIS (DAC 200) FI 10 and 55.
//!
//! Fields hold the values as transmitted (integers in the standard's units), named as
//! gpsd's AIS JSON names them, so decoding, encoding and `gpsdecode -u` output are exact.
//! Scaled physical values, with "not available" as `None`, come from methods
//! (`lon()`, `sog()`, `draught_m()`, ...). Sub-modules hold the layouts by family.

mod binary;
pub(crate) mod layout;
mod position;
mod statics;
mod system;

pub use binary::{
    AddressedBinary, Application, BinaryData, BroadcastBinary, InlandStaticVoyage, MultiSlotBinary,
    PersonsOnBoard, SingleSlotBinary,
};
pub use position::{
    BaseStationReport, ClassBExtended, ClassBPosition, LongRange, PositionReport, SarAircraft,
};
pub(crate) use statics::dims as statics_dims;
pub use statics::{AidToNavigation, StaticDataB, StaticDataReport, StaticVoyage, is_auxiliary};
pub use system::{
    Acknowledge, AddressedSafety, AssignedMode, ChannelManagement, DataLinkManagement,
    DgnssBroadcast, GroupAssignment, Interrogation, SafetyBroadcast, SlotReservation, UtcInquiry,
};

use crate::bits::{BitWriter, Bits};
use crate::error::Reject;

/// One decoded AIS message: the common header and the type's body.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Message {
    /// Message type, 1..=27.
    pub msg_type: u8,
    pub repeat: u8,
    pub mmsi: u32,
    pub body: Body,
}

/// The body of a message, by type.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Body {
    /// Types 1, 2, 3.
    Position(PositionReport),
    /// Types 4, 11.
    BaseStation(BaseStationReport),
    /// Type 5.
    StaticVoyage(StaticVoyage),
    /// Type 6.
    AddressedBinary(AddressedBinary),
    /// Types 7, 13.
    Acknowledge(Acknowledge),
    /// Type 8.
    BroadcastBinary(BroadcastBinary),
    /// Type 9.
    SarAircraft(SarAircraft),
    /// Type 10.
    UtcInquiry(UtcInquiry),
    /// Type 12.
    AddressedSafety(AddressedSafety),
    /// Type 14.
    SafetyBroadcast(SafetyBroadcast),
    /// Type 15.
    Interrogation(Interrogation),
    /// Type 16.
    AssignedMode(AssignedMode),
    /// Type 17.
    Dgnss(DgnssBroadcast),
    /// Type 18.
    ClassB(ClassBPosition),
    /// Type 19.
    ClassBExtended(ClassBExtended),
    /// Type 20.
    DataLinkManagement(DataLinkManagement),
    /// Type 21.
    AidToNavigation(AidToNavigation),
    /// Type 22.
    ChannelManagement(ChannelManagement),
    /// Type 23.
    GroupAssignment(GroupAssignment),
    /// Type 24.
    StaticData(StaticDataReport),
    /// Type 25.
    SingleSlotBinary(SingleSlotBinary),
    /// Type 26.
    MultiSlotBinary(MultiSlotBinary),
    /// Type 27.
    LongRange(LongRange),
}

/// Smallest length each type is accepted at (index = type). Senders routinely drop
/// trailing spare bits, and some cut the communication state short; a report is kept
/// while every navigation field is present (types 1-3, 4, 11 through RAIM at bit 148,
/// type 18 through RAIM at bit 147), the missing tail reading as zero.
const MIN_BITS: [usize; 28] = [
    0, 149, 149, 149, 149, 420, 88, 72, 56, 168, 72, 149, 72, 72, 40, 88, 92, 80, 148, 312, 72,
    272, 168, 160, 160, 40, 60, 96,
];

impl Message {
    /// Decodes a de-armored payload.
    pub fn decode(b: &Bits) -> Result<Message, Reject> {
        if b.len() < 38 {
            return Err(Reject::TruncatedPayload);
        }
        let msg_type = b.u(0, 6) as u8;
        if msg_type == 0 || msg_type > 27 {
            return Err(Reject::UnknownMessageType);
        }
        if b.len() < MIN_BITS[msg_type as usize] {
            return Err(Reject::TruncatedPayload);
        }
        let repeat = b.u(6, 2) as u8;
        let mmsi = b.u(8, 30) as u32;
        let body = match msg_type {
            1..=3 => Body::Position(PositionReport::decode_bits(b, 0)),
            4 | 11 => Body::BaseStation(BaseStationReport::decode_bits(b, 0)),
            5 => Body::StaticVoyage(StaticVoyage::decode_bits(b, 0)),
            6 => Body::AddressedBinary(AddressedBinary::decode(b)),
            7 | 13 => Body::Acknowledge(Acknowledge::decode(b)),
            8 => Body::BroadcastBinary(BroadcastBinary::decode(b)),
            9 => Body::SarAircraft(SarAircraft::decode_bits(b, 0)),
            10 => Body::UtcInquiry(UtcInquiry::decode_bits(b, 0)),
            12 => Body::AddressedSafety(AddressedSafety::decode(b)),
            14 => Body::SafetyBroadcast(SafetyBroadcast::decode(b)),
            15 => Body::Interrogation(Interrogation::decode(b)),
            16 => Body::AssignedMode(AssignedMode::decode(b)),
            17 => Body::Dgnss(DgnssBroadcast::decode(b)),
            18 => Body::ClassB(ClassBPosition::decode_bits(b, 0)),
            19 => Body::ClassBExtended(ClassBExtended::decode_bits(b, 0)),
            20 => Body::DataLinkManagement(DataLinkManagement::decode(b)),
            21 => Body::AidToNavigation(AidToNavigation::decode(b)),
            22 => Body::ChannelManagement(ChannelManagement::decode(b, mmsi)),
            23 => Body::GroupAssignment(GroupAssignment::decode_bits(b, 0)),
            24 => Body::StaticData(StaticDataReport::decode(b, mmsi)?),
            25 => Body::SingleSlotBinary(SingleSlotBinary::decode(b)?),
            26 => Body::MultiSlotBinary(MultiSlotBinary::decode(b)?),
            27 => Body::LongRange(LongRange::decode_bits(b, 0)),
            _ => return Err(Reject::UnknownMessageType),
        };
        Ok(Message {
            msg_type,
            repeat,
            mmsi,
            body,
        })
    }

    /// Encodes to bits (the inverse of [`Message::decode`]).
    pub fn encode_bits(&self) -> BitWriter {
        let mut w = BitWriter::new();
        w.u(u64::from(self.msg_type), 6)
            .u(u64::from(self.repeat), 2)
            .u(u64::from(self.mmsi), 30);
        match &self.body {
            Body::Position(m) => m.encode_bits(&mut w, 0),
            Body::BaseStation(m) => m.encode_bits(&mut w, 0),
            Body::StaticVoyage(m) => m.encode_bits(&mut w, 0),
            Body::AddressedBinary(m) => m.encode(&mut w),
            Body::Acknowledge(m) => m.encode(&mut w),
            Body::BroadcastBinary(m) => m.encode(&mut w),
            Body::SarAircraft(m) => m.encode_bits(&mut w, 0),
            Body::UtcInquiry(m) => m.encode_bits(&mut w, 0),
            Body::AddressedSafety(m) => m.encode(&mut w),
            Body::SafetyBroadcast(m) => m.encode(&mut w),
            Body::Interrogation(m) => m.encode(&mut w),
            Body::AssignedMode(m) => m.encode(&mut w),
            Body::Dgnss(m) => m.encode(&mut w),
            Body::ClassB(m) => m.encode_bits(&mut w, 0),
            Body::ClassBExtended(m) => m.encode_bits(&mut w, 0),
            Body::DataLinkManagement(m) => m.encode(&mut w),
            Body::AidToNavigation(m) => m.encode(&mut w),
            Body::ChannelManagement(m) => m.encode(&mut w),
            Body::GroupAssignment(m) => m.encode_bits(&mut w, 0),
            Body::StaticData(m) => m.encode(&mut w),
            Body::SingleSlotBinary(m) => m.encode(&mut w),
            Body::MultiSlotBinary(m) => m.encode(&mut w),
            Body::LongRange(m) => m.encode_bits(&mut w, 0),
        }
        w
    }

    /// Position in degrees (lon, lat), when the message carries an available one.
    pub fn position(&self) -> Option<(f64, f64)> {
        match &self.body {
            Body::Position(m) => m.position(),
            Body::BaseStation(m) => m.position(),
            Body::SarAircraft(m) => m.position(),
            Body::ClassB(m) => m.position(),
            Body::ClassBExtended(m) => m.position(),
            Body::AidToNavigation(m) => m.position(),
            Body::LongRange(m) => m.position(),
            Body::Dgnss(m) => m.position(),
            _ => None,
        }
    }
}

/// Longitude/latitude in 1/10 000 min (28/27-bit fields): degrees, or `None` for the
/// "not available" values 181°/91° (and anything out of range).
pub(crate) fn lon_lat_e4_min(lon: i32, lat: i32) -> Option<(f64, f64)> {
    let (x, y) = (f64::from(lon) / 600_000.0, f64::from(lat) / 600_000.0);
    ((-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y)).then_some((x, y))
}

/// Longitude/latitude in 1/10 min (types 17, 22, 23, 27).
pub(crate) fn lon_lat_e1_min(lon: i32, lat: i32) -> Option<(f64, f64)> {
    let (x, y) = (f64::from(lon) / 600.0, f64::from(lat) / 600.0);
    ((-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y)).then_some((x, y))
}

/// Navigational status text (M.1371-5 table 45), spelled as gpsd spells it.
pub fn status_text(status: u8) -> &'static str {
    const T: [&str; 16] = [
        "Under way using engine",
        "At anchor",
        "Not under command",
        "Restricted maneuverability",
        "Constrained by her draught",
        "Moored",
        "Aground",
        "Engaged in fishing",
        "Under way sailing",
        "Reserved for HSC",
        "Reserved for WIG",
        "Power-driven vessel towing astern",
        "Power-driven vessel pushing ahead or towing alongside",
        "Reserved",
        "AIS-SART is active",
        "Not defined",
    ];
    T[(status & 15) as usize]
}

/// Electronic position fixing device text (table 48), as gpsd spells it.
pub fn epfd_text(epfd: u8) -> &'static str {
    const T: [&str; 16] = [
        "Undefined",
        "GPS",
        "GLONASS",
        "Combined GPS/GLONASS",
        "Loran-C",
        "Chayka",
        "Integrated navigation system",
        "Surveyed",
        "Galileo",
        "Reserved (9)",
        "Reserved (10)",
        "Reserved (11)",
        "Reserved (12)",
        "Reserved (13)",
        "Reserved (14)",
        "Internal GNSS",
    ];
    T[(epfd & 15) as usize]
}

/// Ship and cargo type text (table 53), as gpsd spells it.
pub fn shiptype_text(t: u8) -> &'static str {
    const FAMILY: [[&str; 10]; 4] = [
        [
            "Passenger - all ships of this type",
            "Passenger - Hazardous category A",
            "Passenger - Hazardous category B",
            "Passenger - Hazardous category C",
            "Passenger - Hazardous category D",
            "Passenger - Reserved for future use",
            "Passenger - Reserved for future use",
            "Passenger - Reserved for future use",
            "Passenger - Reserved for future use",
            "Passenger - No additional information",
        ],
        [
            "Cargo - all ships of this type",
            "Cargo - Hazardous category A",
            "Cargo - Hazardous category B",
            "Cargo - Hazardous category C",
            "Cargo - Hazardous category D",
            "Cargo - Reserved for future use",
            "Cargo - Reserved for future use",
            "Cargo - Reserved for future use",
            "Cargo - Reserved for future use",
            "Cargo - No additional information",
        ],
        [
            "Tanker - all ships of this type",
            "Tanker - Hazardous category A",
            "Tanker - Hazardous category B",
            "Tanker - Hazardous category C",
            "Tanker - Hazardous category D",
            "Tanker - Reserved for future use",
            "Tanker - Reserved for future use",
            "Tanker - Reserved for future use",
            "Tanker - Reserved for future use",
            "Tanker - No additional information",
        ],
        [
            "Other Type - all ships of this type",
            "Other Type - Hazardous category A",
            "Other Type - Hazardous category B",
            "Other Type - Hazardous category C",
            "Other Type - Hazardous category D",
            "Other Type - Reserved for future use",
            "Other Type - Reserved for future use",
            "Other Type - Reserved for future use",
            "Other Type - Reserved for future use",
            "Other Type - no additional information",
        ],
    ];
    match t {
        0 => "Not available",
        1..=19 => "Reserved for future use",
        20 => "Wing in ground (WIG) - all ships of this type",
        21 => "Wing in ground (WIG) - Hazardous category A",
        22 => "Wing in ground (WIG) - Hazardous category B",
        23 => "Wing in ground (WIG) - Hazardous category C",
        24 => "Wing in ground (WIG) - Hazardous category D",
        25..=29 => "Wing in ground (WIG) - Reserved for future use",
        30 => "Fishing",
        31 => "Towing",
        32 => "Towing: length exceeds 200m or breadth exceeds 25m",
        33 => "Dredging or underwater ops",
        34 => "Diving ops",
        35 => "Military ops",
        36 => "Sailing",
        37 => "Pleasure Craft",
        38 | 39 => "Reserved",
        40 => "High speed craft (HSC) - all ships of this type",
        41 => "High speed craft (HSC) - Hazardous category A",
        42 => "High speed craft (HSC) - Hazardous category B",
        43 => "High speed craft (HSC) - Hazardous category C",
        44 => "High speed craft (HSC) - Hazardous category D",
        45..=48 => "High speed craft (HSC) - Reserved for future use",
        49 => "High speed craft (HSC) - No additional information",
        50 => "Pilot Vessel",
        51 => "Search and Rescue vessel",
        52 => "Tug",
        53 => "Port Tender",
        54 => "Anti-pollution equipment",
        55 => "Law Enforcement",
        56 | 57 => "Spare - Local Vessel",
        58 => "Medical Transport",
        59 => "Ship according to RR Resolution No. 18",
        60..=99 => FAMILY[(t / 10 - 6) as usize][(t % 10) as usize],
        _ => "INVALID SHIP TYPE",
    }
}

#[cfg(test)]
mod tests;
