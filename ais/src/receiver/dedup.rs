//! [`Dedup`]: the same message heard by several towers becomes one observation.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{BuildHasherDefault, Hasher};

/// Keys are already keyed hashes of the messages (see `key_hasher`): hashing them again
/// would only cost time.
#[derive(Debug, Default)]
struct KeyIsHash(u64);

impl Hasher for KeyIsHash {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

/// Stations listed per message.
const MAX_STATIONS: usize = 8;

type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyIsHash>>;

/// Per station: messages it was first to deliver, and copies of messages another station
/// delivered first (how much of the river it covers, and how much it overlaps).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Coverage {
    pub first: u64,
    pub duplicate: u64,
}

/// Folds copies of one message (same content) whose event times fall within `window_ms`
/// of the first. The first copy goes on at once, so folding adds no latency; the stations
/// that heard each message are kept while it is in the window, and counted per station.
///
/// Memory is bounded: entries leave once they are older than the window (by the newest
/// event time seen), and at most `max_entries` are kept (the oldest go first).
#[derive(Debug)]
pub struct Dedup {
    window_ms: i64,
    max_entries: usize,
    seen: KeyMap<Seen>,
    order: VecDeque<(i64, u64)>,
    newest_ms: i64,
    pub folded: u64,
    coverage: HashMap<String, Coverage>,
}

#[derive(Debug)]
struct Seen {
    time_ms: i64,
    stations: Vec<String>,
}

impl Default for Dedup {
    fn default() -> Self {
        Dedup::new(2_000, 1 << 20)
    }
}

impl Dedup {
    pub fn new(window_ms: i64, max_entries: usize) -> Dedup {
        Dedup {
            window_ms,
            max_entries: max_entries.max(1),
            seen: KeyMap::default(),
            order: VecDeque::new(),
            newest_ms: i64::MIN,
            folded: 0,
            coverage: HashMap::new(),
        }
    }

    /// Whether this is the first copy of the message `key` (heard by `station` at
    /// `time_ms`); later copies within the window return false and are folded.
    pub fn admit(&mut self, key: u64, time_ms: i64, station: Option<&str>) -> bool {
        self.newest_ms = self.newest_ms.max(time_ms);
        while let Some(&(t, k)) = self.order.front() {
            if t >= self.newest_ms - self.window_ms && self.order.len() < self.max_entries {
                break;
            }
            self.order.pop_front();
            if self.seen.get(&k).is_some_and(|s| s.time_ms == t) {
                self.seen.remove(&k);
            }
        }
        let station = station.unwrap_or("");
        match self.seen.get_mut(&key) {
            Some(s) if (time_ms - s.time_ms).abs() <= self.window_ms => {
                self.folded += 1;
                // A message is heard by a few towers; past that, count without listing.
                if s.stations.len() < MAX_STATIONS && !s.stations.iter().any(|x| x == station) {
                    s.stations.push(station.to_string());
                }
                match self.coverage.get_mut(station) {
                    Some(c) => c.duplicate += 1,
                    None => {
                        self.coverage.insert(
                            station.to_string(),
                            Coverage {
                                first: 0,
                                duplicate: 1,
                            },
                        );
                    }
                }
                false
            }
            _ => {
                self.seen.insert(
                    key,
                    Seen {
                        time_ms,
                        stations: vec![station.to_string()],
                    },
                );
                self.order.push_back((time_ms, key));
                match self.coverage.get_mut(station) {
                    Some(c) => c.first += 1,
                    None => {
                        self.coverage.insert(
                            station.to_string(),
                            Coverage {
                                first: 1,
                                duplicate: 0,
                            },
                        );
                    }
                }
                true
            }
        }
    }

    /// The stations that have heard message `key`, while it is in the window.
    pub fn stations(&self, key: u64) -> &[String] {
        self.seen.get(&key).map_or(&[], |s| s.stations.as_slice())
    }

    /// Per station, by name.
    pub fn coverage(&self) -> BTreeMap<&str, Coverage> {
        self.coverage
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect()
    }

    /// Messages held (bounded by the window and `max_entries`).
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_within_the_window_fold_and_list_their_stations() {
        let mut d = Dedup::default();
        assert!(d.admit(7, 1_000, Some("tower-1")));
        assert!(!d.admit(7, 1_000, Some("tower-2")));
        assert!(!d.admit(7, 2_900, Some("tower-3")));
        assert_eq!(d.stations(7), ["tower-1", "tower-2", "tower-3"]);
        assert!(d.admit(8, 1_000, Some("tower-2")), "another message");
        assert!(
            d.admit(7, 3_500, Some("tower-1")),
            "the same content later is news"
        );
        assert_eq!(d.folded, 2);
        assert_eq!(
            d.coverage()["tower-2"],
            Coverage {
                first: 1,
                duplicate: 1
            }
        );
    }

    #[test]
    fn memory_is_bounded_by_the_window_and_the_cap() {
        let mut d = Dedup::new(2_000, 1_000);
        for k in 0..100_000u64 {
            d.admit(k, k as i64, Some("t"));
        }
        assert!(d.len() <= 2_001, "{}", d.len());
        let mut d = Dedup::new(i64::MAX / 4, 1_000);
        for k in 0..100_000u64 {
            d.admit(k, 0, Some("t"));
        }
        assert!(d.len() <= 1_000, "{}", d.len());
    }
}
