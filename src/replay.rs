//! `riverwatch replay`: the detectors over recorded logs, offline and deterministic.
//!
//! Alerts are written as JSON lines (DESIGN.md's alert object) once each is final: when
//! its episode ends, or at the end of the input for those still open (in the order they
//! opened). Memory holds only the open ones, so it is bounded by vessels, not by the
//! length of the feed; the same input always gives byte-identical output.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use ais::decoder::Output;
use ais::{Decoder, Observation, Stats};
use anyhow::Context;
use geofence::alert::{Alert, AlertKind, AlertUpdate};
use geofence::index::ZoneIndex;
use geofence::rules::Detector;

use crate::datadir as data;

#[derive(Debug)]
pub struct Options {
    pub data: PathBuf,
    pub config: Option<PathBuf>,
    pub alerts_out: Option<PathBuf>,
    pub print_config: bool,
    pub quiet: bool,
    pub logs: Vec<PathBuf>,
}

/// Alerts opened and not yet written, in the order they opened.
#[derive(Default)]
struct Pending {
    next: u64,
    order: HashMap<String, u64>,
    open: BTreeMap<u64, Alert>,
}

pub fn run(opts: Options) -> anyhow::Result<()> {
    let settings = data::load_settings(&opts.data, opts.config.as_deref())?;
    if opts.print_config {
        print!("{}", data::print_rules(&settings.rules)?);
        return Ok(());
    }
    let Some(alerts_out) = &opts.alerts_out else {
        anyhow::bail!("--alerts-out FILE is required (or --print-config)");
    };
    if opts.logs.is_empty() {
        anyhow::bail!("no LOG given: name the recorded logs to replay (`-` for stdin)");
    }
    let set = data::load_data_dir(&opts.data)?;
    let mut detector = Detector::new(
        ZoneIndex::new(set.zones),
        settings.rules.clone(),
        set.registry,
        set.watchlist,
    );
    let file = File::create(alerts_out)
        .with_context(|| format!("cannot create {}", alerts_out.display()))?;
    let mut out = BufWriter::new(file);
    let total_bytes: u64 = opts
        .logs
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok().map(|m| m.len()))
        .sum();
    let progress = (!opts.quiet && io::stderr().is_terminal()).then(|| {
        let bar = indicatif::ProgressBar::new(total_bytes);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut pending = Pending::default();
    let mut decoder_stats = Stats::default();
    let mut updates = Vec::new();
    let mut batch: Vec<Observation> = Vec::with_capacity(256);
    for path in &opts.logs {
        let input: Box<dyn Read> = if path == Path::new("-") {
            Box::new(io::stdin().lock())
        } else {
            Box::new(File::open(path).with_context(|| format!("cannot open {}", path.display()))?)
        };
        let mut reader = BufReader::with_capacity(1 << 20, input);
        let mut decoder = Decoder::default();
        let mut line = Vec::with_capacity(256);
        // Lines without a time of their own take the last time seen.
        let mut clock = 0i64;
        loop {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .with_context(|| format!("reading {}", path.display()))?;
            if n == 0 {
                break;
            }
            if let Some(bar) = &progress {
                bar.inc(n as u64);
            }
            decoder.decode_line(&line, &mut |o| {
                if let Output::Ais(m) = o {
                    let obs = Observation::from_ais(&m, clock);
                    clock = clock.max(obs.event_time_ms);
                    batch.push(obs);
                }
            });
            // Taken in batches: the engine fetches each report's state a few ahead.
            if batch.len() >= 256 {
                detector.observe_all(batch.iter(), &mut updates);
                batch.clear();
                write_updates(&mut pending, &mut updates, &mut out)?;
            }
        }
        detector.observe_all(batch.iter(), &mut updates);
        batch.clear();
        write_updates(&mut pending, &mut updates, &mut out)?;
        decoder.finish(&mut |_| {});
        add(&mut decoder_stats, decoder.stats());
    }
    for (_, alert) in std::mem::take(&mut pending.open) {
        write_alert(&mut out, &alert)?;
    }
    out.flush()
        .with_context(|| format!("writing {}", alerts_out.display()))?;
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if !opts.quiet {
        eprint!("{}", summary(&detector, &decoder_stats));
    }
    Ok(())
}

fn write_updates(
    pending: &mut Pending,
    updates: &mut Vec<AlertUpdate>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    for u in updates.drain(..) {
        match u {
            AlertUpdate::Opened(a) => {
                pending.order.insert(a.id.clone(), pending.next);
                pending.open.insert(pending.next, a);
                pending.next += 1;
            }
            AlertUpdate::Ended {
                id,
                ended_at_ms,
                evidence,
                ..
            } => {
                let Some(mut a) = pending
                    .order
                    .remove(&id)
                    .and_then(|k| pending.open.remove(&k))
                else {
                    continue;
                };
                a.ended_at_ms = Some(ended_at_ms);
                if let (Some(serde_json::Value::Object(extra)), serde_json::Value::Object(e)) =
                    (evidence, &mut a.evidence)
                {
                    e.extend(extra);
                }
                write_alert(out, &a)?;
            }
        }
    }
    Ok(())
}

fn write_alert(out: &mut impl Write, a: &Alert) -> anyhow::Result<()> {
    serde_json::to_writer(&mut *out, &a.to_json())?;
    out.write_all(b"\n")?;
    Ok(())
}

fn add(total: &mut Stats, s: &Stats) {
    total.lines += s.lines;
    total.ais_sentences += s.ais_sentences;
    total.other_sentences += s.other_sentences;
    total.gnss_fixes += s.gnss_fixes;
    for (a, b) in total.messages.iter_mut().zip(&s.messages) {
        *a += b;
    }
    for (a, b) in total.rejects.iter_mut().zip(&s.rejects) {
        *a += b;
    }
}

fn summary(detector: &Detector, decoded: &Stats) -> String {
    let e = detector.engine().stats();
    let mut text = format!(
        "lines {}  messages {}  rejects {}  positions {}  late {}  duplicate {}  future {}  vessels {}\n",
        decoded.lines,
        decoded.total_messages(),
        decoded.total_rejects(),
        e.fixes,
        e.late,
        e.duplicate,
        e.future,
        detector.engine().vessel_count(),
    );
    let opened = &detector.stats().opened;
    let total: u64 = opened.values().sum();
    text.push_str(&format!("alerts {total}\n"));
    for kind in AlertKind::ALL {
        if let Some(n) = opened.get(&kind) {
            text.push_str(&format!("  {:<28} {n}\n", kind.as_str()));
        }
    }
    text
}
