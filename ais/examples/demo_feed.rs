//! Writes `data/demo/tower-feed.nmea`: a short, deterministic tower feed of a river scene
//! (a spoil barge with inland AIS data, a passenger ferry, a patrol boat), written with
//! riverwatch's own encoder. `cargo run -p riverwatch-ais --example demo_feed > FILE`.

use ais::encode::{EncodeOptions, TagOptions, encode};
use ais::message::{
    Application, BinaryData, BroadcastBinary, InlandStaticVoyage, PersonsOnBoard, PositionReport,
    StaticVoyage,
};
use ais::{Body, Message};

fn main() {
    let start_ms: i64 = 1_763_800_000_000; // 2025-11-22T08:26:40Z
    let mut seq = 0u8;
    let mut emit = |msg: Message, t_ms: i64, tower: &str| {
        let opts = EncodeOptions {
            seq_id: seq,
            tag: Some(TagOptions {
                source: Some(tower.into()),
                time_ms: Some(t_ms),
                group_id: None,
            }),
            ..EncodeOptions::default()
        };
        seq = (seq + 1) % 10;
        for line in encode(&msg, &opts) {
            println!("{line}");
        }
    };
    let barge = 413_000_001;
    let ferry = 413_000_002;
    let patrol = 413_000_003;
    let deg = |d: f64| (d * 600_000.0).round() as i32;
    emit(
        Message {
            msg_type: 5,
            repeat: 0,
            mmsi: barge,
            body: Body::StaticVoyage(StaticVoyage {
                callsign: "BXYZ1".into(),
                shipname: "HUA YUN 88".into(),
                shiptype: 79,
                to_bow: 40,
                to_stern: 15,
                to_port: 5,
                to_starboard: 6,
                epfd: 1,
                draught: 32,
                destination: "DUMP SITE 2".into(),
                hour: 24,
                minute: 60,
                ..StaticVoyage::default()
            }),
        },
        start_ms,
        "tower-01",
    );
    let inland = InlandStaticVoyage {
        vin: "04801234".into(),
        length: 550,
        beam: 110,
        shiptype: 8010,
        hazard: 0,
        draught: 345,
        loaded: 1,
        ..InlandStaticVoyage::default()
    };
    let app = Application::InlandStaticVoyage(inland);
    emit(
        Message {
            msg_type: 8,
            repeat: 0,
            mmsi: barge,
            body: Body::BroadcastBinary(BroadcastBinary {
                dac: 200,
                fid: 10,
                data: BinaryData::from_application(&app),
                app: Some(app),
            }),
        },
        start_ms + 2_000,
        "tower-01",
    );
    let pob = Application::PersonsOnBoard(PersonsOnBoard {
        crew: 3,
        passengers: 41,
        personnel: 1,
    });
    emit(
        Message {
            msg_type: 8,
            repeat: 0,
            mmsi: ferry,
            body: Body::BroadcastBinary(BroadcastBinary {
                dac: 200,
                fid: 55,
                data: BinaryData::from_application(&pob),
                app: Some(pob),
            }),
        },
        start_ms + 3_000,
        "tower-02",
    );
    for k in 0..30i64 {
        let t = start_ms + 10_000 * (k + 1);
        for (mmsi, lon0, lat0, dlon, speed, course, tower) in [
            (barge, 114.3000, 30.5800, 0.00040, 62u16, 880u16, "tower-01"),
            (ferry, 114.3100, 30.5900, -0.00055, 85, 2700, "tower-02"),
            (patrol, 114.3050, 30.5850, 0.0, 0, 3600, "tower-02"),
        ] {
            let msg = Message {
                msg_type: 1,
                repeat: 0,
                mmsi,
                body: Body::Position(PositionReport {
                    status: if speed == 0 { 5 } else { 0 },
                    turn: -128,
                    speed,
                    accuracy: true,
                    lon: deg(lon0 + dlon * k as f64),
                    lat: deg(lat0),
                    course,
                    heading: if course == 3600 { 511 } else { course / 10 },
                    second: ((t / 1000) % 60) as u8,
                    ..PositionReport::default()
                }),
            };
            emit(msg, t, tower);
        }
    }
}
