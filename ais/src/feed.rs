//! [`Feed`]: writes what a tower receiver would send, sentence by sentence, from plain
//! values (position, static data, inland FI 10 and FI 55): the simulator and the
//! scenario tests of every later stage build their input with it, so what they test went
//! through the real encoder and comes back through the real decoder.

use crate::encode::{EncodeOptions, TagOptions, encode};
use crate::message::{
    Application, BinaryData, Body, BroadcastBinary, ClassBPosition, InlandStaticVoyage, Message,
    PersonsOnBoard, PositionReport, StaticDataB, StaticDataReport, StaticVoyage,
};
use crate::text::Text;

/// Sentences as one tower sends them, each with an IEC 61162-450 tag block (`s:` the
/// tower, `c:` the event time).
#[derive(Debug, Clone)]
pub struct Feed {
    station: String,
    lines: Vec<String>,
    seq: u8,
    group: u32,
}

/// A position report's values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    pub lon: f64,
    pub lat: f64,
    /// knots; `None` = not available
    pub sog_kn: Option<f64>,
    /// degrees; `None` = not available
    pub cog_deg: Option<f64>,
    /// navigational status (0 under way, 1 at anchor, 5 moored, 15 not defined)
    pub nav_status: u8,
}

impl Position {
    pub fn new(lon: f64, lat: f64, sog_kn: f64, cog_deg: f64) -> Position {
        Position {
            lon,
            lat,
            sog_kn: Some(sog_kn),
            cog_deg: Some(cog_deg),
            nav_status: if sog_kn < 0.5 { 5 } else { 0 },
        }
    }
}

fn e4_min(deg: f64) -> i32 {
    (deg * 600_000.0).round() as i32
}

fn speed(sog_kn: Option<f64>) -> u16 {
    sog_kn.map_or(1023, |s| (s * 10.0).round().clamp(0.0, 1022.0) as u16)
}

fn course(cog: Option<f64>) -> u16 {
    cog.map_or(3600, |c| {
        ((c.rem_euclid(360.0)) * 10.0).round() as u16 % 3600
    })
}

impl Feed {
    pub fn new(station: &str) -> Feed {
        Feed {
            station: station.to_string(),
            lines: Vec::new(),
            seq: 0,
            group: 0,
        }
    }

    /// Every sentence written so far, in order.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Takes the sentences written so far, leaving the feed empty (its sequence and group
    /// counters go on).
    pub fn take_lines(&mut self) -> Vec<String> {
        std::mem::take(&mut self.lines)
    }

    /// The feed as one text, a line per sentence.
    pub fn text(&self) -> String {
        let mut s = self.lines.join("\n");
        s.push('\n');
        s
    }

    /// Adds raw lines (corruption, other talkers) as they are.
    pub fn raw(&mut self, line: &str) {
        self.lines.push(line.to_string());
    }

    fn push(&mut self, t_ms: i64, msg: &Message) {
        let multi = msg.msg_type == 5 || matches!(msg.body, Body::BroadcastBinary(_));
        let group_id = multi.then(|| {
            self.group = self.group % 999 + 1;
            self.group
        });
        self.seq = (self.seq + 1) % 10;
        let opts = EncodeOptions {
            seq_id: self.seq,
            tag: Some(TagOptions {
                source: Some(self.station.clone()),
                time_ms: Some(t_ms),
                group_id,
            }),
            ..EncodeOptions::default()
        };
        self.lines.extend(encode(msg, &opts));
    }

    /// Type 1: a class A position report.
    pub fn class_a(&mut self, t_ms: i64, mmsi: u32, p: Position) {
        let body = Body::Position(PositionReport {
            status: p.nav_status,
            turn: -128,
            speed: speed(p.sog_kn),
            lon: e4_min(p.lon),
            lat: e4_min(p.lat),
            course: course(p.cog_deg),
            heading: 511,
            second: ((t_ms / 1000).rem_euclid(60)) as u8,
            ..PositionReport::default()
        });
        self.push(
            t_ms,
            &Message {
                msg_type: 1,
                repeat: 0,
                mmsi,
                body,
            },
        );
    }

    /// Type 18: a class B position report.
    pub fn class_b(&mut self, t_ms: i64, mmsi: u32, p: Position) {
        let body = Body::ClassB(ClassBPosition {
            speed: speed(p.sog_kn),
            lon: e4_min(p.lon),
            lat: e4_min(p.lat),
            course: course(p.cog_deg),
            heading: 511,
            second: ((t_ms / 1000).rem_euclid(60)) as u8,
            cs: true,
            ..ClassBPosition::default()
        });
        self.push(
            t_ms,
            &Message {
                msg_type: 18,
                repeat: 0,
                mmsi,
                body,
            },
        );
    }

    /// Type 5 (two sentences): name, call sign, ship type and draught (0.1 m steps).
    pub fn static_voyage(
        &mut self,
        t_ms: i64,
        mmsi: u32,
        name: &str,
        callsign: &str,
        ship_type: u8,
        draught_m: Option<f64>,
    ) {
        let body = Body::StaticVoyage(StaticVoyage {
            callsign: Text::from(callsign),
            shipname: Text::from(name),
            shiptype: ship_type,
            to_bow: 30,
            to_stern: 15,
            to_port: 4,
            to_starboard: 4,
            epfd: 1,
            hour: 24,
            minute: 60,
            draught: draught_m.map_or(0, |d| (d * 10.0).round().clamp(0.0, 255.0) as u8),
            destination: Text::from("HANGZHOU"),
            ..StaticVoyage::default()
        });
        self.push(
            t_ms,
            &Message {
                msg_type: 5,
                repeat: 0,
                mmsi,
                body,
            },
        );
    }

    /// Type 24, parts A and B: a class B vessel's name, call sign and ship type.
    pub fn static_b(&mut self, t_ms: i64, mmsi: u32, name: &str, callsign: &str, ship_type: u8) {
        let a = Body::StaticData(StaticDataReport::PartA {
            shipname: Text::from(name),
        });
        let b = Body::StaticData(StaticDataReport::PartB(StaticDataB {
            shiptype: ship_type,
            callsign: Text::from(callsign),
            to_bow: 10,
            to_stern: 5,
            to_port: 2,
            to_starboard: 2,
            ..StaticDataB::default()
        }));
        for body in [a, b] {
            self.push(
                t_ms,
                &Message {
                    msg_type: 24,
                    repeat: 0,
                    mmsi,
                    body,
                },
            );
        }
    }

    fn inland(&mut self, t_ms: i64, mmsi: u32, dac_fid: (u16, u8), app: Application) {
        let body = Body::BroadcastBinary(BroadcastBinary {
            dac: dac_fid.0,
            fid: dac_fid.1,
            data: BinaryData::from_application(&app),
            app: Some(app),
        });
        self.push(
            t_ms,
            &Message {
                msg_type: 8,
                repeat: 0,
                mmsi,
                body,
            },
        );
    }

    /// Type 8, inland FI 10: ENI, draught (0.01 m steps) and laden/unladen.
    pub fn inland_voyage(
        &mut self,
        t_ms: i64,
        mmsi: u32,
        eni: &str,
        draught_m: f64,
        loaded: Option<bool>,
    ) {
        let app = Application::InlandStaticVoyage(InlandStaticVoyage {
            vin: Text::from(eni),
            length: 450,
            beam: 80,
            shiptype: 8010,
            hazard: 0,
            draught: (draught_m * 100.0).round().clamp(0.0, 2000.0) as u16,
            loaded: match loaded {
                Some(true) => 1,
                Some(false) => 2,
                None => 0,
            },
            ..InlandStaticVoyage::default()
        });
        self.inland(t_ms, mmsi, (200, 10), app);
    }

    /// Type 8, inland FI 55: persons on board.
    pub fn persons_on_board(
        &mut self,
        t_ms: i64,
        mmsi: u32,
        crew: u8,
        passengers: u16,
        personnel: u8,
    ) {
        let app = Application::PersonsOnBoard(PersonsOnBoard {
            crew,
            passengers,
            personnel,
        });
        self.inland(t_ms, mmsi, (200, 55), app);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Decoder;
    use crate::decoder::Output;
    use crate::observation::Observation;

    fn observations(feed: &Feed) -> Vec<Observation> {
        let mut d = Decoder::default();
        let mut out = Vec::new();
        for line in feed.lines() {
            d.decode_line(line.as_bytes(), &mut |o| {
                if let Output::Ais(m) = o {
                    out.push(Observation::from_ais(&m, 0));
                }
            });
        }
        out
    }

    #[test]
    fn what_is_written_decodes_back() {
        let t = 1_790_000_000_000;
        let mut f = Feed::new("tower-1");
        f.class_a(t, 413000001, Position::new(120.25, 30.45, 7.3, 91.0));
        f.class_b(t + 1000, 413000002, Position::new(120.26, 30.46, 0.2, 10.0));
        f.static_voyage(t + 2000, 413000001, "HUO 1", "BQAA1", 79, Some(3.4));
        f.inland_voyage(t + 3000, 413000001, "04300001", 3.46, Some(true));
        f.persons_on_board(t + 4000, 413000003, 4, 61, 1);
        f.static_b(t + 5000, 413000004, "KE 4", "BQKK4", 60);
        let o = observations(&f);
        assert_eq!(o.len(), 7);
        let b: Vec<_> = o[5..]
            .iter()
            .filter_map(|o| o.static_data.clone())
            .collect();
        assert_eq!(b[0].name.as_deref(), Some("KE 4"));
        assert_eq!(
            (b[1].callsign.as_deref(), b[1].ship_type),
            (Some("BQKK4"), Some(60))
        );
        assert_eq!(o[0].event_time_ms, t);
        assert_eq!(o[0].station.as_deref(), Some("tower-1"));
        let (lon, lat) = o[0].position.unwrap_or_default();
        assert!((lon - 120.25).abs() < 1e-6 && (lat - 30.45).abs() < 1e-6);
        assert_eq!(o[0].sog_kn, Some(7.3));
        assert_eq!(o[1].msg_type, 18);
        let s = o[2].static_data.clone().unwrap_or_default();
        assert_eq!(
            (s.name.as_deref(), s.callsign.as_deref()),
            (Some("HUO 1"), Some("BQAA1"))
        );
        assert_eq!(o[2].voyage.as_ref().and_then(|v| v.draught_m), Some(3.4));
        let v = o[3].voyage.clone().unwrap_or_default();
        assert_eq!((v.draught_m, v.loaded), (Some(3.46), Some(true)));
        assert_eq!(o[4].persons_on_board.and_then(|p| p.total), Some(66));
    }
}
