//! Round trip for every message type: encoder -> sentences -> decoder gives back the
//! same message (proptest), plus decodes of real lines checked field by field.

use proptest::prelude::*;

use super::*;
use crate::decoder::{Decoder, Output};
use crate::encode::{EncodeOptions, TagOptions, encode};

/// Six-bit text as the air carries it: no '@' (the terminator), no trailing spaces.
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(1usize..64, 0..=max).prop_map(|v| {
        let s: String = v
            .into_iter()
            .map(|i| crate::bits::SIXBIT_ASCII[i] as char)
            .collect();
        s.trim_end().to_string()
    })
}

fn bits(max: usize) -> impl Strategy<Value = BinaryData> {
    (0..=max).prop_flat_map(|n| {
        proptest::collection::vec(any::<u8>(), n.div_ceil(8)).prop_map(move |mut bytes| {
            if let (true, Some(last)) = (!n.is_multiple_of(8), bytes.last_mut()) {
                *last &= 0xFFu8 << (8 - n % 8);
            }
            BinaryData { bits: n, bytes }
        })
    })
}

fn u(width: u32) -> impl Strategy<Value = u64> {
    0..(1u64 << width)
}

fn i(width: u32) -> impl Strategy<Value = i64> {
    -(1i64 << (width - 1))..(1i64 << (width - 1))
}

fn position() -> impl Strategy<Value = Body> {
    (
        u(4),
        i(8),
        u(10),
        any::<bool>(),
        i(28),
        i(27),
        u(12),
        u(9),
        u(6),
        u(2),
        any::<bool>(),
        u(19),
    )
        .prop_map(
            |(st, turn, sp, acc, lon, lat, co, hd, sec, man, raim, radio)| {
                Body::Position(PositionReport {
                    status: st as u8,
                    turn: turn as i8,
                    speed: sp as u16,
                    accuracy: acc,
                    lon: lon as i32,
                    lat: lat as i32,
                    course: co as u16,
                    heading: hd as u16,
                    second: sec as u8,
                    maneuver: man as u8,
                    raim,
                    radio: radio as u32,
                })
            },
        )
}

fn base_station() -> impl Strategy<Value = Body> {
    (
        u(14),
        u(4),
        u(5),
        u(5),
        u(6),
        u(6),
        any::<bool>(),
        i(28),
        i(27),
        u(4),
        any::<bool>(),
        u(19),
    )
        .prop_map(|(y, mo, d, h, mi, s, acc, lon, lat, epfd, raim, radio)| {
            Body::BaseStation(BaseStationReport {
                year: y as u16,
                month: mo as u8,
                day: d as u8,
                hour: h as u8,
                minute: mi as u8,
                second: s as u8,
                accuracy: acc,
                lon: lon as i32,
                lat: lat as i32,
                epfd: epfd as u8,
                raim,
                radio: radio as u32,
            })
        })
}

fn static_voyage() -> impl Strategy<Value = Body> {
    (
        (u(2), u(30), text(7), text(20), u(8), u(9), u(9), u(6), u(6)),
        (u(4), u(4), u(5), u(5), u(6), u(8), text(20), any::<bool>()),
    )
        .prop_map(
            |(
                (v, imo, cs, name, ty, bow, stern, port, stbd),
                (epfd, mo, d, h, mi, dr, dest, dte),
            )| {
                Body::StaticVoyage(StaticVoyage {
                    ais_version: v as u8,
                    imo: imo as u32,
                    callsign: cs.into(),
                    shipname: name.into(),
                    shiptype: ty as u8,
                    to_bow: bow as u16,
                    to_stern: stern as u16,
                    to_port: port as u8,
                    to_starboard: stbd as u8,
                    epfd: epfd as u8,
                    month: mo as u8,
                    day: d as u8,
                    hour: h as u8,
                    minute: mi as u8,
                    draught: dr as u8,
                    destination: dest.into(),
                    dte,
                })
            },
        )
}

fn application() -> impl Strategy<Value = (u16, u8, BinaryData, Option<Application>)> {
    let inland = (
        text(8),
        u(13),
        u(10),
        u(14),
        u(3),
        u(11),
        u(2),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(vin, len, beam, ty, hz, dr, ld, a, b, c)| {
            Application::InlandStaticVoyage(InlandStaticVoyage {
                vin: vin.into(),
                length: len as u16,
                beam: beam as u16,
                shiptype: ty as u16,
                hazard: hz as u8,
                draught: dr as u16,
                loaded: ld as u8,
                speed_q: a,
                course_q: b,
                heading_q: c,
            })
        });
    let pob = (u(8), u(13), u(8)).prop_map(|(c, p, s)| {
        Application::PersonsOnBoard(PersonsOnBoard {
            crew: c as u8,
            passengers: p as u16,
            personnel: s as u8,
        })
    });
    prop_oneof![
        inland.prop_map(|a| (200u16, 10u8, BinaryData::from_application(&a), Some(a))),
        pob.prop_map(|a| (200u16, 55u8, BinaryData::from_application(&a), Some(a))),
        (u(10), u(6), bits(800))
            .prop_filter(
                "not an application riverwatch decodes",
                |(dac, fid, _)| !(*dac == 200 && (*fid == 10 || *fid == 55))
            )
            .prop_map(|(dac, fid, data)| (dac as u16, fid as u8, data, None)),
    ]
}

fn binary() -> impl Strategy<Value = Body> {
    prop_oneof![
        (u(2), u(30), any::<bool>(), application()).prop_map(
            |(seq, dest, rt, (dac, fid, data, app))| {
                Body::AddressedBinary(AddressedBinary {
                    seqno: seq as u8,
                    dest_mmsi: dest as u32,
                    retransmit: rt,
                    dac,
                    fid,
                    data,
                    app,
                })
            }
        ),
        application().prop_map(
            |(dac, fid, data, app)| Body::BroadcastBinary(BroadcastBinary {
                dac,
                fid,
                data,
                app
            })
        ),
        (any::<bool>(), any::<bool>(), u(30), u(10), u(6), bits(72)).prop_map(
            |(ad, st, dest, dac, fid, data)| {
                Body::SingleSlotBinary(SingleSlotBinary {
                    addressed: ad,
                    structured: st,
                    dest_mmsi: ad.then_some(dest as u32),
                    app_id: st.then_some((dac as u16, fid as u8)),
                    data,
                })
            }
        ),
        (
            any::<bool>(),
            any::<bool>(),
            u(30),
            u(10),
            u(6),
            bits(900),
            u(20)
        )
            .prop_map(|(ad, st, dest, dac, fid, data, radio)| {
                Body::MultiSlotBinary(MultiSlotBinary {
                    addressed: ad,
                    structured: st,
                    dest_mmsi: ad.then_some(dest as u32),
                    app_id: st.then_some((dac as u16, fid as u8)),
                    data,
                    radio: radio as u32,
                })
            }),
    ]
}

fn class_b() -> impl Strategy<Value = Body> {
    (
        (
            u(8),
            u(10),
            any::<bool>(),
            i(28),
            i(27),
            u(12),
            u(9),
            u(6),
            u(2),
        ),
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            u(20),
        ),
    )
        .prop_map(
            |(
                (r, sp, acc, lon, lat, co, hd, sec, reg),
                (cs, di, dsc, band, m22, asg, raim, radio),
            )| {
                Body::ClassB(ClassBPosition {
                    reserved: r as u8,
                    speed: sp as u16,
                    accuracy: acc,
                    lon: lon as i32,
                    lat: lat as i32,
                    course: co as u16,
                    heading: hd as u16,
                    second: sec as u8,
                    regional: reg as u8,
                    cs,
                    display: di,
                    dsc,
                    band,
                    msg22: m22,
                    assigned: asg,
                    raim,
                    radio: radio as u32,
                })
            },
        )
}

fn class_b_extended() -> impl Strategy<Value = Body> {
    (
        (
            u(8),
            u(10),
            any::<bool>(),
            i(28),
            i(27),
            u(12),
            u(9),
            u(6),
            u(4),
        ),
        (
            text(20),
            u(8),
            u(9),
            u(9),
            u(6),
            u(6),
            u(4),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (r, sp, acc, lon, lat, co, hd, sec, reg),
                (name, ty, bow, stern, port, stbd, epfd, raim, dte, asg),
            )| {
                Body::ClassBExtended(ClassBExtended {
                    reserved: r as u8,
                    speed: sp as u16,
                    accuracy: acc,
                    lon: lon as i32,
                    lat: lat as i32,
                    course: co as u16,
                    heading: hd as u16,
                    second: sec as u8,
                    regional: reg as u8,
                    shipname: name.into(),
                    shiptype: ty as u8,
                    to_bow: bow as u16,
                    to_stern: stern as u16,
                    to_port: port as u8,
                    to_starboard: stbd as u8,
                    epfd: epfd as u8,
                    raim,
                    dte,
                    assigned: asg,
                })
            },
        )
}

fn others() -> impl Strategy<Value = Body> {
    prop_oneof![
        proptest::collection::vec((u(30), u(2)), 1..=4).prop_map(|v| Body::Acknowledge(
            Acknowledge {
                acks: v.into_iter().map(|(m, s)| (m as u32, s as u8)).collect()
            }
        )),
        u(30).prop_map(|d| Body::UtcInquiry(UtcInquiry {
            dest_mmsi: d as u32
        })),
        (u(2), u(30), any::<bool>(), text(150)).prop_map(|(s, d, r, t)| {
            Body::AddressedSafety(AddressedSafety {
                seqno: s as u8,
                dest_mmsi: d as u32,
                retransmit: r,
                text: t,
            })
        }),
        text(160).prop_map(|t| Body::SafetyBroadcast(SafetyBroadcast { text: t })),
        (
            u(30),
            u(6),
            u(12),
            proptest::option::of((u(6), u(12))),
            proptest::option::of((u(30), u(6), u(12)))
        )
            .prop_map(|(m1, t, o, t2, m2)| {
                let type1_2 = match (t2, m2) {
                    (None, Some(_)) => Some((0, 0)),
                    (t2, _) => t2.map(|(a, b)| (a as u8, b as u16)),
                };
                Body::Interrogation(Interrogation {
                    mmsi1: m1 as u32,
                    type1_1: t as u8,
                    offset1_1: o as u16,
                    type1_2,
                    mmsi2: m2.map(|(a, b, c)| (a as u32, b as u8, c as u16)),
                })
            }),
        (
            u(30),
            u(12),
            u(10),
            proptest::option::of((u(30), u(12), u(10)))
        )
            .prop_map(|(m, o, inc, second)| {
                Body::AssignedMode(AssignedMode {
                    mmsi1: m as u32,
                    offset1: o as u16,
                    increment1: inc as u16,
                    second: second.map(|(a, b, c)| (a as u32, b as u16, c as u16)),
                })
            }),
        (i(18), i(17), bits(700)).prop_map(|(lon, lat, data)| Body::Dgnss(DgnssBroadcast {
            lon: lon as i32,
            lat: lat as i32,
            data
        })),
        proptest::collection::vec((u(12), u(4), u(3), u(11)), 1..=4).prop_map(|v| {
            Body::DataLinkManagement(DataLinkManagement {
                reservations: v
                    .into_iter()
                    .map(|(o, n, t, i)| SlotReservation {
                        offset: o as u16,
                        number: n as u8,
                        timeout: t as u8,
                        increment: i as u16,
                    })
                    .collect(),
            })
        }),
        (
            u(12),
            u(12),
            u(4),
            any::<bool>(),
            (i(18), i(17), i(18), i(17)),
            proptest::option::of((u(30), u(30))),
            any::<bool>(),
            any::<bool>(),
            u(3)
        )
            .prop_map(|(a, b, tr, pw, (w, x, y, z), dest, ba, bb, zs)| {
                Body::ChannelManagement(ChannelManagement {
                    channel_a: a as u16,
                    channel_b: b as u16,
                    txrx: tr as u8,
                    power: pw,
                    area: dest
                        .is_none()
                        .then_some((w as i32, x as i32, y as i32, z as i32)),
                    dest: dest.map(|(p, q)| (p as u32, q as u32)),
                    band_a: ba,
                    band_b: bb,
                    zonesize: zs as u8,
                })
            }),
        ((i(18), i(17), i(18), i(17)), u(4), u(8), u(2), u(4), u(4)).prop_map(
            |((a, b, c, d), st, sh, tr, iv, q)| {
                Body::GroupAssignment(GroupAssignment {
                    ne_lon: a as i32,
                    ne_lat: b as i32,
                    sw_lon: c as i32,
                    sw_lat: d as i32,
                    station_type: st as u8,
                    ship_type: sh as u8,
                    txrx: tr as u8,
                    interval: iv as u8,
                    quiet: q as u8,
                })
            }
        ),
        (
            any::<bool>(),
            any::<bool>(),
            u(4),
            i(18),
            i(17),
            u(6),
            u(9),
            any::<bool>()
        )
            .prop_map(|(a, r, st, lon, lat, sp, co, g)| {
                Body::LongRange(LongRange {
                    accuracy: a,
                    raim: r,
                    status: st as u8,
                    lon: lon as i32,
                    lat: lat as i32,
                    speed: sp as u8,
                    course: co as u16,
                    gnss: g,
                })
            }),
        (
            u(12),
            u(10),
            any::<bool>(),
            i(28),
            i(27),
            u(12),
            u(6),
            u(8),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            u(20)
        )
            .prop_map(
                |(alt, sp, acc, lon, lat, co, sec, reg, dte, asg, raim, radio)| {
                    Body::SarAircraft(SarAircraft {
                        alt: alt as u16,
                        speed: sp as u16,
                        accuracy: acc,
                        lon: lon as i32,
                        lat: lat as i32,
                        course: co as u16,
                        second: sec as u8,
                        regional: reg as u8,
                        dte,
                        assigned: asg,
                        raim,
                        radio: radio as u32,
                    })
                }
            ),
    ]
}

fn statics() -> impl Strategy<Value = Body> {
    prop_oneof![
        text(20).prop_map(|n| Body::StaticData(StaticDataReport::PartA { shipname: n.into() })),
        (u(8), text(3), u(4), u(20), text(7), u(9), u(9), u(6), u(6)).prop_map(
            |(ty, v, m, s, cs, bow, stern, port, stbd)| {
                Body::StaticData(StaticDataReport::PartB(StaticDataB {
                    shiptype: ty as u8,
                    vendorid: v.into(),
                    model: m as u8,
                    serial: s as u32,
                    callsign: cs.into(),
                    to_bow: bow as u16,
                    to_stern: stern as u16,
                    to_port: port as u8,
                    to_starboard: stbd as u8,
                    mothership_mmsi: None,
                }))
            }
        ),
        (
            (
                u(5),
                text(34),
                any::<bool>(),
                i(28),
                i(27),
                u(9),
                u(9),
                u(6),
                u(6)
            ),
            (
                u(4),
                u(6),
                any::<bool>(),
                u(8),
                any::<bool>(),
                any::<bool>(),
                any::<bool>()
            ),
        )
            .prop_filter(
                "a name that fills 20 characters must not end its first part in a space",
                |((_, name, ..), _)| { name.chars().nth(19) != Some(' ') }
            )
            .prop_map(
                |(
                    (t, name, acc, lon, lat, bow, stern, port, stbd),
                    (epfd, sec, off, reg, raim, va, asg),
                )| {
                    Body::AidToNavigation(AidToNavigation {
                        aid_type: t as u8,
                        name: name.into(),
                        accuracy: acc,
                        lon: lon as i32,
                        lat: lat as i32,
                        to_bow: bow as u16,
                        to_stern: stern as u16,
                        to_port: port as u8,
                        to_starboard: stbd as u8,
                        epfd: epfd as u8,
                        second: sec as u8,
                        off_position: off,
                        regional: reg as u8,
                        raim,
                        virtual_aid: va,
                        assigned: asg,
                    })
                }
            ),
    ]
}

fn msg_type(body: &Body, pick: u8) -> u8 {
    match body {
        Body::Position(_) => 1 + pick % 3,
        Body::BaseStation(_) => [4, 11][pick as usize % 2],
        Body::StaticVoyage(_) => 5,
        Body::AddressedBinary(_) => 6,
        Body::Acknowledge(_) => [7, 13][pick as usize % 2],
        Body::BroadcastBinary(_) => 8,
        Body::SarAircraft(_) => 9,
        Body::UtcInquiry(_) => 10,
        Body::AddressedSafety(_) => 12,
        Body::SafetyBroadcast(_) => 14,
        Body::Interrogation(_) => 15,
        Body::AssignedMode(_) => 16,
        Body::Dgnss(_) => 17,
        Body::ClassB(_) => 18,
        Body::ClassBExtended(_) => 19,
        Body::DataLinkManagement(_) => 20,
        Body::AidToNavigation(_) => 21,
        Body::ChannelManagement(_) => 22,
        Body::GroupAssignment(_) => 23,
        Body::StaticData(_) => 24,
        Body::SingleSlotBinary(_) => 25,
        Body::MultiSlotBinary(_) => 26,
        Body::LongRange(_) => 27,
    }
}

fn message() -> impl Strategy<Value = Message> {
    let body = prop_oneof![
        position(),
        base_station(),
        static_voyage(),
        binary(),
        class_b(),
        class_b_extended(),
        others(),
        statics()
    ];
    (body, u(2), 0u32..980_000_000, any::<u8>()).prop_map(|(body, repeat, mmsi, pick)| Message {
        msg_type: msg_type(&body, pick),
        repeat: repeat as u8,
        // Keep clear of auxiliary-craft MMSIs (98xxxxxxx): their type 24 B differs.
        mmsi,
        body,
    })
}

fn decode_all(lines: &[String]) -> (Vec<Message>, Vec<crate::Reject>) {
    let mut d = Decoder::default();
    let (mut msgs, mut rejects) = (Vec::new(), Vec::new());
    for l in lines {
        d.decode_line(l.as_bytes(), &mut |o| match o {
            Output::Ais(m) => msgs.push(m.message),
            Output::Reject(r) => rejects.push(r),
            Output::Gnss(..) => {}
        });
    }
    (msgs, rejects)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn encoder_then_decoder_is_identity(m in message(), seq in 0u8..10, tagged in any::<bool>()) {
        let opts = EncodeOptions {
            seq_id: seq,
            tag: tagged.then(|| TagOptions { source: Some("tower-7".into()), time_ms: Some(1_763_800_000_000), group_id: Some(42) }),
            ..EncodeOptions::default()
        };
        let lines = encode(&m, &opts);
        let (msgs, rejects) = decode_all(&lines);
        prop_assert!(rejects.is_empty(), "{rejects:?} from {lines:?}");
        prop_assert_eq!(msgs, vec![m]);
    }
}

#[test]
fn auxiliary_craft_type24_carries_the_mothership() {
    let m = Message {
        msg_type: 24,
        repeat: 0,
        mmsi: 984_131_234,
        body: Body::StaticData(StaticDataReport::PartB(StaticDataB {
            shiptype: 52,
            callsign: "TUG1".into(),
            mothership_mmsi: Some(413_000_001),
            ..StaticDataB::default()
        })),
    };
    let (msgs, _) = decode_all(&encode(&m, &EncodeOptions::default()));
    assert_eq!(msgs, vec![m]);
}

/// One real line per message type (gpsd's `sample.aivdm`; type 24 from
/// `ais-nmea-type6-fid55.log`), with the values gpsd decodes from it.
#[test]
fn every_type_from_a_real_line() {
    use serde_json::{Value, json};
    #[allow(clippy::type_complexity)]
    let cases: &[(&[&str], u8, u32, &[(&str, Value)])] = &[
        (
            &[r"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"],
            1,
            371798000,
            &[
                ("status", json!(0)),
                ("turn", json!(-127)),
                ("speed", json!(123)),
                ("accuracy", json!(true)),
            ],
        ),
        (
            &[r"!AIVDM,1,1,,B,25Cjtd0Oj;Jp7ilG7=UkKBoB0<06,0*60"],
            2,
            356302000,
            &[
                ("status", json!(0)),
                ("turn", json!(127)),
                ("speed", json!(139)),
                ("accuracy", json!(false)),
            ],
        ),
        (
            &[r"!AIVDM,1,1,,A,38Id705000rRVJhE7cl9n;160000,0*40"],
            3,
            563808000,
            &[
                ("status", json!(5)),
                ("turn", json!(0)),
                ("speed", json!(0)),
                ("accuracy", json!(true)),
            ],
        ),
        (
            &[r"!AIVDM,1,1,,A,403OviQuMGCqWrRO9>E6fE700@GO,0*4D"],
            4,
            3669702,
            &[
                ("accuracy", json!(true)),
                ("lon", json!(-45811417)),
                ("lat", json!(22130260)),
                ("epfd", json!(7)),
            ],
        ),
        (
            &[
                r"!AIVDM,2,1,1,A,55?MbV02;H;s<HtKR20EHE:0@T4@Dn2222222216L961O5Gf0NSQEp6ClRp8,0*1C",
                r"!AIVDM,2,2,1,A,88888888880,2*25",
            ],
            5,
            351759000,
            &[
                ("imo", json!(9134270)),
                ("ais_version", json!(0)),
                ("shiptype", json!(70)),
                ("to_bow", json!(225)),
            ],
        ),
        (
            &[r"!AIVDM,1,1,,B,6B?n;be:cbapalgc;i6?Ow4,2*4A"],
            6,
            150834090,
            &[
                ("seqno", json!(3)),
                ("dest_mmsi", json!(313240222)),
                ("retransmit", json!(false)),
                ("dac", json!(669)),
            ],
        ),
        (
            &[r"!AIVDM,1,1,,A,702R5`hwCjq8,0*6B"],
            7,
            2655651,
            &[
                ("mmsi1", json!(265538450)),
                ("mmsi2", json!(0)),
                ("mmsi3", json!(0)),
                ("mmsi4", json!(0)),
            ],
        ),
        (
            &[r"!AIVDM,1,1,,A,85Mwp`1Kf3aCnsNvBWLi=wQuNhA5t43N`5nCuI=p<IBfVqnMgPGs,0*47"],
            8,
            366999712,
            &[("dac", json!(366)), ("fid", json!(56))],
        ),
        (
            &[r"!AIVDM,1,1,,A,91b77=h3h00nHt0Q3r@@07000<0b,0*69"],
            9,
            111265591,
            &[
                ("alt", json!(15)),
                ("speed", json!(0)),
                ("accuracy", json!(false)),
                ("lon", json!(7128960)),
            ],
        ),
        (
            &[r"!AIVDM,1,1,,B,:5MlU41GMK6@,0*6C"],
            10,
            366814480,
            &[("dest_mmsi", json!(366832740))],
        ),
        (
            &[
                r"!AIVDM,1,1,,B,;4R33:1uUK2F`q?mOt@@GoQ00000,0*5D,s28089,d-103,T39.44353985,x147521,r08TPHI1,1242958962",
            ],
            11,
            304137000,
            &[
                ("accuracy", json!(true)),
                ("lon", json!(-56644610)),
                ("lat", json!(17045470)),
                ("epfd", json!(1)),
            ],
        ),
        (
            &[r"!AIVDM,1,1,,A,<02:oP0kKcv0@<51C5PB5@?BDPD?P:?2?EB7PDB16693P381>>5<PikP,0*37"],
            12,
            2275200,
            &[
                ("seqno", json!(0)),
                ("dest_mmsi", json!(215724000)),
                ("retransmit", json!(false)),
            ],
        ),
        (
            &[r"!AIVDM,1,1,,A,=39UOj0jFs9R,0*65"],
            13,
            211378120,
            &[
                ("mmsi1", json!(211217560)),
                ("mmsi2", json!(0)),
                ("mmsi3", json!(0)),
                ("mmsi4", json!(0)),
            ],
        ),
        (
            &[r"!AIVDM,1,1,,A,>5?Per18=HB1U:1@E=B0m<L,2*51"],
            14,
            351809000,
            &[],
        ),
        (
            &[r"!AIVDM,1,1,,A,?5OP=l00052HD00,2*5B"],
            15,
            368578000,
            &[
                ("mmsi1", json!(5158)),
                ("type1_1", json!(5)),
                ("offset1_1", json!(0)),
                ("type1_2", json!(0)),
            ],
        ),
        (
            &[r"!AIVDM,1,1,,A,@01uEO@mMk7P<P00,0*18"],
            16,
            2053501,
            &[
                ("mmsi1", json!(224251000)),
                ("offset1", json!(200)),
                ("increment1", json!(0)),
                ("mmsi2", json!(0)),
            ],
        ),
        (
            &[
                r"!AIVDM,2,1,5,A,A02VqLPA4I6C07h5Ed1h<OrsuBTTwS?r:C?w`?la<gno1RTRwSP9:BcurA8a,0*3A",
                r"!AIVDM,2,2,5,A,:Oko02TSwu8<:Jbb,0*11",
            ],
            17,
            2734450,
            &[("lon", json!(17478)), ("lat", json!(35992))],
        ),
        (
            &[r"!AIVDM,1,1,,A,B52K>;h00Fc>jpUlNV@ikwpUoP06,0*4C"],
            18,
            338087471,
            &[
                ("reserved", json!(0)),
                ("speed", json!(1)),
                ("accuracy", json!(false)),
                ("lon", json!(-44443279)),
            ],
        ),
        (
            &[r"!AIVDM,1,1,,B,C5N3SRgPEnJGEBT>NhWAwwo862PaLELTBJ:V00000000S0D:R220,0*0B"],
            19,
            367059850,
            &[
                ("reserved", json!(248)),
                ("speed", json!(87)),
                ("accuracy", json!(false)),
                ("lon", json!(-53286235)),
            ],
        ),
        (
            &[r"!AIVDM,1,1,,A,Dh3OvjB8IN>4,0*1D"],
            20,
            3669705,
            &[
                ("offset1", json!(2182)),
                ("number1", json!(5)),
                ("timeout1", json!(7)),
                ("increment1", json!(225)),
            ],
        ),
        (
            &[
                r"!AIVDM,2,1,5,B,E1mg=5J1T4W0h97aRh6ba84<h2d;W:Te=eLvH50```q,0*46",
                r"!AIVDM,2,2,5,B,:D44QDlp0C1DU00,2*36",
            ],
            21,
            123456789,
            &[
                ("aid_type", json!(20)),
                ("accuracy", json!(false)),
                ("lon", json!(-73619155)),
                ("lat", json!(28752371)),
            ],
        ),
        (
            &[r"!AIVDM,1,1,,A,F030ot22N2P6aoQbhe4736L20000,0*1A"],
            22,
            3160048,
            &[
                ("channel_a", json!(2087)),
                ("channel_b", json!(2088)),
                ("txrx", json!(0)),
                ("power", json!(false)),
            ],
        ),
        (
            &[r"!AIVDM,1,1,,B,G02:Kn01R`sn@291nj600000900,2*12"],
            23,
            2268120,
            &[
                ("ne_lon", json!(1578)),
                ("ne_lat", json!(30642)),
                ("sw_lon", json!(1096)),
                ("sw_lat", json!(30408)),
            ],
        ),
        (
            &[r"!AIVDM,1,1,,A,H3uEwS4T0000000C4phhj0104130,0*43"],
            24,
            265650060,
            &[
                ("shiptype", json!(36)),
                ("to_bow", json!(8)),
                ("to_stern", json!(4)),
                ("to_starboard", json!(3)),
            ],
        ),
        (
            &[r"!AIVDM,1,1,,A,I6SWo?8P00a3PKpEKEVj0?vNP<65,0*73"],
            25,
            440006460,
            &[
                ("addressed", json!(true)),
                ("structured", json!(false)),
                ("dest_mmsi", json!(134218384)),
                ("app_id", json!(0)),
            ],
        ),
        (
            &[r"!AIVDM,1,1,,A,JB3R0GO7p>vQL8tjw0b5hqpd0706kh9d3lR2vbl0400,2*40"],
            26,
            137920605,
            &[
                ("addressed", json!(true)),
                ("structured", json!(true)),
                ("dest_mmsi", json!(838351848)),
                ("app_id", json!(23587)),
            ],
        ),
        (
            &[r"!AIVDM,1,1,,A,KCQ9r=hrFUnH7P00,0*41"],
            27,
            236091959,
            &[
                ("status", json!(3)),
                ("accuracy", json!(false)),
                ("lon", json!(-92521)),
                ("lat", json!(52239)),
            ],
        ),
    ];
    let mut types = Vec::new();
    for (lines, ty, mmsi, fields) in cases {
        let lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        let mut d = Decoder::default();
        let mut got = Vec::new();
        for l in &lines {
            d.decode_line(l.as_bytes(), &mut |o| {
                if let Output::Ais(m) = o {
                    let mut buf = Vec::new();
                    crate::gpsd_json::write(
                        &mut buf,
                        &m,
                        crate::gpsd_json::JsonOptions { scaled: false },
                    );
                    got.push((
                        m.message.msg_type,
                        m.message.mmsi,
                        serde_json::from_slice::<Value>(&buf).unwrap(),
                    ));
                }
            });
        }
        assert_eq!(got.len(), 1, "{lines:?}");
        let (t, m, obj) = &got[0];
        assert_eq!((*t, *m), (*ty, *mmsi), "{lines:?}");
        for (k, v) in fields.iter() {
            assert_eq!(&obj[*k], v, "type {ty} field {k}: {obj}");
        }
        types.push(*ty);
    }
    assert_eq!(types, (1..=27).collect::<Vec<u8>>());
}

fn one(line: &str) -> Message {
    let (mut msgs, rejects) = decode_all(&[line.to_string()]);
    assert!(rejects.is_empty(), "{rejects:?}");
    msgs.remove(0)
}

#[test]
fn type1_real_line_scaled() {
    let m = one("!AIVDM,1,1,,B,13nUgBWP01PkHvDU7<kC4wvJ2>`<,0*27");
    let Body::Position(p) = &m.body else {
        panic!("{m:?}")
    };
    assert_eq!(m.mmsi, 258_568_010);
    let (lon, lat) = p.position().unwrap();
    assert!((lon - 11.226_363).abs() < 1e-6 && (lat - 64.858_795).abs() < 1e-6);
    assert_eq!(p.sog(), Some(0.1));
    assert_eq!(p.cog(), Some(78.7));
    assert_eq!(p.true_heading(), None);
    assert_eq!(p.rate_of_turn(), None);
}

#[test]
fn inland_fi10_draught_is_centimetres() {
    // gpsd's ais-nmea-type6-fid55.log: a 30 m tug, draught field 500 = 5.00 m
    // (ECE VTT standard, 1/100 m), not 50 m.
    let m = one("!AIVDM,1,1,,B,8346Fb0j2d<<<<<<<0UQ1@J5?`00,0*5D");
    let Body::BroadcastBinary(b) = &m.body else {
        panic!("{m:?}")
    };
    assert_eq!((b.dac, b.fid), (200, 10));
    let Some(Application::InlandStaticVoyage(i)) = &b.app else {
        panic!("{b:?}")
    };
    assert_eq!(
        (i.length, i.beam, i.shiptype, i.hazard),
        (300, 130, 8400, 5)
    );
    assert_eq!(i.draught_m(), Some(5.0));
    assert_eq!(i.is_loaded(), None);
}

#[test]
fn inland_fi55_in_an_addressed_type6() {
    // gpsd's ais-nmea-type6-fid55.log: FI 55 sent addressed, in a type 6.
    let m = one("!AIVDM,1,1,,B,63aGD6@0RW?8<SL4000000000000,0*11");
    let Body::AddressedBinary(b) = &m.body else {
        panic!("{m:?}")
    };
    assert_eq!((b.dac, b.fid, b.dest_mmsi), (200, 55, 2_268_402));
    let Some(Application::PersonsOnBoard(p)) = &b.app else {
        panic!("{b:?}")
    };
    assert_eq!(
        (p.crew, p.passengers, p.personnel, p.total()),
        (4, 0, 0, Some(4))
    );
}

#[test]
fn inland_fi55_from_the_demo_feed() {
    let lines = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/demo/tower-feed.nmea"
    ))
    .unwrap();
    let (msgs, rejects) = decode_all(&lines.lines().map(str::to_string).collect::<Vec<_>>());
    assert!(rejects.is_empty());
    let pob = msgs.iter().find_map(|m| match &m.body {
        Body::BroadcastBinary(BroadcastBinary {
            app: Some(Application::PersonsOnBoard(p)),
            ..
        }) => Some(p.clone()),
        _ => None,
    });
    assert_eq!(pob.map(|p| p.total()), Some(Some(45)));
}

#[test]
fn sizes() {
    eprintln!(
        "Message {} Body {} Bits {} Decoded {} Output {}",
        std::mem::size_of::<Message>(),
        std::mem::size_of::<Body>(),
        std::mem::size_of::<crate::bits::Bits>(),
        std::mem::size_of::<crate::Decoded<'_>>(),
        std::mem::size_of::<crate::Output<'_>>()
    );
}

/// Peer defects riverwatch must not share (issue acceptance list), each on a real line.
mod peer_defects {
    use super::*;

    #[test]
    fn type27_speed_and_course_from_the_standards_bits() {
        // gpsd's ais-18-27.log; M.1371-5 §3.26 table 86: SOG at bit 79 (6), COG at 85 (9).
        let m = one("!AIVDM,1,1,,A,K3KLehP0rPTJ10Qr,0*2A");
        let Body::LongRange(l) = &m.body else {
            panic!("{m:?}")
        };
        assert_eq!((l.lon, l.lat, l.speed, l.course), (14978, 36098, 1, 30));
        assert_eq!(l.sog(), Some(1.0));
        assert_eq!(l.cog(), Some(30.0));
        let (lon, lat) = l.position().unwrap();
        assert!((lon - 24.963).abs() < 1e-3 && (lat - 60.163).abs() < 1e-3);
    }

    #[test]
    fn type17_position_is_in_tenths_of_a_minute() {
        // gpsd's ais-nmea-type6-fid55.log: a Japanese DGNSS station, 139.9 E 35.6 N.
        let m = one("!AIVDM,1,1,,B,A@4757QAv0agH2Jd1CT`1gui12p=wDP9:P;w<@Hw,0*5C");
        let Body::Dgnss(g) = &m.body else {
            panic!("{m:?}")
        };
        assert_eq!((g.lon, g.lat), (83936, 21371));
        let (lon, lat) = g.position().unwrap();
        assert!((lon - 139.893).abs() < 1e-3 && (lat - 35.618).abs() < 1e-3);
    }

    #[test]
    fn type4_without_a_date_is_decoded() {
        // libais typeexamples.nmea: year 0, hour 24, minute 60, second 60 = not available.
        let m = one(
            "!AIVDM,1,1,,A,403Ovl@000Htt<tSF0l4Q@100`Pq,0*28,d-109,S2105,t050056.00,T56.13718694,r003669946,1325394060,1325394001",
        );
        let Body::BaseStation(b) = &m.body else {
            panic!("{m:?}")
        };
        assert_eq!(
            (b.year, b.month, b.day, b.hour, b.minute, b.second),
            (0, 0, 0, 24, 60, 60)
        );
        assert_eq!(m.mmsi, 3_669_713);
    }

    #[test]
    fn odd_talkers_are_accepted() {
        let body = "14pWHb?P03rwO<F:RQOnROw<25bd";
        for talker in [*b"=I", *b"--", *b"BS", *b"AB", *b"AN"] {
            let opts = EncodeOptions {
                talker,
                channel: Some(b'B'),
                ..EncodeOptions::default()
            };
            let lines = crate::encode::sentences(body, 0, &opts);
            let (msgs, rejects) = decode_all(&lines);
            assert!(rejects.is_empty(), "{lines:?}: {rejects:?}");
            assert_eq!(msgs.len(), 1);
        }
    }

    #[test]
    fn an_alarm_sentence_does_not_stop_the_stream() {
        let lines = [
            "$AIALR,173545.76,037,V,V,AIS: Frame synchronisation failure*66,r003669984,1152921717",
            "$BSALR,000000.00,006,A,V,AIS: general failure*1A",
            "!AIVDM,1,1,,B,13nUgBWP01PkHvDU7<kC4wvJ2>`<,0*27",
        ]
        .map(str::to_string);
        let (msgs, rejects) = decode_all(&lines);
        assert_eq!(msgs.len(), 1);
        // Both alarms are well-formed sentences riverwatch does not decode: counted, skipped.
        assert_eq!(rejects, vec![crate::Reject::UnknownSentence; 2]);
    }
}
