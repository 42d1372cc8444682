//! Multi-sentence reassembly.
//!
//! Fragments of one message are matched by a key: the tag-block group id when the
//! sender gave one (`g:1-2-1278`), else (station, channel, sequential id). The talker is
//! not part of the key: some aggregators relabel the second fragment (`!ABVDM,2,1,8` then
//! `!AIVDM,2,2,8`).
//!
//! Bounded: at most [`Limits::max_groups`] messages are open at once (the oldest is
//! dropped as an orphan when a new one needs room), and a group that has not completed
//! within [`Limits::max_age_sentences`] sentences, or [`Limits::max_age_ms`] of event time
//! on the same station's clock, is dropped as timed out. (Times are only compared within
//! a station: merged satellite and terrestrial feeds interleave clocks hours apart.) A flood of first fragments can
//! therefore never grow memory.

use crate::bits::Bits;
use crate::error::Reject;

/// Reassembly limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_groups: usize,
    pub max_age_sentences: u64,
    pub max_age_ms: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_groups: 64,
            max_age_sentences: 200,
            max_age_ms: 10_000,
        }
    }
}

/// Identifies the message a fragment belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    TagGroup(u32),
    Sentence {
        station: Option<String>,
        channel: Option<u8>,
        seq_id: Option<u8>,
    },
}

impl Key {
    fn matches(&self, other: &KeyRef<'_>) -> bool {
        match (self, other) {
            (Key::TagGroup(a), KeyRef::TagGroup(b)) => a == b,
            (
                Key::Sentence {
                    station,
                    channel,
                    seq_id,
                },
                KeyRef::Sentence {
                    station: s2,
                    channel: c2,
                    seq_id: q2,
                },
            ) => station.as_deref() == *s2 && channel == c2 && seq_id == q2,
            _ => false,
        }
    }
}

/// A borrowed [`Key`], so looking a fragment up allocates nothing.
#[derive(Debug, Clone, Copy)]
pub enum KeyRef<'a> {
    TagGroup(u32),
    Sentence {
        station: Option<&'a str>,
        channel: Option<u8>,
        seq_id: Option<u8>,
    },
}

impl KeyRef<'_> {
    fn to_owned(self) -> Key {
        match self {
            KeyRef::TagGroup(g) => Key::TagGroup(g),
            KeyRef::Sentence {
                station,
                channel,
                seq_id,
            } => Key::Sentence {
                station: station.map(str::to_string),
                channel,
                seq_id,
            },
        }
    }
}

/// What the first fragment said about where and when the message was heard.
#[derive(Debug, Clone, Default)]
pub struct GroupMeta {
    pub station: Option<String>,
    pub time_ms: Option<i64>,
    pub talker: [u8; 2],
    pub channel: Option<u8>,
    pub own_vessel: bool,
}

#[derive(Debug)]
struct Group {
    key: Key,
    total: u8,
    next: u8,
    bits: Bits,
    opened_at_sentence: u64,
    opened_at_ms: Option<i64>,
    meta: GroupMeta,
}

/// A completed message: its bits and the first fragment's metadata.
#[derive(Debug)]
pub struct Complete {
    pub bits: Bits,
    pub meta: GroupMeta,
    pub fragments: u8,
}

/// Open groups, oldest first.
#[derive(Debug, Default)]
pub struct Reassembler {
    limits: Limits,
    groups: Vec<Group>,
    sentences: u64,
}

/// One fragment as the reassembler sees it.
#[derive(Debug, Clone, Copy)]
pub struct Fragment<'a> {
    pub key: KeyRef<'a>,
    pub num: u8,
    pub total: u8,
    pub payload: &'a [u8],
    pub fill: u8,
    pub time_ms: Option<i64>,
    pub talker: [u8; 2],
    pub channel: Option<u8>,
    pub own_vessel: bool,
    pub station: Option<&'a str>,
}

impl Reassembler {
    pub fn new(limits: Limits) -> Self {
        Reassembler {
            limits,
            groups: Vec::new(),
            sentences: 0,
        }
    }

    /// Number of messages waiting for more fragments.
    pub fn pending(&self) -> usize {
        self.groups.len()
    }

    /// Adds a fragment of a multi-sentence message (`total > 1`). Returns the completed
    /// message when this was the last fragment; `rejects` receives every group dropped.
    pub fn push(
        &mut self,
        f: Fragment<'_>,
        rejects: &mut impl FnMut(Reject),
    ) -> Result<Option<Complete>, Reject> {
        self.sentences += 1;
        self.expire(f.time_ms, f.station, rejects);
        let found = self.groups.iter().position(|g| g.key.matches(&f.key));
        if f.num == 1 {
            if let Some(k) = found {
                self.groups.remove(k);
                rejects(Reject::OrphanFragment);
            }
            if self.groups.len() >= self.limits.max_groups.max(1) {
                self.groups.remove(0);
                rejects(Reject::OrphanFragment);
            }
            let bits = Bits::from_payload(f.payload, 0)?;
            self.groups.push(Group {
                key: f.key.to_owned(),
                total: f.total,
                next: 2,
                bits,
                opened_at_sentence: self.sentences,
                opened_at_ms: f.time_ms,
                meta: GroupMeta {
                    station: f.station.map(str::to_string),
                    time_ms: f.time_ms,
                    talker: f.talker,
                    channel: f.channel,
                    own_vessel: f.own_vessel,
                },
            });
            return Ok(None);
        }
        let Some(k) = found else {
            return Err(Reject::OrphanFragment);
        };
        if self.groups[k].next != f.num || self.groups[k].total != f.total {
            // A fragment missing in between: the message cannot be rebuilt.
            self.groups.remove(k);
            rejects(Reject::OrphanFragment);
            return Err(Reject::OrphanFragment);
        }
        let fill = if f.num == f.total { f.fill } else { 0 };
        if let Err(e) = self.groups[k].bits.push_payload(f.payload, fill) {
            self.groups.remove(k);
            return Err(e);
        }
        if f.num < f.total {
            self.groups[k].next += 1;
            return Ok(None);
        }
        let g = self.groups.remove(k);
        Ok(Some(Complete {
            bits: g.bits,
            meta: g.meta,
            fragments: g.total,
        }))
    }

    fn expire(
        &mut self,
        now_ms: Option<i64>,
        station: Option<&str>,
        rejects: &mut impl FnMut(Reject),
    ) {
        if self.groups.is_empty() {
            return;
        }
        let (sentences, limits) = (self.sentences, self.limits);
        self.groups.retain(|g| {
            let too_many = sentences - g.opened_at_sentence > limits.max_age_sentences;
            let same_clock = g.meta.station.as_deref() == station;
            let too_old = same_clock
                && matches!((now_ms, g.opened_at_ms), (Some(n), Some(o)) if n - o > limits.max_age_ms);
            let keep = !(too_many || too_old);
            if !keep {
                rejects(Reject::FragmentTimeout);
            }
            keep
        });
    }

    /// Counts a non-fragment sentence towards the age of open groups.
    pub fn tick(
        &mut self,
        time_ms: Option<i64>,
        station: Option<&str>,
        rejects: &mut impl FnMut(Reject),
    ) {
        self.sentences += 1;
        self.expire(time_ms, station, rejects);
    }

    /// Drops every open group (end of input), reporting each as timed out.
    pub fn flush(&mut self, rejects: &mut impl FnMut(Reject)) {
        for _ in self.groups.drain(..) {
            rejects(Reject::FragmentTimeout);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frag<'a>(seq: u8, num: u8, total: u8, payload: &'a [u8]) -> Fragment<'a> {
        Fragment {
            key: KeyRef::Sentence {
                station: None,
                channel: Some(b'A'),
                seq_id: Some(seq),
            },
            num,
            total,
            payload,
            fill: 0,
            time_ms: None,
            talker: *b"AI",
            channel: Some(b'A'),
            own_vessel: false,
            station: None,
        }
    }

    #[test]
    fn joins_in_order_and_rejects_orphans() {
        let mut r = Reassembler::new(Limits::default());
        let mut dropped = Vec::new();
        let mut sink = |e| dropped.push(e);
        assert!(r.push(frag(1, 1, 2, b"55"), &mut sink).unwrap().is_none());
        let done = r.push(frag(1, 2, 2, b"00"), &mut sink).unwrap().unwrap();
        assert_eq!(done.bits.len(), 24);
        assert_eq!(
            r.push(frag(2, 2, 2, b"00"), &mut sink).unwrap_err(),
            Reject::OrphanFragment
        );
        assert!(dropped.is_empty());
    }

    #[test]
    fn a_flood_of_first_fragments_stays_bounded() {
        let limits = Limits {
            max_groups: 8,
            ..Limits::default()
        };
        let mut r = Reassembler::new(limits);
        let mut dropped = 0;
        for k in 0..10_000u32 {
            let station = k.to_string();
            let mut f = frag(0, 1, 3, b"55");
            f.key = KeyRef::Sentence {
                station: Some(&station),
                channel: None,
                seq_id: None,
            };
            r.push(f, &mut |_| dropped += 1).unwrap();
            assert!(r.pending() <= 8);
        }
        assert_eq!(dropped, 10_000 - 8);
    }

    #[test]
    fn stale_groups_time_out_by_sentence_count() {
        let limits = Limits {
            max_age_sentences: 3,
            ..Limits::default()
        };
        let mut r = Reassembler::new(limits);
        let mut timeouts = 0;
        r.push(frag(1, 1, 2, b"55"), &mut |_| ()).unwrap();
        for _ in 0..4 {
            r.tick(None, None, &mut |e| {
                assert_eq!(e, Reject::FragmentTimeout);
                timeouts += 1
            });
        }
        assert_eq!(timeouts, 1);
        assert_eq!(r.pending(), 0);
    }
}
