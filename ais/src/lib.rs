//! NMEA 0183 framing, AIS and GNSS decoding and encoding for riverwatch.
//!
//! Data flows line -> [`sentence`] (framing, checksums, tag blocks) -> [`fragment`]
//! (multi-sentence reassembly) -> [`message`] (the 27 AIS message types) ->
//! [`observation::Observation`], the one value the engine consumes. [`decoder::Decoder`]
//! drives the whole chain and counts every reject by reason. [`encode`] writes the same
//! messages back as sentences, for the simulator and tests. [`gpsd_json`] prints messages
//! as gpsd's AIS JSON.

pub mod bits;
pub mod decoder;
pub mod encode;
pub mod error;
pub mod feed;
pub mod fragment;
pub mod gnss;
pub mod gpsd_json;
pub mod message;
pub mod observation;
#[cfg(feature = "receivers")]
pub mod receiver;
pub mod sentence;
pub mod text;

pub use decoder::{Decoded, Decoder, Meta, Output, Stats};
pub use error::Reject;
pub use message::{Body, Message};
pub use observation::Observation;
pub use text::Text;
