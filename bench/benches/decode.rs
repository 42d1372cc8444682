//! riverwatch's decoder against the `ais` and `nmea-parser` crates on the same real lines
//! from the shared corpora (repeated to one million sentences), in one run.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn decode(c: &mut Criterion) {
    for (name, positions_only) in [("mixed", false), ("position_reports", true)] {
        let lines = riverwatch_bench::corpus_lines(1_000_000, positions_only);
        let mut g = c.benchmark_group(format!("decode_{name}"));
        g.throughput(Throughput::Elements(lines.len() as u64));
        g.bench_function("riverwatch", |b| {
            b.iter(|| riverwatch_bench::riverwatch(&lines))
        });
        g.bench_function("ais", |b| b.iter(|| riverwatch_bench::ais_crate(&lines)));
        g.bench_function("nmea-parser", |b| {
            b.iter(|| riverwatch_bench::nmea_parser(&lines))
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = decode
}
criterion_main!(benches);
