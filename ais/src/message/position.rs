//! Position-bearing messages: 1/2/3, 4/11, 9, 18, 19, 27 (M.1371-5 §3.1, 3.3, 3.8, 3.17,
//! 3.18, 3.26). Layout tables give start bit and width as the standard's tables do.

use super::layout::layout;
use super::{lon_lat_e1_min, lon_lat_e4_min};
use crate::text::Text;

layout! {
    /// Types 1, 2, 3: class A position report (168 bits).
    PositionReport {
        status: u8 = u(38, 4),
        /// Rate of turn indicator ROT_AIS: -128 not available, ±127 no turn indicator.
        turn: i8 = i(42, 8),
        /// Speed over ground in 1/10 kn; 1023 not available, 1022 means >= 102.2 kn.
        speed: u16 = u(50, 10),
        accuracy: bool = b(60, 1),
        /// 1/10 000 min; 181° (108 600 000) not available.
        lon: i32 = i(61, 28),
        /// 1/10 000 min; 91° (54 600 000) not available.
        lat: i32 = i(89, 27),
        /// Course over ground in 1/10°; 3600 not available.
        course: u16 = u(116, 12),
        /// True heading in degrees; 511 not available.
        heading: u16 = u(128, 9),
        second: u8 = u(137, 6),
        maneuver: u8 = u(143, 2),
        raim: bool = b(148, 1),
        radio: u32 = u(149, 19),
    } end 168
}

layout! {
    /// Types 4 (base station report) and 11 (UTC/date response), 168 bits.
    BaseStationReport {
        year: u16 = u(38, 14),
        month: u8 = u(52, 4),
        day: u8 = u(56, 5),
        hour: u8 = u(61, 5),
        minute: u8 = u(66, 6),
        second: u8 = u(72, 6),
        accuracy: bool = b(78, 1),
        lon: i32 = i(79, 28),
        lat: i32 = i(107, 27),
        epfd: u8 = u(134, 4),
        raim: bool = b(148, 1),
        radio: u32 = u(149, 19),
    } end 168
}

layout! {
    /// Type 9: standard SAR aircraft position report (168 bits).
    SarAircraft {
        /// Altitude in metres; 4095 not available, 4094 means >= 4094 m.
        alt: u16 = u(38, 12),
        /// Speed over ground in whole knots; 1023 not available.
        speed: u16 = u(50, 10),
        accuracy: bool = b(60, 1),
        lon: i32 = i(61, 28),
        lat: i32 = i(89, 27),
        course: u16 = u(116, 12),
        second: u8 = u(128, 6),
        regional: u8 = u(134, 8),
        dte: bool = b(142, 1),
        assigned: bool = b(146, 1),
        raim: bool = b(147, 1),
        radio: u32 = u(148, 20),
    } end 168
}

layout! {
    /// Type 18: class B position report (168 bits).
    ClassBPosition {
        reserved: u8 = u(38, 8),
        speed: u16 = u(46, 10),
        accuracy: bool = b(56, 1),
        lon: i32 = i(57, 28),
        lat: i32 = i(85, 27),
        course: u16 = u(112, 12),
        heading: u16 = u(124, 9),
        second: u8 = u(133, 6),
        regional: u8 = u(139, 2),
        cs: bool = b(141, 1),
        display: bool = b(142, 1),
        dsc: bool = b(143, 1),
        band: bool = b(144, 1),
        msg22: bool = b(145, 1),
        assigned: bool = b(146, 1),
        raim: bool = b(147, 1),
        radio: u32 = u(148, 20),
    } end 168
}

layout! {
    /// Type 19: extended class B position report (312 bits).
    ClassBExtended {
        reserved: u8 = u(38, 8),
        speed: u16 = u(46, 10),
        accuracy: bool = b(56, 1),
        lon: i32 = i(57, 28),
        lat: i32 = i(85, 27),
        course: u16 = u(112, 12),
        heading: u16 = u(124, 9),
        second: u8 = u(133, 6),
        regional: u8 = u(139, 4),
        shipname: Text<20> = t(143, 20),
        shiptype: u8 = u(263, 8),
        to_bow: u16 = u(271, 9),
        to_stern: u16 = u(280, 9),
        to_port: u8 = u(289, 6),
        to_starboard: u8 = u(295, 6),
        epfd: u8 = u(301, 4),
        raim: bool = b(305, 1),
        dte: bool = b(306, 1),
        assigned: bool = b(307, 1),
    } end 312
}

layout! {
    /// Type 27: long-range position report (96 bits), positions in 1/10 min.
    LongRange {
        accuracy: bool = b(38, 1),
        raim: bool = b(39, 1),
        status: u8 = u(40, 4),
        /// 1/10 min; 181° (108 600) not available.
        lon: i32 = i(44, 18),
        /// 1/10 min; 91° (54 600) not available.
        lat: i32 = i(62, 17),
        /// Whole knots; 63 not available.
        speed: u8 = u(79, 6),
        /// Whole degrees; 511 not available.
        course: u16 = u(85, 9),
        /// 0 = current GNSS position, 1 = not the current GNSS position.
        gnss: bool = b(94, 1),
    } end 96
}

fn sog_tenths(speed: u16) -> Option<f64> {
    (speed < 1023).then(|| f64::from(speed) / 10.0)
}

fn cog_tenths(course: u16) -> Option<f64> {
    (course < 3600).then(|| f64::from(course) / 10.0)
}

fn heading_deg(heading: u16) -> Option<f64> {
    (heading < 360).then_some(f64::from(heading))
}

impl PositionReport {
    pub fn position(&self) -> Option<(f64, f64)> {
        lon_lat_e4_min(self.lon, self.lat)
    }
    /// Speed over ground in knots.
    pub fn sog(&self) -> Option<f64> {
        sog_tenths(self.speed)
    }
    /// Course over ground in degrees.
    pub fn cog(&self) -> Option<f64> {
        cog_tenths(self.course)
    }
    pub fn true_heading(&self) -> Option<f64> {
        heading_deg(self.heading)
    }
    /// Rate of turn in degrees per minute: ROT = (ROT_AIS / 4.733)², signed (§3.1 table 45).
    /// `None` when not available or when only the turn direction is known (±127).
    pub fn rate_of_turn(&self) -> Option<f64> {
        match self.turn {
            -128 | 127 | -127 => None,
            t => {
                let r = f64::from(t) / 4.733;
                Some(r * r * f64::from(t.signum()))
            }
        }
    }
}

impl BaseStationReport {
    pub fn position(&self) -> Option<(f64, f64)> {
        lon_lat_e4_min(self.lon, self.lat)
    }
}

impl SarAircraft {
    pub fn position(&self) -> Option<(f64, f64)> {
        lon_lat_e4_min(self.lon, self.lat)
    }
    pub fn sog(&self) -> Option<f64> {
        (self.speed < 1023).then_some(f64::from(self.speed))
    }
    pub fn cog(&self) -> Option<f64> {
        cog_tenths(self.course)
    }
}

impl ClassBPosition {
    pub fn position(&self) -> Option<(f64, f64)> {
        lon_lat_e4_min(self.lon, self.lat)
    }
    pub fn sog(&self) -> Option<f64> {
        sog_tenths(self.speed)
    }
    pub fn cog(&self) -> Option<f64> {
        cog_tenths(self.course)
    }
    pub fn true_heading(&self) -> Option<f64> {
        heading_deg(self.heading)
    }
}

impl ClassBExtended {
    pub fn position(&self) -> Option<(f64, f64)> {
        lon_lat_e4_min(self.lon, self.lat)
    }
    pub fn sog(&self) -> Option<f64> {
        sog_tenths(self.speed)
    }
    pub fn cog(&self) -> Option<f64> {
        cog_tenths(self.course)
    }
    pub fn true_heading(&self) -> Option<f64> {
        heading_deg(self.heading)
    }
}

impl LongRange {
    pub fn position(&self) -> Option<(f64, f64)> {
        lon_lat_e1_min(self.lon, self.lat)
    }
    pub fn sog(&self) -> Option<f64> {
        (self.speed < 63).then_some(f64::from(self.speed))
    }
    pub fn cog(&self) -> Option<f64> {
        (self.course < 360).then_some(f64::from(self.course))
    }
}
