//! The decoding pipeline for one input stream: lines in, messages and rejects out.

use crate::bits::Bits;
use crate::error::Reject;
use crate::fragment::{Fragment, KeyRef, Limits, Reassembler};
use crate::gnss::{self, GnssFix};
use crate::message::Message;
use crate::sentence::{self, AisSentence, Frame, Sentence, TagBlock, frames};

/// Where and when a message was heard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta<'a> {
    /// Tag-block `s:` source, if any.
    pub station: Option<&'a str>,
    /// Event time in ms since the UNIX epoch: tag-block `c:`, else a Gatehouse `$PGHP`
    /// header, else a time appended after the checksum.
    pub time_ms: Option<i64>,
    pub talker: [u8; 2],
    pub channel: Option<u8>,
    /// `VDO`: the receiver's own vessel.
    pub own_vessel: bool,
    /// Sentences the message was carried in.
    pub fragments: u8,
}

/// A decoded AIS message with its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<'a> {
    pub message: Message,
    pub meta: Meta<'a>,
}

/// What the decoder hands to its caller, in input order.
#[derive(Debug, Clone, PartialEq)]
pub enum Output<'a> {
    Ais(Decoded<'a>),
    Gnss(GnssFix, Meta<'a>),
    Reject(Reject),
}

/// Counters over everything the decoder has seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub lines: u64,
    /// Checksum-valid AIS sentences (fragments count one each).
    pub ais_sentences: u64,
    /// Checksum-valid non-AIS sentences.
    pub other_sentences: u64,
    /// Messages by type (index 1..=27).
    pub messages: [u64; 28],
    pub gnss_fixes: u64,
    pub rejects: [u64; Reject::ALL.len()],
}

impl Stats {
    pub fn total_messages(&self) -> u64 {
        self.messages.iter().sum()
    }
    pub fn total_rejects(&self) -> u64 {
        self.rejects.iter().sum()
    }
}

/// Stateful decoder for one stream (fragments are reassembled within a stream).
#[derive(Debug)]
pub struct Decoder {
    reassembler: Reassembler,
    /// Time from a Gatehouse `$PGHP` header, applied to the next AIS sentence.
    pghp_ms: Option<i64>,
    stats: Stats,
    scratch: Bits,
    /// Off only in tests that check the fast path against the general one.
    fast_path: bool,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new(Limits::default())
    }
}

impl Decoder {
    pub fn new(limits: Limits) -> Self {
        Decoder {
            reassembler: Reassembler::new(limits),
            pghp_ms: None,
            stats: Stats::default(),
            scratch: Bits::new(),
            fast_path: true,
        }
    }

    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Decodes one line (with or without its line ending); `out` receives every message,
    /// GNSS fix and reject the line produced, in order.
    pub fn decode_line(&mut self, line: &[u8], out: &mut impl FnMut(Output<'_>)) {
        self.stats.lines += 1;
        if self.fast_path && self.fast_line(line, out) {
            return;
        }
        for frame in frames(line) {
            match frame {
                Ok(frame) => self.frame(frame, out),
                Err(e) => self.reject(e, out),
            }
        }
    }

    /// The common single-sentence line without the general framer; `false` when the
    /// line is not of that shape or anything about it fails, so that the general path
    /// (which reports exactly why) takes it from the start.
    #[inline]
    fn fast_line(&mut self, line: &[u8], out: &mut impl FnMut(Output<'_>)) -> bool {
        let Some((tag, s)) = sentence::fast_ais(line) else {
            return false;
        };
        let tag = match tag.map(sentence::parse_tag_fields).transpose() {
            Ok(t) => t.unwrap_or_default(),
            Err(_) => return false,
        };
        if s.total > 1 {
            self.stats.ais_sentences += 1;
            let time_ms = tag.time_ms.or(self.pghp_ms.take());
            self.ais(s, tag.source, tag.group.map(|g| g.id), time_ms, out);
            return true;
        }
        self.scratch.clear();
        if self.scratch.push_payload(s.payload, s.fill).is_err() {
            return false;
        }
        self.stats.ais_sentences += 1;
        let time_ms = tag.time_ms.or(self.pghp_ms.take());
        let mut dropped = 0;
        self.reassembler
            .tick(time_ms, tag.source, &mut |_| dropped += 1);
        for _ in 0..dropped {
            self.reject(Reject::FragmentTimeout, out);
        }
        let meta = Meta {
            station: tag.source,
            time_ms,
            talker: s.talker,
            channel: s.channel,
            own_vessel: s.own_vessel,
            fragments: 1,
        };
        emit(&mut self.stats, &self.scratch, meta, out);
        true
    }

    /// Ends the stream: fragments still waiting are counted as timed out.
    pub fn finish(&mut self, out: &mut impl FnMut(Output<'_>)) {
        let mut dropped = 0;
        self.reassembler.flush(&mut |_| dropped += 1);
        for _ in 0..dropped {
            self.reject(Reject::FragmentTimeout, out);
        }
    }

    fn reject(&mut self, e: Reject, out: &mut impl FnMut(Output<'_>)) {
        self.stats.rejects[e.index()] += 1;
        out(Output::Reject(e));
    }

    fn frame<'l>(&mut self, frame: Frame<'l>, out: &mut impl FnMut(Output<'_>)) {
        if let Some(e) = frame.tag_error {
            self.reject(e, out);
        }
        let tag = match frame.tag_block() {
            Ok(t) => t.unwrap_or_default(),
            Err(e) => {
                self.reject(e, out);
                TagBlock::default()
            }
        };
        match frame.sentence {
            Sentence::Ais(s) => {
                self.stats.ais_sentences += 1;
                let time_ms = tag
                    .time_ms
                    .or(self.pghp_ms.take())
                    .or(frame.trailing_time_ms);
                self.ais(s, tag.source, tag.group.map(|g| g.id), time_ms, out);
            }
            Sentence::Other { address, text } => {
                self.stats.other_sentences += 1;
                let mut dropped = 0;
                self.reassembler
                    .tick(tag.time_ms, tag.source, &mut |_| dropped += 1);
                for _ in 0..dropped {
                    self.reject(Reject::FragmentTimeout, out);
                }
                if address == "PGHP" {
                    self.pghp_ms = gnss::pghp_time_ms(text);
                    return;
                }
                let time_ms = tag.time_ms.or(frame.trailing_time_ms);
                let meta = Meta {
                    station: tag.source,
                    time_ms,
                    talker: talker_of(address),
                    channel: None,
                    own_vessel: true,
                    fragments: 1,
                };
                match gnss::parse(address, text) {
                    Ok(fix) => {
                        self.stats.gnss_fixes += 1;
                        out(Output::Gnss(fix, meta));
                    }
                    Err(e) => self.reject(e, out),
                }
            }
        }
    }

    fn ais<'l>(
        &mut self,
        s: AisSentence<'l>,
        station: Option<&'l str>,
        tag_group: Option<u32>,
        time_ms: Option<i64>,
        out: &mut impl FnMut(Output<'_>),
    ) {
        if s.total == 1 {
            let mut dropped = 0;
            self.reassembler
                .tick(time_ms, station, &mut |_| dropped += 1);
            for _ in 0..dropped {
                self.reject(Reject::FragmentTimeout, out);
            }
            // One reused buffer: no 200-byte zeroing or move per sentence.
            self.scratch.clear();
            if let Err(e) = self.scratch.push_payload(s.payload, s.fill) {
                return self.reject(e, out);
            }
            let meta = Meta {
                station,
                time_ms,
                talker: s.talker,
                channel: s.channel,
                own_vessel: s.own_vessel,
                fragments: 1,
            };
            return emit(&mut self.stats, &self.scratch, meta, out);
        }
        let key = match tag_group {
            Some(g) => KeyRef::TagGroup(g),
            None => KeyRef::Sentence {
                station,
                channel: s.channel,
                seq_id: s.seq_id,
            },
        };
        let fragment = Fragment {
            key,
            num: s.num,
            total: s.total,
            payload: s.payload,
            fill: s.fill,
            time_ms,
            talker: s.talker,
            channel: s.channel,
            own_vessel: s.own_vessel,
            station,
        };
        let mut dropped: [u32; 2] = [0, 0];
        let result = self.reassembler.push(fragment, &mut |e| match e {
            Reject::FragmentTimeout => dropped[0] += 1,
            _ => dropped[1] += 1,
        });
        for _ in 0..dropped[0] {
            self.reject(Reject::FragmentTimeout, out);
        }
        for _ in 0..dropped[1] {
            self.reject(Reject::OrphanFragment, out);
        }
        match result {
            Ok(None) => {}
            Ok(Some(done)) => {
                let meta = Meta {
                    station: done.meta.station.as_deref(),
                    time_ms: done.meta.time_ms,
                    talker: done.meta.talker,
                    channel: done.meta.channel,
                    own_vessel: done.meta.own_vessel,
                    fragments: done.fragments,
                };
                emit(&mut self.stats, &done.bits, meta, out);
            }
            Err(e) => self.reject(e, out),
        }
    }
}

fn emit(stats: &mut Stats, bits: &Bits, meta: Meta<'_>, out: &mut impl FnMut(Output<'_>)) {
    match Message::decode(bits) {
        Ok(message) => {
            stats.messages[message.msg_type as usize] += 1;
            out(Output::Ais(Decoded { message, meta }));
        }
        Err(e) => {
            stats.rejects[e.index()] += 1;
            out(Output::Reject(e));
        }
    }
}

fn talker_of(address: &str) -> [u8; 2] {
    let b = address.as_bytes();
    match b {
        [a, c, ..] => [*a, *c],
        _ => *b"--",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(input: &str) -> (Vec<Message>, Vec<Reject>, Stats) {
        let mut d = Decoder::default();
        let (mut msgs, mut rejects) = (Vec::new(), Vec::new());
        let mut sink = |o: Output<'_>| match o {
            Output::Ais(m) => msgs.push(m.message),
            Output::Reject(r) => rejects.push(r),
            Output::Gnss(..) => {}
        };
        for line in input.lines() {
            d.decode_line(line.as_bytes(), &mut sink);
        }
        d.finish(&mut sink);
        (msgs, rejects, d.stats().clone())
    }

    fn outputs(fast_path: bool, lines: &[Vec<u8>]) -> (Vec<String>, Stats) {
        let mut d = Decoder {
            fast_path,
            ..Decoder::default()
        };
        let mut seen = Vec::new();
        for l in lines {
            d.decode_line(l, &mut |o| seen.push(format!("{o:?}")));
        }
        d.finish(&mut |o| seen.push(format!("{o:?}")));
        (seen, d.stats().clone())
    }

    fn corpus_sample() -> Vec<Vec<u8>> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpora");
        let mut lines = Vec::new();
        for f in [
            "gfw-ais-tools/ee-multiline.nmea",
            "pyais/mixed.txt",
            "dma-aislib/small_cb_example.txt",
            "gpsd/sample.aivdm",
            "libais/tagblock.nmea",
            "dma-aislib/ais250.txt",
        ] {
            if let Ok(t) = std::fs::read(format!("{dir}/{f}")) {
                lines.extend(t.split(|&c| c == b'\n').map(<[u8]>::to_vec));
            }
        }
        lines
    }

    #[test]
    fn fast_path_agrees_with_the_general_path_on_real_lines() {
        let lines = corpus_sample();
        assert!(lines.len() > 1000);
        assert_eq!(outputs(true, &lines), outputs(false, &lines));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 3000, ..Default::default() })]
        #[test]
        fn fast_path_agrees_with_the_general_path_on_damaged_lines(
            pick in 0usize..10_000,
            edits in proptest::collection::vec((0usize..200, 0u8..6, proptest::prelude::any::<u8>()), 1..4),
        ) {
            let all = corpus_sample();
            let mut line = all[pick % all.len()].clone();
            for (at, kind, byte) in edits {
                let at = if line.is_empty() { 0 } else { at % (line.len() + 1) };
                let special = [b'!', b'$', b'\\', b'*', b',', b'\r'][byte as usize % 6];
                match kind {
                    0 if at < line.len() => line[at] = byte,
                    1 if at < line.len() => { line.remove(at); }
                    2 => line.insert(at, special),
                    3 => line.truncate(at),
                    4 => line.insert(at, byte),
                    _ if at < line.len() => line[at] = special,
                    _ => {}
                }
            }
            let input = vec![line];
            proptest::prop_assert_eq!(outputs(true, &input), outputs(false, &input));
        }
    }

    #[test]
    fn a_corrupt_sentence_never_drops_the_next() {
        let (msgs, rejects, stats) = run("!AIVDM,1,1,,B,14pWHb?P03rwO<F:RQOnROw<25bd,0*3F\n\
             !AIVDM,1,1,,B,14pWHb?P03rwO<F:RQOnROw<25bd,0*3E\n");
        assert_eq!(msgs.len(), 1);
        assert_eq!(rejects, vec![Reject::BadChecksum]);
        assert_eq!(stats.messages[1], 1);
    }

    #[test]
    fn two_fragments_with_relabelled_talker() {
        let (msgs, rejects, _) = run(
            r"\s:rMT2083,t:marinetraffic,c:1698785948*44\!ABVDM,2,1,8,A,53l3sj42A590=5Q2220UHE:04=@Ttr222222221@9HH>46ii0=D532Dp?`1D,0*28\s:rMT2083,t:marinetraffic,c:1698785947*4B\!AIVDM,2,2,8,A,888888888888880,2*2C",
        );
        assert!(rejects.is_empty(), "{rejects:?}");
        assert_eq!(msgs.len(), 1);
        assert_eq!(msgs[0].msg_type, 5);
    }

    #[test]
    fn incomplete_group_at_end_is_counted() {
        let (msgs, rejects, _) =
            run("!AIVDM,2,1,9,B,55R3Vn82=ILTQ3KKS>1<D60Dq@E918U<F222221J1`?164vc03S1CCAD,0*2A");
        assert!(msgs.is_empty());
        assert_eq!(rejects, vec![Reject::FragmentTimeout]);
    }
}
