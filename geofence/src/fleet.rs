//! [`Fleet`]: every tracked vessel's state, by MMSI.
//!
//! A map from MMSI to a slot and the states in one list, rather than one map holding the
//! states: the map (8 bytes a vessel) stays in cache, so a batch finds where the state of
//! a vessel several reports ahead lies without waiting, and fetches it while it works on
//! the reports before (see [`crate::engine::Engine::observe_all`]). With the states in the
//! map, finding the slot was itself a cache miss taken in full on every report (a quarter
//! of an update's time in the profile). Measured on the streaming bench, 50 k vessels,
//! medians of 6 interleaved runs: 3.12 -> 3.67 M updates/s over 1 k zones, 2.65 -> 3.09 M
//! over 100 k.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::MmsiMap;
use crate::track::Vessel;

#[derive(Debug, Default)]
pub struct Fleet {
    slot: MmsiMap<u32>,
    states: Vec<Vessel>,
}

impl Fleet {
    #[inline]
    pub fn get(&self, mmsi: u32) -> Option<&Vessel> {
        self.slot.get(&mmsi).map(|&k| &self.states[k as usize])
    }

    #[inline]
    pub fn get_mut(&mut self, mmsi: u32) -> Option<&mut Vessel> {
        self.slot.get(&mmsi).map(|&k| &mut self.states[k as usize])
    }

    /// The vessel's state, made by `new` when it is not tracked yet; true when it was made.
    #[inline]
    pub fn get_or_insert_with(
        &mut self,
        mmsi: u32,
        new: impl FnOnce() -> Vessel,
    ) -> (&mut Vessel, bool) {
        let next = self.states.len() as u32;
        let k = *self.slot.entry(mmsi).or_insert(next);
        let made = k == next;
        if made {
            self.states.push(new());
        }
        (&mut self.states[k as usize], made)
    }

    /// Stops tracking a vessel; the last state takes its slot.
    pub fn remove(&mut self, mmsi: u32) -> Option<Vessel> {
        let k = self.slot.remove(&mmsi)? as usize;
        let v = self.states.swap_remove(k);
        if let Some(moved) = self.states.get(k) {
            self.slot.insert(moved.mmsi, k as u32);
        }
        Some(v)
    }

    pub fn len(&self) -> usize {
        self.states.len()
    }

    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Vessel> {
        self.states.iter()
    }

    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Vessel> {
        self.states.iter_mut()
    }
}

/// Written as a map from MMSI to state, as snapshots have always held it.
impl Serialize for Fleet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.states.iter().map(|v| (v.mmsi, v)))
    }
}

impl<'de> Deserialize<'de> for Fleet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Fleet, D::Error> {
        let map = MmsiMap::<Vessel>::deserialize(d)?;
        let mut fleet = Fleet::default();
        for (mmsi, mut v) in map {
            // The key is the vessel: a snapshot edited by hand cannot make two slots one.
            v.mmsi = mmsi;
            fleet.get_or_insert_with(mmsi, || v);
        }
        Ok(fleet)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vessel(mmsi: u32) -> Vessel {
        Vessel::new(mmsi, 0, 4, 1000)
    }

    #[test]
    fn removing_moves_the_last_state_into_the_slot() {
        let mut f = Fleet::default();
        for m in [1, 2, 3, 4] {
            assert!(f.get_or_insert_with(m, || vessel(m)).1);
        }
        assert!(!f.get_or_insert_with(2, || vessel(99)).1);
        assert_eq!(f.remove(2).map(|v| v.mmsi), Some(2));
        assert_eq!(f.remove(2).map(|v| v.mmsi), None);
        assert_eq!(f.len(), 3);
        for m in [1, 3, 4] {
            assert_eq!(f.get(m).map(|v| v.mmsi), Some(m));
        }
        assert!(f.get(2).is_none());
        // The last one removed: nothing moves.
        assert_eq!(f.remove(4).map(|v| v.mmsi), Some(4));
        assert_eq!(f.get(3).map(|v| v.mmsi), Some(3));
        assert_eq!(f.iter().map(|v| v.mmsi).collect::<Vec<_>>(), [1, 3]);
    }

    #[test]
    fn a_snapshot_round_trips_as_a_map() {
        let mut f = Fleet::default();
        for m in [7, 5, 9] {
            f.get_or_insert_with(m, || vessel(m));
        }
        let json = serde_json::to_value(&f).unwrap();
        assert!(json.get("5").is_some() && json.get("9").is_some());
        let back: Fleet = serde_json::from_value(json).unwrap();
        let mut mmsis: Vec<u32> = back.iter().map(|v| v.mmsi).collect();
        mmsis.sort();
        assert_eq!(mmsis, [5, 7, 9]);
        assert_eq!(back.get(9).map(|v| v.mmsi), Some(9));
    }
}
