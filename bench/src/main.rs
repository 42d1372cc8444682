//! `decode-peers PEER FILE [ROUNDS]`: decodes FILE's lines in memory with one decoder,
//! ROUNDS times after a warm-up, and prints one JSON line with the median round.
//! Used by `scripts/bench-decode`; PEER is `riverwatch`, `ais` or `nmea-parser`.

use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(peer), Some(file)) = (args.get(1), args.get(2)) else {
        anyhow::bail!("usage: decode-peers riverwatch|ais|nmea-parser FILE [ROUNDS]");
    };
    let rounds: usize = args.get(3).map(|r| r.parse()).transpose()?.unwrap_or(5);
    let text = std::fs::read(file)?;
    let lines: Vec<Vec<u8>> = text
        .split(|&c| c == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l).to_vec())
        .filter(|l| !l.is_empty())
        .collect();
    let f: fn(&[Vec<u8>]) -> usize = match peer.as_str() {
        "riverwatch" => riverwatch_bench::riverwatch,
        "ais" => riverwatch_bench::ais_crate,
        "nmea-parser" => riverwatch_bench::nmea_parser,
        other => anyhow::bail!("unknown peer {other}"),
    };
    let messages = f(&lines);
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        std::hint::black_box(f(&lines));
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "{{\"peer\":\"{peer}\",\"sentences\":{},\"messages\":{messages},\"seconds\":{median:.6},\"rounds\":{}}}",
        lines.len(),
        times.len()
    );
    Ok(())
}
