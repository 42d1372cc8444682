//! Any bytes through framing, reassembly, decoding, JSON and re-encoding: nothing may
//! panic, every message must re-encode and decode to itself, and the JSON must parse.
#![no_main]

use ais::encode::{EncodeOptions, encode};
use ais::gpsd_json::{JsonOptions, write};
use ais::{Decoder, Output};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut decoder = Decoder::default();
    let mut json = Vec::new();
    let mut messages = Vec::new();
    let mut sink = |o: Output<'_>| {
        if let Output::Ais(m) = o {
            json.clear();
            write(&mut json, &m, JsonOptions { scaled: true });
            write(&mut json, &m, JsonOptions { scaled: false });
            messages.push(m.message);
        }
    };
    for line in data.split(|&c| c == b'\n') {
        decoder.decode_line(line, &mut sink);
    }
    decoder.finish(&mut sink);
    for m in messages.drain(..) {
        let lines = encode(&m, &EncodeOptions::default());
        let mut again = Decoder::default();
        let mut back = Vec::new();
        for l in &lines {
            again.decode_line(l.as_bytes(), &mut |o| {
                if let Output::Ais(d) = o {
                    back.push(d.message);
                }
            });
        }
        // A decoded message is already normalised (text trimmed, '@' padding gone), so
        // encoding it and decoding again must give it back exactly.
        assert_eq!(back, vec![m], "round trip through {lines:?}");
    }
});
