//! `riverwatch decode`: logs in, one JSON object per message out, a summary on stderr.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use ais::gpsd_json::{self, JsonOptions};
use ais::{Decoder, Output, Reject, Stats};
use anyhow::Context;

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub unscaled: bool,
    pub rejects: bool,
    pub quiet: bool,
}

pub fn run(files: &[PathBuf], opts: Options) -> anyhow::Result<()> {
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut total = Stats::default();
    let stdin_only = [PathBuf::from("-")];
    let files = if files.is_empty() {
        &stdin_only[..]
    } else {
        files
    };
    for path in files {
        let input: Box<dyn Read> = if path == Path::new("-") {
            Box::new(io::stdin().lock())
        } else {
            Box::new(File::open(path).with_context(|| format!("cannot open {}", path.display()))?)
        };
        let stats = decode_stream(input, &path.display().to_string(), &mut out, opts)?;
        add(&mut total, &stats);
    }
    out.flush()?;
    if !opts.quiet {
        eprint!("{}", summary(&total));
    }
    Ok(())
}

/// Decodes one stream. Fragments never join across files.
///
/// Reads in 1 MiB blocks and decodes lines in place: a `BufRead::read_until` copy per
/// line cost a tenth of the run on large logs.
fn decode_stream(
    mut input: impl Read,
    name: &str,
    out: &mut impl Write,
    opts: Options,
) -> anyhow::Result<Stats> {
    const BLOCK: usize = 1 << 20;
    let mut decoder = Decoder::default();
    let json = JsonOptions {
        scaled: !opts.unscaled,
    };
    let mut block = vec![0u8; BLOCK];
    let mut filled = 0;
    let mut buf = Vec::with_capacity(1 << 17);
    let mut line_no = 0u64;
    loop {
        let n = match input.read(&mut block[filled..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(anyhow::Error::new(e).context(format!("reading {name}"))),
        };
        let end = filled + n;
        let mut start = 0;
        while let Some(k) = memchr::memchr(b'\n', &block[start..end]) {
            line_no += 1;
            let line = &block[start..start + k];
            decoder.decode_line(line, &mut |o| emit(o, &mut buf, json, opts, name, line_no));
            start += k + 1;
        }
        if n == 0 || (start == 0 && end == BLOCK) {
            // End of input, or a line longer than a block: hand over what is left (the
            // decoder rejects an over-long line by itself) and start afresh.
            if end > start {
                line_no += 1;
                let line = &block[start..end];
                decoder.decode_line(line, &mut |o| emit(o, &mut buf, json, opts, name, line_no));
            }
            filled = 0;
            if n == 0 {
                break;
            }
        } else {
            block.copy_within(start..end, 0);
            filled = end - start;
        }
        if buf.len() > (1 << 16) {
            if !write_all(out, &buf)? {
                return Ok(decoder.stats().clone());
            }
            buf.clear();
        }
    }
    decoder.finish(&mut |o| emit(o, &mut buf, json, opts, name, line_no));
    write_all(out, &buf)?;
    Ok(decoder.stats().clone())
}

/// Writes, treating a closed pipe (`| head`) as a normal way to stop: `Ok(false)`.
fn write_all(out: &mut impl Write, buf: &[u8]) -> anyhow::Result<bool> {
    match out.write_all(buf) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(e.into()),
    }
}

fn emit(o: Output<'_>, buf: &mut Vec<u8>, json: JsonOptions, opts: Options, name: &str, line: u64) {
    match o {
        Output::Ais(m) => {
            gpsd_json::write(buf, &m, json);
            buf.push(b'\n');
        }
        Output::Gnss(fix, _) => {
            let v = serde_json::json!({
                "class": "GNSS",
                "sentence": fix.sentence.map(|s| format!("{s:?}").to_uppercase()),
                "time": fix.time_ms(),
                "lat": fix.lat,
                "lon": fix.lon,
                "speed": fix.sog_kn,
                "course": fix.cog_deg,
                "heading": fix.heading_deg,
                "valid": fix.valid,
            });
            buf.extend_from_slice(v.to_string().as_bytes());
            buf.push(b'\n');
        }
        Output::Reject(r) => {
            if opts.rejects {
                eprintln!("{name}:{line}: rejected: {r}");
            }
        }
    }
}

fn add(total: &mut Stats, s: &Stats) {
    total.lines += s.lines;
    total.ais_sentences += s.ais_sentences;
    total.other_sentences += s.other_sentences;
    total.gnss_fixes += s.gnss_fixes;
    for (t, v) in total.messages.iter_mut().zip(s.messages) {
        *t += v;
    }
    for (t, v) in total.rejects.iter_mut().zip(s.rejects) {
        *t += v;
    }
}

fn summary(s: &Stats) -> String {
    let mut text = format!(
        "lines {}  ais sentences {}  other sentences {}  messages {}  gnss fixes {}  rejects {}\n",
        s.lines,
        s.ais_sentences,
        s.other_sentences,
        s.total_messages(),
        s.gnss_fixes,
        s.total_rejects()
    );
    let by_type: Vec<String> = s
        .messages
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(t, n)| format!("{t}:{n}"))
        .collect();
    if !by_type.is_empty() {
        text.push_str(&format!("messages by type  {}\n", by_type.join(" ")));
    }
    let rejects: Vec<String> = Reject::ALL
        .iter()
        .filter(|r| s.rejects[r.index()] > 0)
        .map(|r| format!("{}:{}", r.name(), s.rejects[r.index()]))
        .collect();
    if !rejects.is_empty() {
        text.push_str(&format!("rejects by reason  {}\n", rejects.join(" ")));
    }
    text
}
