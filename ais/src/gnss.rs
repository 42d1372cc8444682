//! GNSS sentences from patrol-boat and tower GPS units (GGA, RMC, VTG, HDT, GLL, ZDA),
//! parsed by the `nmea` crate, plus the Gatehouse `$PGHP` time header.

use chrono::{NaiveDate, Timelike};

use crate::error::Reject;

/// Which sentence a fix came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GnssSentence {
    Gga,
    Rmc,
    Vtg,
    Hdt,
    Gll,
    Zda,
}

/// What a GNSS sentence says; fields it does not carry are `None`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GnssFix {
    pub sentence: Option<GnssSentence>,
    /// UTC time of day in milliseconds.
    pub time_of_day_ms: Option<u32>,
    /// UTC date (RMC, ZDA).
    pub date: Option<NaiveDate>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub sog_kn: Option<f64>,
    pub cog_deg: Option<f64>,
    pub heading_deg: Option<f64>,
    pub satellites: Option<u32>,
    pub hdop: Option<f32>,
    pub altitude_m: Option<f32>,
    /// False when the receiver flags the fix invalid (RMC status V, GLL invalid, GGA no fix).
    pub valid: bool,
}

impl GnssFix {
    /// UNIX time in ms when both date and time of day are known.
    pub fn time_ms(&self) -> Option<i64> {
        let d = self
            .date?
            .and_hms_opt(0, 0, 0)?
            .and_utc()
            .timestamp_millis();
        Some(d + i64::from(self.time_of_day_ms?))
    }
}

fn tod(t: Option<chrono::NaiveTime>) -> Option<u32> {
    t.map(|t| t.num_seconds_from_midnight() * 1000 + t.nanosecond() / 1_000_000)
}

/// Parses a GNSS sentence (`text` includes `$` and the checksum).
pub fn parse(address: &str, text: &str) -> Result<GnssFix, Reject> {
    let kind = match address.get(2..) {
        Some("GGA") => GnssSentence::Gga,
        Some("RMC") => GnssSentence::Rmc,
        Some("VTG") => GnssSentence::Vtg,
        Some("HDT") => GnssSentence::Hdt,
        Some("GLL") => GnssSentence::Gll,
        Some("ZDA") => GnssSentence::Zda,
        _ => return Err(Reject::UnknownSentence),
    };
    let parsed = nmea::parse_str(text).map_err(|_| Reject::BadGnss)?;
    let mut f = GnssFix {
        sentence: Some(kind),
        valid: true,
        ..GnssFix::default()
    };
    match parsed {
        nmea::ParseResult::GGA(g) => {
            f.time_of_day_ms = tod(g.fix_time);
            f.lat = g.latitude;
            f.lon = g.longitude;
            f.satellites = g.fix_satellites;
            f.hdop = g.hdop;
            f.altitude_m = g.altitude;
            f.valid = g.fix_type.is_some_and(|t| t.is_valid());
        }
        nmea::ParseResult::RMC(r) => {
            f.time_of_day_ms = tod(r.fix_time);
            f.date = r.fix_date;
            f.lat = r.lat;
            f.lon = r.lon;
            f.sog_kn = r.speed_over_ground.map(f64::from);
            f.cog_deg = r.true_course.map(f64::from);
            f.valid = r.status_of_fix != nmea::sentences::rmc::RmcStatusOfFix::Invalid;
        }
        nmea::ParseResult::VTG(v) => {
            f.sog_kn = v.speed_over_ground.map(f64::from);
            f.cog_deg = v.true_course.map(f64::from);
        }
        nmea::ParseResult::HDT(h) => f.heading_deg = h.heading.map(f64::from),
        nmea::ParseResult::GLL(g) => {
            f.time_of_day_ms = tod(g.fix_time);
            f.lat = g.latitude;
            f.lon = g.longitude;
            f.valid = g.valid;
        }
        nmea::ParseResult::ZDA(z) => {
            f.time_of_day_ms = tod(z.utc_time);
            f.date = z.utc_date();
        }
        _ => return Err(Reject::UnknownSentence),
    }
    Ok(f)
}

/// Time from a Gatehouse header `$PGHP,1,YYYY,M,D,h,m,s,ms,...`, in UNIX ms.
pub fn pghp_time_ms(text: &str) -> Option<i64> {
    let mut f = text.split(',');
    f.next();
    if f.next()? != "1" {
        return None;
    }
    let mut n = || f.next().and_then(|v| v.parse::<u32>().ok());
    let (y, mo, d, h, mi, s, ms) = (n()?, n()?, n()?, n()?, n()?, n()?, n()?);
    let t =
        NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, mo, d)?.and_hms_milli_opt(h, mi, s, ms)?;
    Some(t.and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rmc_from_a_real_log() {
        let f = parse(
            "GPRMC",
            "$GPRMC,213950.00,A,5250.53669,N,00542.34920,E,0.020,,070420,,,A*7D",
        )
        .unwrap();
        assert!((f.lat.unwrap() - 52.842_278).abs() < 1e-5);
        assert!((f.lon.unwrap() - 5.705_82).abs() < 1e-5);
        assert_eq!(f.time_ms(), Some(1_586_295_590_000));
        assert!(f.valid);
    }

    #[test]
    fn pghp_header() {
        assert_eq!(
            pghp_time_ms("$PGHP,1,2010,6,11,11,46,11,929,244,0,,1,72*21"),
            Some(1_276_256_771_929)
        );
        assert_eq!(pghp_time_ms("$PGHP,2,x*00"), None);
    }
}
