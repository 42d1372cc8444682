//! Messages as gpsd's AIS JSON (the output of `gpsdecode -j`, or `-u` unscaled), so tools
//! that read gpsd can read riverwatch.
//!
//! Hand-written on purpose: `riverwatch decode` spends most of its time here, and writing
//! integers with `itoa` straight into one reused buffer is several times faster than
//! building a `serde_json::Value` per message.

use crate::decoder::Decoded;
use crate::message::{
    Application, BinaryData, Body, StaticDataReport, epfd_text, shiptype_text, status_text,
};

/// Output options.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonOptions {
    /// Scale values to physical units as `gpsdecode` does by default (`-u` turns it off).
    pub scaled: bool,
}

/// Appends one JSON object (no newline) for a decoded message.
pub fn write(out: &mut Vec<u8>, d: &Decoded<'_>, opts: JsonOptions) {
    let m = &d.message;
    let mut o = Obj::open(out);
    o.str_lit("class", "AIS");
    o.u("type", m.msg_type);
    o.u("repeat", m.repeat);
    o.u("mmsi", m.mmsi);
    o.bool("scaled", opts.scaled);
    let s = opts.scaled;
    match &m.body {
        Body::Position(p) => {
            o.u("status", p.status);
            o.str_lit("status_text", status_text(p.status));
            if s {
                match p.turn {
                    -128 => o.str_lit("turn", "n/a"),
                    127 => o.str_lit("turn", "fastright"),
                    -127 => o.str_lit("turn", "fastleft"),
                    t => {
                        // Degrees per minute, signed, to the nearest whole degree.
                        let r = f64::from(t) / 4.733;
                        o.i("turn", (r * r * f64::from(t.signum())).round() as i32);
                    }
                }
                speed_tenths(&mut o, p.speed);
            } else {
                o.i("turn", p.turn);
                o.u("speed", p.speed);
            }
            o.bool("accuracy", p.accuracy);
            lon_lat(&mut o, p.lon, p.lat, s, 600_000);
            course_tenths(&mut o, p.course, s);
            o.u("heading", p.heading);
            o.u("second", p.second);
            o.u("maneuver", p.maneuver);
            o.bool("raim", p.raim);
            o.u("radio", p.radio);
        }
        Body::BaseStation(b) => {
            timestamp(&mut o, b.year, b.month, b.day, b.hour, b.minute, b.second);
            o.bool("accuracy", b.accuracy);
            lon_lat(&mut o, b.lon, b.lat, s, 600_000);
            o.u("epfd", b.epfd);
            o.str_lit("epfd_text", epfd_text(b.epfd));
            o.bool("raim", b.raim);
            o.u("radio", b.radio);
        }
        Body::StaticVoyage(v) => {
            o.u("imo", v.imo);
            o.u("ais_version", v.ais_version);
            o.str("callsign", &v.callsign);
            o.str("shipname", &v.shipname);
            o.u("shiptype", v.shiptype);
            o.str_lit("shiptype_text", shiptype_text(v.shiptype));
            dims(&mut o, v.to_bow, v.to_stern, v.to_port, v.to_starboard);
            o.u("epfd", v.epfd);
            o.str_lit("epfd_text", epfd_text(v.epfd));
            eta(&mut o, v.month, v.day, v.hour, v.minute);
            if s {
                o.ratio("draught", i64::from(v.draught), 10, 1);
            } else {
                o.u("draught", v.draught);
            }
            o.str("destination", &v.destination);
            o.u("dte", u8::from(v.dte));
        }
        Body::AddressedBinary(b) => {
            o.u("seqno", b.seqno);
            o.u("dest_mmsi", b.dest_mmsi);
            o.bool("retransmit", b.retransmit);
            o.u("dac", b.dac);
            o.u("fid", b.fid);
            application(&mut o, b.app.as_ref(), &b.data, s);
        }
        Body::Acknowledge(a) => {
            for k in 0..4 {
                let key = ["mmsi1", "mmsi2", "mmsi3", "mmsi4"][k];
                o.u(key, a.acks.get(k).map_or(0, |x| x.0));
            }
        }
        Body::BroadcastBinary(b) => {
            o.u("dac", b.dac);
            o.u("fid", b.fid);
            application(&mut o, b.app.as_ref(), &b.data, s);
        }
        Body::SarAircraft(a) => {
            o.u("alt", a.alt);
            if s && a.speed == 1023 {
                o.str_lit("speed", "nan");
            } else {
                o.u("speed", a.speed);
            }
            o.bool("accuracy", a.accuracy);
            lon_lat(&mut o, a.lon, a.lat, s, 600_000);
            course_tenths(&mut o, a.course, s);
            o.u("second", a.second);
            o.u("regional", a.regional);
            o.u("dte", u8::from(a.dte));
            o.bool("raim", a.raim);
            o.u("radio", a.radio);
        }
        Body::UtcInquiry(u) => o.u("dest_mmsi", u.dest_mmsi),
        Body::AddressedSafety(a) => {
            o.u("seqno", a.seqno);
            o.u("dest_mmsi", a.dest_mmsi);
            o.bool("retransmit", a.retransmit);
            o.str("text", &a.text);
        }
        Body::SafetyBroadcast(b) => o.str("text", &b.text),
        // gpsd prints every slot of types 15, 16 and 20, with 0 for those not sent.
        Body::Interrogation(q) => {
            let (t12, o12) = q.type1_2.unwrap_or_default();
            let (m2, t21, o21) = q.mmsi2.unwrap_or_default();
            o.u("mmsi1", q.mmsi1);
            o.u("type1_1", q.type1_1);
            o.u("offset1_1", q.offset1_1);
            o.u("type1_2", t12);
            o.u("offset1_2", o12);
            o.u("mmsi2", m2);
            o.u("type2_1", t21);
            o.u("offset2_1", o21);
        }
        Body::AssignedMode(a) => {
            let (m2, off2, inc2) = a.second.unwrap_or_default();
            o.u("mmsi1", a.mmsi1);
            o.u("offset1", a.offset1);
            o.u("increment1", a.increment1);
            o.u("mmsi2", m2);
            o.u("offset2", off2);
            o.u("increment2", inc2);
        }
        Body::Dgnss(g) => {
            lon_lat(&mut o, g.lon, g.lat, s, 600);
            data(&mut o, &g.data);
        }
        Body::ClassB(b) => {
            o.u("reserved", b.reserved);
            speed_or(&mut o, b.speed, s);
            o.bool("accuracy", b.accuracy);
            lon_lat(&mut o, b.lon, b.lat, s, 600_000);
            course_tenths(&mut o, b.course, s);
            o.u("heading", b.heading);
            o.u("second", b.second);
            o.u("regional", b.regional);
            o.bool("cs", b.cs);
            o.bool("display", b.display);
            o.bool("dsc", b.dsc);
            o.bool("band", b.band);
            o.bool("msg22", b.msg22);
            o.bool("raim", b.raim);
            o.u("radio", b.radio);
        }
        Body::ClassBExtended(b) => {
            o.u("reserved", b.reserved);
            speed_or(&mut o, b.speed, s);
            o.bool("accuracy", b.accuracy);
            lon_lat(&mut o, b.lon, b.lat, s, 600_000);
            course_tenths(&mut o, b.course, s);
            o.u("heading", b.heading);
            o.u("second", b.second);
            o.u("regional", b.regional);
            o.str("shipname", &b.shipname);
            o.u("shiptype", b.shiptype);
            o.str_lit("shiptype_text", shiptype_text(b.shiptype));
            dims(&mut o, b.to_bow, b.to_stern, b.to_port, b.to_starboard);
            o.u("epfd", b.epfd);
            o.str_lit("epfd_text", epfd_text(b.epfd));
            o.bool("raim", b.raim);
            o.u("dte", u8::from(b.dte));
            o.bool("assigned", b.assigned);
        }
        Body::DataLinkManagement(d) => {
            let none = crate::message::SlotReservation::default();
            for k in 0..4 {
                let r = d.reservations.get(k).unwrap_or(&none);
                let n = k + 1;
                o.u_n("offset", n, r.offset);
                o.u_n("number", n, r.number);
                o.u_n("timeout", n, r.timeout);
                o.u_n("increment", n, r.increment);
            }
        }
        Body::AidToNavigation(a) => {
            o.u("aid_type", a.aid_type);
            o.str_lit("aid_type_text", aid_type_text(a.aid_type));
            o.str("name", &a.name);
            o.bool("accuracy", a.accuracy);
            lon_lat(&mut o, a.lon, a.lat, s, 600_000);
            dims(&mut o, a.to_bow, a.to_stern, a.to_port, a.to_starboard);
            o.u("epfd", a.epfd);
            o.str_lit("epfd_text", epfd_text(a.epfd));
            o.u("second", a.second);
            o.u("regional", a.regional);
            o.bool("off_position", a.off_position);
            o.bool("raim", a.raim);
            o.bool("virtual_aid", a.virtual_aid);
        }
        Body::ChannelManagement(c) => {
            o.u("channel_a", c.channel_a);
            o.u("channel_b", c.channel_b);
            o.u("txrx", c.txrx);
            o.bool("power", c.power);
            if let Some((ne_lon, ne_lat, sw_lon, sw_lat)) = c.area {
                lon_lat_keys(&mut o, ("ne_lon", "ne_lat"), ne_lon, ne_lat, s);
                lon_lat_keys(&mut o, ("sw_lon", "sw_lat"), sw_lon, sw_lat, s);
            }
            if let Some((d1, d2)) = c.dest {
                o.u("dest1", d1);
                o.u("dest2", d2);
            }
            o.bool("addressed", c.dest.is_some());
            o.bool("band_a", c.band_a);
            o.bool("band_b", c.band_b);
            o.u("zonesize", c.zonesize);
        }
        Body::GroupAssignment(g) => {
            lon_lat_keys(&mut o, ("ne_lon", "ne_lat"), g.ne_lon, g.ne_lat, s);
            lon_lat_keys(&mut o, ("sw_lon", "sw_lat"), g.sw_lon, g.sw_lat, s);
            o.u("stationtype", g.station_type);
            o.str_lit("stationtype_text", station_type_text(g.station_type));
            o.u("shiptype", g.ship_type);
            o.str_lit("shiptype_text", shiptype_text(g.ship_type));
            o.u("interval", g.interval);
            o.u("quiet", g.quiet);
        }
        Body::StaticData(StaticDataReport::PartA { shipname }) => {
            o.u("partno", 0u8);
            o.str("shipname", shipname);
        }
        Body::StaticData(StaticDataReport::PartB(b)) => {
            o.u("partno", 1u8);
            o.u("shiptype", b.shiptype);
            o.str_lit("shiptype_text", shiptype_text(b.shiptype));
            o.str("vendorid", &b.vendorid);
            o.u("model", b.model);
            o.u("serial", b.serial);
            o.str("callsign", &b.callsign);
            match b.mothership_mmsi {
                Some(m) => o.u("mothership_mmsi", m),
                None => dims(&mut o, b.to_bow, b.to_stern, b.to_port, b.to_starboard),
            }
        }
        Body::SingleSlotBinary(b) => {
            o.bool("addressed", b.addressed);
            o.bool("structured", b.structured);
            // gpsd prints both, with 0 when the message has none.
            o.u("dest_mmsi", b.dest_mmsi.unwrap_or(0));
            let (dac, fid) = b.app_id.unwrap_or((0, 0));
            o.u("app_id", (u32::from(dac) << 6) | u32::from(fid));
            data(&mut o, &b.data);
        }
        Body::MultiSlotBinary(b) => {
            o.bool("addressed", b.addressed);
            o.bool("structured", b.structured);
            // gpsd prints both, with 0 when the message has none.
            o.u("dest_mmsi", b.dest_mmsi.unwrap_or(0));
            let (dac, fid) = b.app_id.unwrap_or((0, 0));
            o.u("app_id", (u32::from(dac) << 6) | u32::from(fid));
            data(&mut o, &b.data);
            o.u("radio", b.radio);
        }
        Body::LongRange(l) => {
            o.u("status", l.status);
            o.bool("accuracy", l.accuracy);
            lon_lat(&mut o, l.lon, l.lat, s, 600);
            o.u("speed", l.speed);
            o.u("course", l.course);
            o.bool("raim", l.raim);
            o.bool("gnss", l.gnss);
        }
    }
    o.close();
}

#[inline]
fn speed_tenths(o: &mut Obj<'_>, speed: u16) {
    match speed {
        1023 => o.str_lit("speed", "n/a"),
        1022 => o.str_lit("speed", "fast"),
        v => o.ratio("speed", i64::from(v), 10, 1),
    }
}

#[inline]
fn speed_or(o: &mut Obj<'_>, speed: u16, scaled: bool) {
    if scaled {
        speed_tenths(o, speed);
    } else {
        o.u("speed", speed);
    }
}

#[inline]
fn course_tenths(o: &mut Obj<'_>, course: u16, scaled: bool) {
    if scaled {
        o.ratio("course", i64::from(course), 10, 1);
    } else {
        o.u("course", course);
    }
}

#[inline]
fn lon_lat(o: &mut Obj<'_>, lon: i32, lat: i32, scaled: bool, div: i64) {
    lon_lat_div(o, ("lon", "lat"), lon, lat, scaled, div);
}

#[inline]
fn lon_lat_keys(o: &mut Obj<'_>, keys: (&str, &str), lon: i32, lat: i32, scaled: bool) {
    lon_lat_div(o, keys, lon, lat, scaled, 600);
}

#[inline]
fn lon_lat_div(o: &mut Obj<'_>, keys: (&str, &str), lon: i32, lat: i32, scaled: bool, div: i64) {
    if scaled {
        o.ratio(keys.0, i64::from(lon), div, 7);
        o.ratio(keys.1, i64::from(lat), div, 7);
    } else {
        o.i(keys.0, lon);
        o.i(keys.1, lat);
    }
}

#[inline]
fn dims(o: &mut Obj<'_>, bow: u16, stern: u16, port: u8, starboard: u8) {
    o.u("to_bow", bow);
    o.u("to_stern", stern);
    o.u("to_port", port);
    o.u("to_starboard", starboard);
}

fn timestamp(o: &mut Obj<'_>, y: u16, mo: u8, d: u8, h: u8, mi: u8, s: u8) {
    let t = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z");
    o.str_lit("timestamp", &t);
}

fn eta(o: &mut Obj<'_>, mo: u8, d: u8, h: u8, mi: u8) {
    let s = format!("{mo:02}-{d:02}T{h:02}:{mi:02}Z");
    o.str_lit("eta", &s);
}

fn data(o: &mut Obj<'_>, d: &BinaryData) {
    let mut s = String::with_capacity(8 + d.bytes.len() * 2);
    s.push_str(itoa::Buffer::new().format(d.bits));
    s.push(':');
    for b in &d.bytes {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    o.str_lit("data", &s);
}

fn application(o: &mut Obj<'_>, app: Option<&Application>, raw: &BinaryData, scaled: bool) {
    match app {
        Some(Application::InlandStaticVoyage(i)) => {
            o.str("vin", &i.vin);
            if scaled {
                o.ratio("length", i64::from(i.length), 10, 1);
                o.ratio("beam", i64::from(i.beam), 10, 1);
            } else {
                o.u("length", i.length);
                o.u("beam", i.beam);
            }
            o.u("shiptype", i.shiptype);
            o.str_lit("shiptype_text", eri_shiptype_text(i.shiptype));
            o.u("hazard", i.hazard);
            o.str_lit("hazard_text", hazard_text(i.hazard));
            if scaled {
                o.ratio("draught", i64::from(i.draught), 100, 2);
            } else {
                o.u("draught", i.draught);
            }
            o.u("loaded", i.loaded);
            o.str_lit("loaded_text", loaded_text(i.loaded));
            o.bool("speed_q", i.speed_q);
            o.bool("course_q", i.course_q);
            o.bool("heading_q", i.heading_q);
        }
        Some(Application::PersonsOnBoard(p)) => {
            o.u("crew", p.crew);
            o.u("passengers", p.passengers);
            o.u("personnel", p.personnel);
        }
        None => data(o, raw),
    }
}

/// Hazardous cargo text for inland FI 10.
pub fn hazard_text(h: u8) -> &'static str {
    match h {
        0 => "0 blue cones/lights",
        1 => "1 blue cone/light",
        2 => "2 blue cones/lights",
        3 => "3 blue cones/lights",
        4 => "B-Flag",
        _ => "Unknown",
    }
}

/// Loaded/unloaded text for inland FI 10, per the ECE Vessel Tracking and Tracing
/// standard (table 2.4): 1 = loaded, 2 = unloaded. gpsd prints these two swapped.
pub fn loaded_text(l: u8) -> &'static str {
    match l {
        1 => "Loaded",
        2 => "Unloaded",
        0 => "N/A (default)",
        _ => "INVALID LOAD STATUS",
    }
}

/// ERI ship or combination type (ERI classification, as listed in the inland AIS
/// standard's annex). gpsd's table stops at 8370; the codes after it are in the ERI list.
pub fn eri_shiptype_text(t: u16) -> &'static str {
    match t {
        8000 => "Vessel, type unknown",
        8010 => "Motor freighter",
        8020 => "Motor tanker",
        8021 => "Motor tanker, liquid cargo, type N",
        8022 => "Motor tanker, liquid cargo, type C",
        8023 => "Motor tanker, dry cargo as if liquid (e.g. cement)",
        8030 => "Container vessel",
        8040 => "Gas tanker",
        8050 => "Motor freighter, tug",
        8060 => "Motor tanker, tug",
        8070 => "Motor freighter with one or more ships alongside",
        8080 => "Motor freighter with tanker",
        8090 => "Motor freighter pushing one or more freighters",
        8100 => "Motor freighter pushing at least one tank-ship",
        8110 => "Tug, freighter",
        8120 => "Tug, tanker",
        8130 => "Tug freighter, coupled",
        8140 => "Tug, freighter/tanker, coupled",
        8150 => "Freightbarge",
        8160 => "Tankbarge",
        8161 => "Tankbarge, liquid cargo, type N",
        8162 => "Tankbarge, liquid cargo, type C",
        8163 => "Tankbarge, dry cargo as if liquid (e.g. cement)",
        8170 => "Freightbarge with containers",
        8180 => "Tankbarge, gas",
        8210 => "Pushtow, one cargo barge",
        8220 => "Pushtow, two cargo barges",
        8230 => "Pushtow, three cargo barges",
        8240 => "Pushtow, four cargo barges",
        8250 => "Pushtow, five cargo barges",
        8260 => "Pushtow, six cargo barges",
        8270 => "Pushtow, seven cargo barges",
        8280 => "Pushtow, eight cargo barges",
        8290 => "Pushtow, nine or more barges",
        8310 => "Pushtow, one tank/gas barge",
        8320 => "Pushtow, two barges at least one tanker or gas barge",
        8330 => "Pushtow, three barges at least one tanker or gas barge",
        8340 => "Pushtow, four barges at least one tanker or gas barge",
        8350 => "Pushtow, five barges at least one tanker or gas barge",
        8360 => "Pushtow, six barges at least one tanker or gas barge",
        8370 => "Pushtow, seven barges at least one tanker or gas barge",
        8400 => "Tug, single",
        8410 => "Tug, one or more tows",
        8420 => "Tug, assisting a vessel or linked combination",
        8430 => "Pushboat, single",
        8440 => "Passenger ship, ferry, cruise ship, red cross ship",
        8441 => "Ferry",
        8442 => "Red cross ship",
        8443 => "Cruise ship",
        8444 => "Passenger ship without accommodation",
        8450 => "Service vessel, police patrol, port service",
        8460 => "Vessel, work maintenance craft, floating derrick, cable-ship, buoy-ship, dredge",
        8470 => "Object, towed, not otherwise specified",
        8480 => "Fishing boat",
        8490 => "Bunkership",
        8500 => "Barge, tanker, chemical",
        8510 => "Object, not otherwise specified",
        1500 => "General cargo Vessel maritime",
        1510 => "Unit carrier maritime",
        1520 => "Bulk carrier maritime",
        1530 => "Tanker",
        1540 => "Liquified gas tanker",
        1850 => "Pleasure craft, longer than 20 metres",
        1900 => "Fast ship",
        1910 => "Hydrofoil",
        1920 => "Catamaran fast",
        _ => "Illegal ship type value.",
    }
}

fn aid_type_text(t: u8) -> &'static str {
    const T: [&str; 32] = [
        "Unspecified",
        "Reference point",
        "RACON",
        "Fixed offshore structure",
        "Spare, Reserved for future use.",
        "Light, without sectors",
        "Light, with sectors",
        "Leading Light Front",
        "Leading Light Rear",
        "Beacon, Cardinal N",
        "Beacon, Cardinal E",
        "Beacon, Cardinal S",
        "Beacon, Cardinal W",
        "Beacon, Port hand",
        "Beacon, Starboard hand",
        "Beacon, Preferred Channel port hand",
        "Beacon, Preferred Channel starboard hand",
        "Beacon, Isolated danger",
        "Beacon, Safe water",
        "Beacon, Special mark",
        "Cardinal Mark N",
        "Cardinal Mark E",
        "Cardinal Mark S",
        "Cardinal Mark W",
        "Port hand Mark",
        "Starboard hand Mark",
        "Preferred Channel Port hand",
        "Preferred Channel Starboard hand",
        "Isolated danger",
        "Safe Water",
        "Special Mark",
        "Light Vessel / LANBY / Rigs",
    ];
    T[(t & 31) as usize]
}

fn station_type_text(t: u8) -> &'static str {
    match t {
        0 => "All types of mobiles",
        1 => "Reserved for future use",
        2 => "All types of Class B mobile stations",
        3 => "SAR airborne mobile station",
        4 => "Aid to Navigation station",
        5 => "Class B shipborne mobile station",
        6 => "Regional use and inland waterways",
        7 => "Regional use and inland waterways",
        8 => "Regional use and inland waterways",
        9 => "Regional use and inland waterways",
        _ => "Reserved for future use",
    }
}

/// A JSON object writer into a byte buffer.
struct Obj<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
}

impl<'a> Obj<'a> {
    #[inline(always)]
    fn open(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj { out, first: true }
    }

    #[inline(always)]
    fn key(&mut self, k: &str) {
        // Inlined with a literal `k`, every copy here has a constant length and compiles
        // to plain stores: no memcpy call per key.
        if self.first {
            self.first = false;
            self.out.push(b'"');
        } else {
            self.out.extend_from_slice(b",\"");
        }
        self.out.extend_from_slice(k.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    #[inline(always)]
    fn u(&mut self, k: &str, v: impl itoa::Integer) {
        self.key(k);
        self.out
            .extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    }

    #[inline(always)]
    fn u_n(&mut self, k: &str, n: usize, v: impl itoa::Integer) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(k.as_bytes());
        self.out
            .extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
            .extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
    }

    #[inline(always)]
    fn i(&mut self, k: &str, v: impl itoa::Integer) {
        self.u(k, v);
    }

    #[inline(always)]
    fn bool(&mut self, k: &str, v: bool) {
        self.key(k);
        self.out
            .extend_from_slice(if v { b"true" } else { b"false" });
    }

    /// A string known to need no escaping.
    #[inline(always)]
    fn str_lit(&mut self, k: &str, v: &str) {
        self.key(k);
        self.out.push(b'"');
        self.out.extend_from_slice(v.as_bytes());
        self.out.push(b'"');
    }

    /// A string from the air: 6-bit text may hold `"` and `\`.
    #[inline(always)]
    fn str(&mut self, k: &str, v: &str) {
        self.key(k);
        self.out.push(b'"');
        for &c in v.as_bytes() {
            match c {
                b'"' => self.out.extend_from_slice(b"\\\""),
                b'\\' => self.out.extend_from_slice(b"\\\\"),
                c if c < 0x20 => self.out.extend_from_slice(format!("\\u{c:04x}").as_bytes()),
                c => self.out.push(c),
            }
        }
        self.out.push(b'"');
    }

    /// `raw / div` with `decimals` places, in integer arithmetic: exact, and the same
    /// digits printf gives for these quotients (tenths, hundredths, 1/600 and 1/600 000
    /// never land on a rounding tie at the precision printed).
    #[inline(always)]
    fn ratio(&mut self, k: &str, raw: i64, div: i64, decimals: u32) {
        self.key(k);
        let scale = 10i64.pow(decimals);
        let num = raw * scale;
        let (mut q, r) = (num / div, num % div);
        if 2 * r.abs() >= div {
            q += num.signum();
        }
        if q < 0 {
            self.out.push(b'-');
        }
        let q = q.unsigned_abs();
        let scale = scale.unsigned_abs();
        self.out
            .extend_from_slice(itoa::Buffer::new().format(q / scale).as_bytes());
        if decimals > 0 {
            self.out.push(b'.');
            let frac = q % scale;
            let mut digits = [b'0'; 12];
            let mut buf = itoa::Buffer::new();
            let s = buf.format(frac).as_bytes();
            let pad = decimals as usize - s.len();
            digits[pad..decimals as usize].copy_from_slice(s);
            self.out.extend_from_slice(&digits[..decimals as usize]);
        }
    }

    #[inline(always)]
    fn close(self) {
        self.out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decoder::{Decoder, Output};

    fn json(lines: &[&str], scaled: bool) -> Vec<String> {
        let mut d = Decoder::default();
        let mut out = Vec::new();
        for l in lines {
            d.decode_line(l.as_bytes(), &mut |o| {
                if let Output::Ais(m) = o {
                    let mut buf = Vec::new();
                    write(&mut buf, &m, JsonOptions { scaled });
                    out.push(String::from_utf8(buf).unwrap());
                }
            });
        }
        out
    }

    #[test]
    fn matches_gpsd_unscaled_type1() {
        assert_eq!(
            json(&["!AIVDM,1,1,,B,13nUgBWP01PkHvDU7<kC4wvJ2>`<,0*27"], false),
            vec![
                r#"{"class":"AIS","type":1,"repeat":0,"mmsi":258568010,"scaled":false,"status":7,"status_text":"Engaged in fishing","turn":-128,"speed":1,"accuracy":true,"lon":6735818,"lat":38915277,"course":787,"heading":511,"second":13,"maneuver":0,"raim":true,"radio":59916}"#
            ]
        );
    }

    #[test]
    fn scaled_values_print_like_printf() {
        let mut out = Vec::new();
        let mut o = Obj::open(&mut out);
        o.ratio("lon", -74_037_230, 600_000, 7);
        o.ratio("lat", 3, 600_000, 7);
        o.ratio("speed", 123, 10, 1);
        o.ratio("d", 5, 100, 2);
        o.ratio("x", -1, 600, 7);
        o.close();
        let text = String::from_utf8(out).unwrap();
        let expect = format!(
            "{{\"lon\":{:.7},\"lat\":{:.7},\"speed\":{:.1},\"d\":{:.2},\"x\":{:.7}}}",
            -74_037_230.0 / 600_000.0,
            3.0 / 600_000.0,
            12.3,
            0.05,
            -1.0 / 600.0
        );
        assert_eq!(text, expect);
    }

    #[test]
    fn output_is_valid_json_with_hostile_text() {
        let lines = ["!AIVDM,1,1,,A,>5?Per18=HB1U:1@E=B0m<L,2*51"];
        for j in json(&lines, true) {
            serde_json::from_str::<serde_json::Value>(&j).unwrap();
        }
    }
}
