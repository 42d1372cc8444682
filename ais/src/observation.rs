//! [`Observation`]: the one value the engine consumes, from an AIS message or a GNSS fix.

use crate::decoder::Decoded;
use crate::gnss::GnssFix;
use crate::message::{Application, Body, StaticDataReport};

/// What one report says about one vessel at one moment (DESIGN.md "Data flow").
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Observation {
    pub mmsi: u32,
    /// Event time, ms since the UNIX epoch: the tag-block time, else the receive time.
    pub event_time_ms: i64,
    /// The station (tower) that heard it.
    pub station: Option<String>,
    /// AIS message type, or 0 for a GNSS fix.
    pub msg_type: u8,
    /// (lon, lat) in degrees.
    pub position: Option<(f64, f64)>,
    pub sog_kn: Option<f64>,
    pub cog_deg: Option<f64>,
    pub heading_deg: Option<f64>,
    /// Navigational status (table 45), class A and long-range reports.
    pub nav_status: Option<u8>,
    pub static_data: Option<StaticData>,
    pub voyage: Option<Voyage>,
    pub persons_on_board: Option<PersonsOnBoard>,
}

/// Identity and dimensions; fields the message does not carry are `None`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct StaticData {
    pub name: Option<String>,
    pub callsign: Option<String>,
    pub imo: Option<u32>,
    pub ship_type: Option<u8>,
    /// European Number of Identification (inland FI 10).
    pub eni: Option<String>,
    /// ERI ship type (inland FI 10).
    pub eri_ship_type: Option<u16>,
    pub length_dm: Option<u32>,
    pub beam_dm: Option<u32>,
}

/// Voyage data; `loaded` and `hazard` come from inland FI 10.
#[derive(Debug, Clone, PartialEq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Voyage {
    pub draught_m: Option<f64>,
    pub destination: Option<String>,
    pub loaded: Option<bool>,
    pub hazard: Option<u8>,
}

/// Persons on board (inland FI 55): crew + passengers + shipboard personnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PersonsOnBoard {
    pub crew: Option<u8>,
    pub passengers: Option<u16>,
    pub personnel: Option<u8>,
    pub total: Option<u32>,
}

fn text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

impl Observation {
    /// Builds the observation for a decoded AIS message; `receive_time_ms` is used when
    /// the input carried no time of its own.
    pub fn from_ais(d: &Decoded<'_>, receive_time_ms: i64) -> Observation {
        let m = &d.message;
        let mut o = Observation {
            mmsi: m.mmsi,
            event_time_ms: d.meta.time_ms.unwrap_or(receive_time_ms),
            station: d.meta.station.map(str::to_string),
            msg_type: m.msg_type,
            position: m.position(),
            ..Observation::default()
        };
        match &m.body {
            Body::Position(p) => {
                o.sog_kn = p.sog();
                o.cog_deg = p.cog();
                o.heading_deg = p.true_heading();
                o.nav_status = Some(p.status);
            }
            Body::ClassB(p) => {
                o.sog_kn = p.sog();
                o.cog_deg = p.cog();
                o.heading_deg = p.true_heading();
            }
            Body::ClassBExtended(p) => {
                o.sog_kn = p.sog();
                o.cog_deg = p.cog();
                o.heading_deg = p.true_heading();
                let (l, b) =
                    crate::message::statics_dims(p.to_bow, p.to_stern, p.to_port, p.to_starboard);
                o.static_data = Some(StaticData {
                    name: text(&p.shipname),
                    ship_type: Some(p.shiptype),
                    length_dm: l.map(|v| u32::from(v) * 10),
                    beam_dm: b.map(|v| u32::from(v) * 10),
                    ..StaticData::default()
                });
            }
            Body::SarAircraft(p) => {
                o.sog_kn = p.sog();
                o.cog_deg = p.cog();
            }
            Body::LongRange(p) => {
                o.sog_kn = p.sog();
                o.cog_deg = p.cog();
                o.nav_status = Some(p.status);
            }
            Body::StaticVoyage(s) => {
                let (l, b) = s.dimensions_m();
                o.static_data = Some(StaticData {
                    name: text(&s.shipname),
                    callsign: text(&s.callsign),
                    imo: (s.imo != 0).then_some(s.imo),
                    ship_type: Some(s.shiptype),
                    length_dm: l.map(|v| u32::from(v) * 10),
                    beam_dm: b.map(|v| u32::from(v) * 10),
                    ..StaticData::default()
                });
                o.voyage = Some(Voyage {
                    draught_m: s.draught_m(),
                    destination: text(&s.destination),
                    ..Voyage::default()
                });
            }
            Body::StaticData(StaticDataReport::PartA { shipname }) => {
                o.static_data = Some(StaticData {
                    name: text(shipname),
                    ..StaticData::default()
                });
            }
            Body::StaticData(StaticDataReport::PartB(p)) => {
                let (l, b) =
                    crate::message::statics_dims(p.to_bow, p.to_stern, p.to_port, p.to_starboard);
                o.static_data = Some(StaticData {
                    callsign: text(&p.callsign),
                    ship_type: Some(p.shiptype),
                    length_dm: l.map(|v| u32::from(v) * 10),
                    beam_dm: b.map(|v| u32::from(v) * 10),
                    ..StaticData::default()
                });
            }
            Body::BroadcastBinary(b) => o.application(b.app.as_ref()),
            Body::AddressedBinary(b) => o.application(b.app.as_ref()),
            _ => {}
        }
        o
    }

    fn application(&mut self, app: Option<&Application>) {
        match app {
            Some(Application::InlandStaticVoyage(i)) => {
                self.static_data = Some(StaticData {
                    eni: text(&i.vin),
                    eri_ship_type: Some(i.shiptype),
                    length_dm: (i.length > 0).then_some(u32::from(i.length)),
                    beam_dm: (i.beam > 0).then_some(u32::from(i.beam)),
                    ..StaticData::default()
                });
                self.voyage = Some(Voyage {
                    draught_m: i.draught_m(),
                    loaded: i.is_loaded(),
                    hazard: (i.hazard != 5).then_some(i.hazard),
                    ..Voyage::default()
                });
            }
            Some(Application::PersonsOnBoard(p)) => {
                self.persons_on_board = Some(PersonsOnBoard {
                    crew: (p.crew != 255).then_some(p.crew),
                    passengers: (p.passengers != 8191).then_some(p.passengers),
                    personnel: (p.personnel != 255).then_some(p.personnel),
                    total: p.total(),
                });
            }
            None => {}
        }
    }

    /// Builds an observation from a GNSS unit's fix, for the vessel (or tower) `mmsi`
    /// the receiver is configured with.
    pub fn from_gnss(fix: &GnssFix, mmsi: u32, event_time_ms: i64, station: Option<&str>) -> Self {
        let position = match (fix.lon, fix.lat) {
            (Some(lon), Some(lat)) if fix.valid => Some((lon, lat)),
            _ => None,
        };
        Observation {
            mmsi,
            event_time_ms,
            station: station.map(str::to_string),
            msg_type: 0,
            position,
            sog_kn: fix.sog_kn,
            cog_deg: fix.cog_deg,
            heading_deg: fix.heading_deg,
            ..Observation::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decoder::{Decoder, Output};

    fn observations(text: &str) -> Vec<Observation> {
        let mut d = Decoder::default();
        let mut out = Vec::new();
        for line in text.lines() {
            d.decode_line(line.as_bytes(), &mut |o| match o {
                Output::Ais(m) => out.push(Observation::from_ais(&m, 0)),
                Output::Gnss(fix, meta) => out.push(Observation::from_gnss(
                    &fix,
                    413_999_999,
                    meta.time_ms.unwrap_or(0),
                    None,
                )),
                Output::Reject(r) => panic!("{r}"),
            });
        }
        out
    }

    #[test]
    fn the_demo_feed_gives_the_engine_what_it_needs() {
        let text = include_str!("../../data/demo/tower-feed.nmea");
        let obs = observations(text);
        assert_eq!(obs.len(), 93);
        let inland = obs
            .iter()
            .find(|o| o.msg_type == 8 && o.mmsi == 413_000_001)
            .unwrap();
        let voyage = inland.voyage.as_ref().unwrap();
        assert_eq!(voyage.loaded, Some(true));
        assert_eq!(voyage.draught_m, Some(3.45));
        assert_eq!(
            inland.static_data.as_ref().unwrap().eni.as_deref(),
            Some("04801234")
        );
        let pob = obs.iter().find_map(|o| o.persons_on_board).unwrap();
        assert_eq!(
            (pob.crew, pob.passengers, pob.personnel, pob.total),
            (Some(3), Some(41), Some(1), Some(45))
        );
        let first = obs.iter().find(|o| o.msg_type == 1).unwrap();
        assert_eq!(first.station.as_deref(), Some("tower-01"));
        assert_eq!(first.event_time_ms, 1_763_800_010_000);
        assert_eq!(first.sog_kn, Some(6.2));
        let (lon, lat) = first.position.unwrap();
        assert!((lon - 114.3).abs() < 1e-6 && (lat - 30.58).abs() < 1e-6);
        let barge = obs.iter().find(|o| o.msg_type == 5).unwrap();
        assert_eq!(
            barge.static_data.as_ref().unwrap().name.as_deref(),
            Some("HUA YUN 88")
        );
        assert_eq!(barge.voyage.as_ref().unwrap().draught_m, Some(3.2));
    }

    #[test]
    fn a_patrol_boat_gps_fix_becomes_an_observation() {
        let obs =
            observations("$GPRMC,213950.00,A,5250.53669,N,00542.34920,E,0.020,,070420,,,A*7D");
        assert_eq!(obs.len(), 1);
        assert_eq!(obs[0].mmsi, 413_999_999);
        assert!(obs[0].position.is_some());
        assert_eq!(obs[0].sog_kn.map(|v| (v * 1000.0).round()), Some(20.0));
    }
}
