//! The engine as `serve` runs it: one thread owns the detectors, takes the receivers'
//! batches and the API's edits (zones, registry, watchlist) in arrival order, and hands
//! alert updates and downsampled vessel states to the store writer; and [`EngineNode`],
//! the face of all that the API sees ([`api::Node`]).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ais::receiver::{Batch, Dedup, ReceiverConfig, ReceiverStats};
use data::{Catalog, SqlStore, TrackPoint, VesselState};
use geofence::alert::{AlertUpdate, rfc3339};
use geofence::index::ZoneIndex;
use geofence::registry::{Registry, Watchlist};
use geofence::rules::Detector;
use geofence::track::{StopState, Vessel};
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot};

use crate::snapshots::Persist;

/// An edit for the running engine; the sender learns when it has been applied.
#[derive(Debug)]
pub enum Control {
    Zones(Box<ZoneIndex>, oneshot::Sender<()>),
    Lists(Registry, Watchlist, oneshot::Sender<()>),
}

/// What the engine hands the store writer, in order.
#[derive(Debug)]
pub enum ToStore {
    Alert(AlertUpdate),
    Vessels(Vec<VesselState>, Vec<TrackPoint>),
}

/// Counters the engine keeps for `/metrics`.
#[derive(Debug, Default)]
pub struct EngineCounters {
    pub messages: AtomicU64,
    pub admitted: AtomicU64,
    pub vessels: AtomicU64,
    pub opened: Mutex<BTreeMap<&'static str, u64>>,
}

/// The engine thread's inputs and outputs.
#[derive(Debug)]
pub struct EngineLoop {
    pub batches: mpsc::Receiver<Batch>,
    pub control: mpsc::Receiver<Control>,
    pub detector: Detector,
    pub to_store: mpsc::Sender<ToStore>,
    pub counters: Arc<EngineCounters>,
    /// A vessel's state and track point go to the store at most this often (event time).
    pub track_step_ms: i64,
    /// The journal and snapshots that carry the engine across restarts.
    pub persist: Persist,
}

enum Input {
    Batch(Batch),
    Control(Control),
    Closed,
}

impl EngineLoop {
    /// Runs until the receivers have stopped and their last batch is taken; returns how
    /// many messages it saw.
    pub fn run(mut self, rt: tokio::runtime::Handle) -> u64 {
        let mut dedup = Dedup::default();
        let mut updates = Vec::new();
        let mut last_stored: foldhash::HashMap<u32, i64> = Default::default();
        let mut touched = Vec::new();
        let mut seen = 0u64;
        loop {
            let input = rt.block_on(async {
                tokio::select! {
                    // Edits first: an administrator's change applies before more traffic.
                    biased;
                    Some(c) = self.control.recv() => Input::Control(c),
                    b = self.batches.recv() => b.map_or(Input::Closed, Input::Batch),
                }
            });
            match input {
                Input::Closed => {
                    self.save();
                    return seen;
                }
                // A snapshot right after an edit: a journal never spans two zone sets.
                Input::Control(Control::Zones(index, done)) => {
                    self.detector.replace_zones(*index, &mut updates);
                    self.save();
                    let _ = done.send(());
                }
                Input::Control(Control::Lists(registry, watchlist, done)) => {
                    self.detector.replace_lists(registry, watchlist);
                    self.save();
                    let _ = done.send(());
                }
                Input::Batch(batch) => {
                    seen += batch.len() as u64;
                    self.counters
                        .messages
                        .fetch_add(batch.len() as u64, Ordering::Relaxed);
                    let mut admitted = Vec::with_capacity(batch.len());
                    for i in &batch {
                        let o = &i.observation;
                        if dedup.admit(i.key, o.event_time_ms, o.station.as_deref()) {
                            self.counters.admitted.fetch_add(1, Ordering::Relaxed);
                            if let Err(e) = self.persist.journal(o) {
                                journal_failed(&e);
                            }
                            admitted.push(o);
                            touched.push(o.mmsi);
                        }
                    }
                    self.detector
                        .observe_all(admitted.iter().copied(), &mut updates);
                }
            }
            if !self.flush(&mut updates, &mut touched, &mut last_stored) {
                return seen;
            }
            if self.persist.due() {
                self.save();
            }
        }
    }

    /// Snapshots the detector; a failure is logged and the journal goes on.
    fn save(&mut self) {
        if let Err(e) = self.persist.snapshot(&self.detector) {
            tracing::error!("saving the engine's state: {e:#}");
        }
    }

    /// Sends the alert updates and the due vessel states to the store writer; false when
    /// the writer is gone.
    fn flush(
        &mut self,
        updates: &mut Vec<AlertUpdate>,
        touched: &mut Vec<u32>,
        last_stored: &mut foldhash::HashMap<u32, i64>,
    ) -> bool {
        // Each batch is handed to the OS (one write): a killed process loses none of it,
        // and every alert the store gets comes from input the journal holds.
        if let Err(e) = self.persist.flush() {
            journal_failed(&e);
        }
        for u in updates.drain(..) {
            if let AlertUpdate::Opened(a) = &u
                && let Ok(mut m) = self.counters.opened.lock()
            {
                *m.entry(a.kind.as_str()).or_default() += 1;
            }
            // Waits when the store writer is behind: alerts are never dropped.
            if self.to_store.blocking_send(ToStore::Alert(u)).is_err() {
                return false;
            }
        }
        let (states, points) = due_states(&self.detector, touched, last_stored, self.track_step_ms);
        self.counters.vessels.store(
            self.detector.engine().vessel_count() as u64,
            Ordering::Relaxed,
        );
        if !states.is_empty()
            && self
                .to_store
                .blocking_send(ToStore::Vessels(states, points))
                .is_err()
        {
            return false;
        }
        true
    }
}

/// A journal that cannot be written costs the restart its exactness, not detection.
fn journal_failed(e: &std::io::Error) {
    use std::sync::atomic::AtomicBool;
    static SAID: AtomicBool = AtomicBool::new(false);
    if !SAID.swap(true, Ordering::Relaxed) {
        tracing::error!("writing the engine journal: {e} (detection goes on; said once)");
    }
}

fn round(x: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (x * k).round() / k
}

/// The states and track points of the vessels in `touched` (drained) that are due: at most
/// one per vessel per `step_ms` of event time, by `last_stored`.
pub(crate) fn due_states(
    detector: &geofence::rules::Detector,
    touched: &mut Vec<u32>,
    last_stored: &mut foldhash::HashMap<u32, i64>,
    step_ms: i64,
) -> (Vec<VesselState>, Vec<TrackPoint>) {
    touched.sort_unstable();
    touched.dedup();
    let engine = detector.engine();
    let (mut states, mut points) = (Vec::new(), Vec::new());
    for mmsi in touched.drain(..) {
        let Some(v) = engine.vessel(mmsi) else {
            continue;
        };
        let due = last_stored
            .get(&mmsi)
            .is_none_or(|&t| v.last_heard_ms >= t + step_ms);
        if !due {
            continue;
        }
        last_stored.insert(mmsi, v.last_heard_ms);
        states.push(vessel_state(v, engine.index()));
        if let Some(f) = v.last_fix {
            points.push(TrackPoint {
                mmsi,
                at_ms: f.time_ms,
                lon: f.lon,
                lat: f.lat,
                sog_kn: f.sog(),
                cog_deg: f.cog(),
            });
        }
    }
    (states, points)
}

/// A vessel's latest state as the API shows it.
fn vessel_state(v: &Vessel, index: &ZoneIndex) -> VesselState {
    let s = v.statics.as_deref();
    let text = |t: &str| (!t.is_empty()).then(|| t.to_string());
    let name = s.and_then(|s| text(s.name.as_str()));
    let state = json!({
        "name": name,
        "callsign": s.and_then(|s| text(s.callsign.as_str())),
        "eni": s.and_then(|s| text(s.eni.as_str())),
        "imo": s.and_then(|s| s.imo),
        "ship_type": s.and_then(|s| s.ship_type),
        "eri_ship_type": s.and_then(|s| s.eri_ship_type),
        "length_m": s.and_then(|s| s.length_dm).map(|d| f64::from(d) / 10.0),
        "beam_m": s.and_then(|s| s.beam_dm).map(|d| f64::from(d) / 10.0),
        "draught_m": s.and_then(|s| s.draught_m).map(|d| round(f64::from(d), 2)),
        "loaded": s.and_then(|s| s.loaded),
        "persons_on_board": s.and_then(|s| s.persons_on_board).and_then(|p| p.total),
        "position": v.last_fix.map(|f| [round(f.lon, 7), round(f.lat, 7)]),
        "fix_time": v.last_fix.map(|f| rfc3339(f.time_ms)),
        "sog": v.last_fix.and_then(|f| f.sog()).map(|x| round(x, 1)),
        "cog": v.last_fix.and_then(|f| f.cog()).map(|c| round(c, 1)),
        "stopped_since": match v.stop {
            StopState::Stopped { since_ms, .. } => Some(rfc3339(since_ms)),
            StopState::Moving { .. } => None,
        },
        "in_gap": v.in_gap,
        "zones": v.zones.iter().map(|m| json!({
            "id": index.zone(m.zone).id,
            "kind": index.zone(m.zone).kind.as_str(),
            "since": rfc3339(m.since_ms),
        })).collect::<Vec<_>>(),
    });
    VesselState {
        mmsi: v.mmsi,
        name,
        last_heard_ms: v.last_heard_ms,
        state,
    }
}

/// What the API sees of this process: the store, the engine's control channel, the
/// receivers' counters.
#[derive(Debug)]
pub struct EngineNode {
    pub store: Arc<SqlStore>,
    pub control: mpsc::Sender<Control>,
    pub receivers: Vec<(ReceiverConfig, Arc<ReceiverStats>)>,
    pub counters: Arc<EngineCounters>,
}

impl EngineNode {
    async fn reload_zones(&self) -> Result<Value, String> {
        let loaded = api::zones::zones_from_store(&self.store)
            .await
            .map_err(|e| e.to_string())?;
        let errors: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
        let count = loaded.zones.len();
        // Building the index is CPU work (100 k zones: about a second): off the async threads.
        let index = tokio::task::spawn_blocking(move || ZoneIndex::new(loaded.zones))
            .await
            .map_err(|e| e.to_string())?;
        let (done, applied) = oneshot::channel();
        self.control
            .send(Control::Zones(Box::new(index), done))
            .await
            .map_err(|_| "the engine has stopped".to_string())?;
        applied
            .await
            .map_err(|_| "the engine has stopped".to_string())?;
        Ok(json!({"running": true, "zones": count, "not_loaded": errors}))
    }

    async fn reload_lists(&self) -> Result<Value, String> {
        let (registry, watchlist) = api::lists::lists_from_store(&self.store)
            .await
            .map_err(|e| e.to_string())?;
        let errors: Vec<String> = registry
            .errors
            .iter()
            .chain(&watchlist.errors)
            .map(ToString::to_string)
            .collect();
        let counts = (registry.value.len(), watchlist.value.len());
        let (done, applied) = oneshot::channel();
        self.control
            .send(Control::Lists(registry.value, watchlist.value, done))
            .await
            .map_err(|_| "the engine has stopped".to_string())?;
        applied
            .await
            .map_err(|_| "the engine has stopped".to_string())?;
        Ok(
            json!({"running": true, "registry": counts.0, "watchlist": counts.1, "not_loaded": errors}),
        )
    }
}

impl api::Node for EngineNode {
    fn reload(&self, what: Catalog) -> api::NodeFuture<'_, Result<Value, String>> {
        Box::pin(async move {
            match what {
                Catalog::Zones => self.reload_zones().await,
                Catalog::Registry | Catalog::Watchlist => self.reload_lists().await,
                // Cameras do not steer the engine (yet: their sectors will be zones).
                Catalog::Cameras => Ok(json!({"running": true})),
            }
        })
    }

    fn receivers(&self) -> Value {
        Value::Array(
            self.receivers
                .iter()
                .map(|(c, s)| serde_json::to_value(s.status(c)).unwrap_or(Value::Null))
                .collect(),
        )
    }

    fn metrics(&self) -> String {
        let mut out = String::new();
        for (c, s) in &self.receivers {
            s.status(c).prometheus(&mut out);
        }
        let c = &self.counters;
        let gauge = |out: &mut String, name: &str, kind: &str, help: &str, v: u64| {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}\n"
            ));
        };
        gauge(
            &mut out,
            "riverwatch_engine_messages_total",
            "counter",
            "Messages the engine received.",
            c.messages.load(Ordering::Relaxed),
        );
        gauge(
            &mut out,
            "riverwatch_engine_admitted_total",
            "counter",
            "Messages the engine took (copies from other towers folded).",
            c.admitted.load(Ordering::Relaxed),
        );
        gauge(
            &mut out,
            "riverwatch_engine_vessels",
            "gauge",
            "Vessels the engine tracks.",
            c.vessels.load(Ordering::Relaxed),
        );
        out.push_str("# HELP riverwatch_alerts_opened_total Alerts opened since start, by kind.\n");
        out.push_str("# TYPE riverwatch_alerts_opened_total counter\n");
        if let Ok(m) = c.opened.lock() {
            for (kind, n) in m.iter() {
                out.push_str(&format!(
                    "riverwatch_alerts_opened_total{{kind=\"{kind}\"}} {n}\n"
                ));
            }
        }
        out
    }
}
