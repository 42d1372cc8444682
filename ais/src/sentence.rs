//! Framing: one input line -> the NMEA sentences on it, with their tag blocks.
//!
//! Accepts what real tower logs contain: `\r\n` or `\n` endings (the caller splits lines),
//! IEC 61162-450 tag blocks (`\s:tower-03,c:1763800000*5A\`), several sentences on one
//! line (with or without a literal `\r\n` between them), text or a UNIX time appended after
//! the checksum, any two-character talker (`!AIVDM`, `!BSVDM`, `!--VDM`, ...).
//!
//! Policy for a tag block that fails its checksum or does not parse: it is dropped and
//! counted as [`Reject::BadTagBlock`], and the sentence behind it is still decoded on the
//! strength of its own checksum (the sentence is the evidence; the tag block only says
//! where and when it was heard).

use crate::error::Reject;

/// Longest line we look at; longer lines are rejected whole ([`Reject::LineTooLong`]).
pub const MAX_LINE: usize = 2048;

/// Tag-block fields (IEC 61162-450 §7.9 / NMEA 0183 v4 tag blocks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TagBlock<'a> {
    /// `s:` source (station) identifier.
    pub source: Option<&'a str>,
    /// `c:` UNIX time, normalised to milliseconds (senders use seconds or milliseconds).
    pub time_ms: Option<i64>,
    /// `g:` sentence grouping.
    pub group: Option<Group>,
    /// `n:` line count.
    pub line_count: Option<u32>,
    /// `t:` free text.
    pub text: Option<&'a str>,
    /// `d:` destination.
    pub destination: Option<&'a str>,
    /// `r:` relative time.
    pub relative_time: Option<i64>,
}

/// `g:` grouping: sentence `num` of `total` in group `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group {
    pub num: u8,
    pub total: u8,
    pub id: u32,
}

/// One `!xxVDM` / `!xxVDO` sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AisSentence<'a> {
    pub talker: [u8; 2],
    /// `VDO`: the receiver's own vessel.
    pub own_vessel: bool,
    pub total: u8,
    pub num: u8,
    pub seq_id: Option<u8>,
    pub channel: Option<u8>,
    pub payload: &'a [u8],
    pub fill: u8,
}

/// A checksummed sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sentence<'a> {
    Ais(AisSentence<'a>),
    /// Any other `$`/`!` sentence, whole (from the start character through the checksum).
    Other {
        address: &'a str,
        text: &'a str,
    },
}

/// A sentence with what surrounded it on the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The tag block's fields (checksum verified; parsed by [`Frame::tag_block`]). Kept as
    /// text so a frame stays small: framing is the hot path and most fields go unused.
    pub tag: Option<&'a str>,
    /// Set when a tag block was present but dropped.
    pub tag_error: Option<Reject>,
    pub sentence: Sentence<'a>,
    /// A UNIX time (ms) that the logger appended after the checksum (`...*5C,1357134218`).
    pub trailing_time_ms: Option<i64>,
}

impl<'a> Frame<'a> {
    /// The parsed tag block, if the frame has one.
    pub fn tag_block(&self) -> Result<Option<TagBlock<'a>>, Reject> {
        self.tag.map(parse_tag_fields).transpose()
    }
}

/// What one line holds: frames, rejects, or nothing (blank line, `#` comment).
pub fn frames(line: &[u8]) -> Frames<'_> {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b'\r' | b'\n') {
        end -= 1;
    }
    let line = &line[..end];
    let done = line.len() > MAX_LINE;
    Frames {
        line,
        pos: 0,
        done,
        too_long: done,
    }
}

/// Iterator over the sentences on one line.
#[derive(Debug)]
pub struct Frames<'a> {
    line: &'a [u8],
    pos: usize,
    done: bool,
    too_long: bool,
}

impl<'a> Iterator for Frames<'a> {
    type Item = Result<Frame<'a>, Reject>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.too_long {
            self.too_long = false;
            return Some(Err(Reject::LineTooLong));
        }
        if self.done {
            return None;
        }
        let line = self.line;
        // Skip whitespace and the literal "\r\n" some loggers write between sentences.
        let mut p = self.pos;
        loop {
            while p < line.len() && line[p].is_ascii_whitespace() {
                p += 1;
            }
            if let Some(n) = literal_line_end(&line[p..]) {
                p += n;
                continue;
            }
            break;
        }
        if p >= line.len() {
            self.done = true;
            return None;
        }
        if p == 0 && line[0] == b'#' {
            self.done = true;
            return None;
        }
        // Junk before the first start character costs only itself.
        let start = match line[p] {
            b'\\' | b'!' | b'$' => Some(0),
            _ => memchr::memchr3(b'\\', b'!', b'$', &line[p..]),
        };
        let start = match start {
            Some(k) => p + k,
            None => {
                self.done = true;
                return Some(Err(Reject::Malformed));
            }
        };
        let (frame, next) = parse_frame(line, start);
        self.pos = next;
        if next >= line.len() {
            self.done = true;
        }
        Some(frame)
    }
}

/// The shape nearly every line of a tower feed has: an optional tag block and one
/// sentence `!xxVDM,T,N,S,C,payload,F*hh`, nothing after. Recognised with fixed
/// offsets and one checksum pass; `None` sends the line down the general path, which
/// handles everything else (and gives the same answer for lines accepted here: the
/// payload's characters are checked by de-armoring, which rejects every start character).
/// Measured: about a third of the decoder's time on real feeds before this existed.
#[inline]
pub(crate) fn fast_ais(line: &[u8]) -> Option<(Option<&str>, AisSentence<'_>)> {
    let mut n = line.len();
    while n > 0 && matches!(line[n - 1], b'\n' | b'\r') {
        n -= 1;
    }
    let line = &line[..n];
    let (tag, start) = if line.first() == Some(&b'\\') {
        let close = 1 + memchr::memchr(b'\\', &line[1..])?;
        (Some(check_tag_block(&line[1..close]).ok()?), close + 1)
    } else {
        (None, 0)
    };
    let s = &line[start..];
    let m = s.len();
    if m < 20 || s[0] != b'!' || s[m - 3] != b'*' {
        return None;
    }
    let body = &s[1..m - 3];
    // "xxVDM,T,N," then the optional sequence id and channel, each with its comma.
    let head: &[u8; 10] = body.first_chunk()?;
    let &[
        t1,
        t2,
        b'V',
        b'D',
        k @ (b'M' | b'O'),
        b',',
        total,
        b',',
        num,
        b',',
    ] = head
    else {
        return None;
    };
    if !(b'1'..=b'9').contains(&total) || !(b'1'..=total).contains(&num) {
        return None;
    }
    let (total, num) = (total - b'0', num - b'0');
    let (seq_id, mut p) = match body.get(10..12)? {
        [b',', _] => (None, 11),
        [d @ b'0'..=b'9', b','] => (Some(d - b'0'), 12),
        _ => return None,
    };
    let channel = match body.get(p..p + 2)? {
        [b',', _] => None,
        [c, b','] if c.is_ascii_alphanumeric() => {
            p += 1;
            Some(*c)
        }
        _ => return None,
    };
    let payload_start = p + 1;
    let bl = body.len();
    let fill = body[bl - 1];
    if bl < payload_start + 3 || body[bl - 2] != b',' || !(b'0'..=b'5').contains(&fill) {
        return None;
    }
    let payload = &body[payload_start..bl - 2];
    // A fragment's payload is only de-armored in reassembly, after framing has committed
    // to this line: make sure it hides no second sentence first.
    if total > 1 && memchr::memchr3(b'!', b'$', b'\\', payload).is_some() {
        return None;
    }
    let sum = (hex(s[m - 2])? << 4) | hex(s[m - 1])?;
    if xor(body) != sum {
        return None;
    }
    Some((
        tag,
        AisSentence {
            talker: [t1, t2],
            own_vessel: k == b'O',
            total,
            num,
            seq_id,
            channel,
            payload,
            fill: fill - b'0',
        },
    ))
}

/// Parses one frame starting at `start`; returns it and where the next may begin.
fn parse_frame(line: &[u8], start: usize) -> (Result<Frame<'_>, Reject>, usize) {
    let mut p = start;
    let mut tag = None;
    let mut tag_error = None;
    if line[p] == b'\\' {
        let Some(close) = line[p + 1..].iter().position(|&c| c == b'\\') else {
            return (Err(Reject::BadTagBlock), line.len());
        };
        let body = &line[p + 1..p + 1 + close];
        match check_tag_block(body) {
            Ok(t) => tag = Some(t),
            Err(e) => tag_error = Some(e),
        }
        p += close + 2;
        if p >= line.len() || !matches!(line[p], b'!' | b'$') {
            // A tag block with no sentence behind it.
            return (Err(Reject::BadTagBlock), next_start(line, p));
        }
    }
    let s = p;
    // The sentence runs to '*' and two hex digits. (memchr: SIMD scans are the bulk of
    // the framing cost on real feeds.)
    // Most lines end with this sentence's "*hh": try there before scanning for '*'.
    let n = line.len();
    let tail_star = n >= s + 4 && line[n - 3] == b'*';
    let interior = if tail_star {
        memchr::memchr3(b'!', b'$', b'\\', &line[s + 1..n - 3])
    } else {
        None
    };
    // A stray '*' inside the body fails the checksum or de-armoring later, so only the
    // start characters need looking for on the fast path.
    let star = if tail_star && interior.is_none() {
        n - 3
    } else {
        let Some(star) = memchr::memchr(b'*', &line[s + 1..]).map(|k| s + 1 + k) else {
            return (Err(Reject::Malformed), line.len());
        };
        // A new start character before '*' means this sentence was cut short.
        if let Some(k) = memchr::memchr3(b'!', b'$', b'\\', &line[s + 1..star]) {
            return (Err(Reject::Malformed), s + 1 + k);
        }
        star
    };
    let (Some(h1), Some(h2)) = (
        line.get(star + 1).and_then(|&c| hex(c)),
        line.get(star + 2).and_then(|&c| hex(c)),
    ) else {
        return (Err(Reject::BadChecksum), next_start(line, star + 1));
    };
    let body = &line[s + 1..star];
    if xor(body) != (h1 << 4 | h2) {
        return (Err(Reject::BadChecksum), next_start(line, star + 3));
    }
    let after = star + 3;
    let next = next_start(line, after);
    let trailing_time_ms = trailing_time(&line[after..next]);
    let sentence = match parse_sentence(&line[s..star], &line[s..after]) {
        Ok(sentence) => sentence,
        Err(e) => return (Err(e), next),
    };
    (
        Ok(Frame {
            tag,
            tag_error,
            sentence,
            trailing_time_ms,
        }),
        next,
    )
}

/// Loggers that escape control characters write the line ending as text: `\r\n` or
/// `\x0d\x0a`. Returns its length when `s` starts with one that is followed by another
/// sentence, another escape, or the end of the line.
fn literal_line_end(s: &[u8]) -> Option<usize> {
    let n = match s {
        [b'\\', b'r' | b'n', ..] => 2,
        [b'\\', b'x', b'0', b'a' | b'A' | b'd' | b'D', ..] => 4,
        _ => return None,
    };
    s.get(n)
        .is_none_or(|&c| matches!(c, b'\\' | b'!' | b'$'))
        .then_some(n)
}

/// Where the next frame can start at or after `p`.
fn next_start(line: &[u8], p: usize) -> usize {
    if p >= line.len() {
        return line.len();
    }
    memchr::memchr3(b'\\', b'!', b'$', &line[p..]).map_or(line.len(), |k| p + k)
}

/// XOR of all bytes, eight at a time (the checksum runs over every sentence).
#[inline]
fn xor(bytes: &[u8]) -> u8 {
    let mut chunks = bytes.chunks_exact(8);
    let mut acc = 0u64;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        acc ^= u64::from_le_bytes(w);
    }
    let mut x = acc.to_le_bytes().iter().fold(0u8, |a, &b| a ^ b);
    for &b in chunks.remainder() {
        x ^= b;
    }
    x
}

#[inline]
fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// `,1357134218` or `,garbage,,1357134218` after the checksum: the last all-digit field
/// of 10 (seconds) or 13 (milliseconds) digits.
fn trailing_time(rest: &[u8]) -> Option<i64> {
    if rest.first() != Some(&b',') {
        return None;
    }
    let field = rest.rsplit(|&c| c == b',').find(|f| !f.is_empty())?;
    let field = field.trim_ascii();
    if !field.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v: i64 = std::str::from_utf8(field).ok()?.parse().ok()?;
    match field.len() {
        10 => Some(v * 1000),
        13 => Some(v),
        _ => None,
    }
}

/// Verifies a tag block's checksum; returns its fields.
fn check_tag_block(body: &[u8]) -> Result<&str, Reject> {
    let star = body
        .iter()
        .rposition(|&c| c == b'*')
        .ok_or(Reject::BadTagBlock)?;
    let sum = &body[star + 1..];
    if sum.len() != 2 {
        return Err(Reject::BadTagBlock);
    }
    let (Some(h1), Some(h2)) = (hex(sum[0]), hex(sum[1])) else {
        return Err(Reject::BadTagBlock);
    };
    let fields = &body[..star];
    if xor(fields) != (h1 << 4 | h2) {
        return Err(Reject::BadTagBlock);
    }
    std::str::from_utf8(fields).map_err(|_| Reject::BadTagBlock)
}

/// Parses checksummed tag-block fields (`s:tower-03,c:1763800000`).
pub fn parse_tag_fields(text: &str) -> Result<TagBlock<'_>, Reject> {
    let mut t = TagBlock::default();
    // Byte searches, not `str::split`: every sentence of a tower feed has a tag block
    // (measured: `split` was 6 % of a whole replay). ',' and ':' are ASCII, so the
    // slices fall on character boundaries.
    let mut rest = Some(text);
    while let Some(r) = rest {
        let (field, next) = match memchr::memchr(b',', r.as_bytes()) {
            Some(k) => (&r[..k], Some(&r[k + 1..])),
            None => (r, None),
        };
        rest = next;
        let colon = memchr::memchr(b':', field.as_bytes()).ok_or(Reject::BadTagBlock)?;
        let (key, value) = (&field[..colon], &field[colon + 1..]);
        match key {
            "s" => t.source = Some(value),
            "c" => {
                let v: i64 = value.parse().map_err(|_| Reject::BadTagBlock)?;
                // Seconds until the year 5138; larger values are milliseconds.
                t.time_ms = Some(if v.abs() < 100_000_000_000 {
                    v * 1000
                } else {
                    v
                });
            }
            "g" => t.group = Some(parse_group(value)?),
            "n" => t.line_count = Some(value.parse().map_err(|_| Reject::BadTagBlock)?),
            "t" => t.text = Some(value),
            "d" => t.destination = Some(value),
            "r" => t.relative_time = Some(value.parse().map_err(|_| Reject::BadTagBlock)?),
            // Unknown keys are allowed by the standard and ignored.
            _ => {}
        }
    }
    Ok(t)
}

fn parse_group(v: &str) -> Result<Group, Reject> {
    let mut it = v.split('-');
    let mut num = || -> Result<u32, Reject> {
        it.next()
            .filter(|s| !s.is_empty())
            .and_then(|s| s.parse().ok())
            .ok_or(Reject::BadTagBlock)
    };
    let (n, total, id) = (num()?, num()?, num()?);
    if n == 0 || total == 0 || n > total || total > 9 || it.next().is_some() {
        return Err(Reject::BadTagBlock);
    }
    Ok(Group {
        num: n as u8,
        total: total as u8,
        id,
    })
}

/// `sentence` runs from the start character up to (not including) '*'; `whole` includes
/// the checksum.
fn parse_sentence<'a>(sentence: &'a [u8], whole: &'a [u8]) -> Result<Sentence<'a>, Reject> {
    // AIS first, on bytes: this is every sentence of a tower feed.
    if let [_, t1, t2, b'V', b'D', k @ (b'M' | b'O'), b',', ..] = *sentence {
        return parse_ais(sentence, [t1, t2], k == b'O').map(Sentence::Ais);
    }
    let comma = memchr::memchr(b',', sentence).unwrap_or(sentence.len());
    let address = std::str::from_utf8(&sentence[1..comma]).map_err(|_| Reject::Malformed)?;
    let text = std::str::from_utf8(whole).map_err(|_| Reject::Malformed)?;
    Ok(Sentence::Other { address, text })
}

/// `!xxVDM,total,num,seq,channel,payload,fill` (without the checksum).
fn parse_ais(
    sentence: &[u8],
    talker: [u8; 2],
    own_vessel: bool,
) -> Result<AisSentence<'_>, Reject> {
    let mut rest = &sentence[7..];
    let total = take_digit(&mut rest).ok_or(Reject::Malformed)?;
    let num = take_digit(&mut rest).ok_or(Reject::Malformed)?;
    let seq = take_short(&mut rest).ok_or(Reject::Malformed)?;
    let channel = take_short(&mut rest).ok_or(Reject::Malformed)?;
    // The payload runs to the last comma; a comma inside it fails de-armoring.
    let last = memchr::memrchr(b',', rest).ok_or(Reject::Malformed)?;
    let (payload, fill) = (&rest[..last], &rest[last + 1..]);
    if total == 0 || num == 0 || num > total {
        return Err(Reject::Malformed);
    }
    let seq_id = match seq {
        None => None,
        Some(c) if c.is_ascii_digit() => Some(c - b'0'),
        Some(_) => return Err(Reject::Malformed),
    };
    let channel = match channel {
        None => None,
        Some(c) if c.is_ascii_alphanumeric() => Some(c),
        Some(_) => return Err(Reject::Malformed),
    };
    let fill = match fill {
        [] => 0,
        f => digit(f).filter(|&f| f <= 5).ok_or(Reject::BadFillBits)?,
    };
    if payload.is_empty() {
        return Err(Reject::TruncatedPayload);
    }
    Ok(AisSentence {
        talker,
        own_vessel,
        total,
        num,
        seq_id,
        channel,
        payload,
        fill,
    })
}

/// One digit and its comma.
fn take_digit(rest: &mut &[u8]) -> Option<u8> {
    match **rest {
        [c, b',', ..] if c.is_ascii_digit() => {
            *rest = &rest[2..];
            Some(c - b'0')
        }
        _ => None,
    }
}

/// An empty or one-character field and its comma: `Some(None)` for empty.
fn take_short(rest: &mut &[u8]) -> Option<Option<u8>> {
    match **rest {
        [b',', ..] => {
            *rest = &rest[1..];
            Some(None)
        }
        [c, b',', ..] => {
            *rest = &rest[2..];
            Some(Some(c))
        }
        _ => None,
    }
}

fn digit(f: &[u8]) -> Option<u8> {
    match f {
        [c] if c.is_ascii_digit() => Some(c - b'0'),
        _ => None,
    }
}

/// Computes the NMEA checksum of a sentence body (between the start character and '*').
pub fn checksum(body: &[u8]) -> u8 {
    xor(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(line: &str) -> Vec<Result<Frame<'_>, Reject>> {
        frames(line.as_bytes()).collect()
    }

    fn ais<'a>(f: &Result<Frame<'a>, Reject>) -> AisSentence<'a> {
        match f {
            Ok(Frame {
                sentence: Sentence::Ais(s),
                ..
            }) => *s,
            other => panic!("not an AIS frame: {other:?}"),
        }
    }

    #[test]
    fn plain_sentence() {
        let f = all("!AIVDM,1,1,,B,14pWHb?P03rwO<F:RQOnROw<25bd,0*3E\r\n");
        assert_eq!(f.len(), 1);
        let s = ais(&f[0]);
        assert_eq!(&s.talker, b"AI");
        assert_eq!(
            (s.total, s.num, s.seq_id, s.channel, s.fill),
            (1, 1, None, Some(b'B'), 0)
        );
        assert_eq!(s.payload, b"14pWHb?P03rwO<F:RQOnROw<25bd");
    }

    #[test]
    fn tag_block_fields_and_time_units() {
        let f = all(
            r"\g:1-2-1278,s:66,c:1661782369*43\!AIVDM,2,1,3,A,56=nR7D00003A<I@E=@TmDh637OS60mA:222220N1@6427?P00888888,0*66",
        );
        let Ok(frame) = &f[0] else { panic!("{f:?}") };
        let t = frame.tag_block().unwrap().unwrap();
        assert_eq!(t.source, Some("66"));
        assert_eq!(t.time_ms, Some(1_661_782_369_000));
        assert_eq!(
            t.group,
            Some(Group {
                num: 1,
                total: 2,
                id: 1278
            })
        );
        let f = all(
            r"\c:1599239526500,s:sdr-experiments,T:2020-09-04 18.12.06*5D\!AIVDM,1,1,,A,B>cSnNP00FVur7UaC7WQ3wS1jCJJ,0*73'",
        );
        let Ok(frame) = &f[0] else { panic!("{f:?}") };
        assert_eq!(
            frame.tag_block().unwrap().unwrap().time_ms,
            Some(1_599_239_526_500)
        );
    }

    #[test]
    fn bad_tag_block_keeps_the_sentence() {
        let f = all(r"\c:1662052384,s:FM112*00\!AIVDM,2,2,1,A,00000000000,2*25");
        let Ok(frame) = &f[0] else { panic!("{f:?}") };
        assert!(frame.tag.is_none());
        assert_eq!(frame.tag_error, Some(Reject::BadTagBlock));
    }

    #[test]
    fn two_sentences_on_one_line() {
        let f = all(
            r"!AIVDM,2,1,2,B,552H<Dl00001HDL62210ThuB08t5B1HDL622220j1083340Ht3h00000,0*4B\r\n!AIVDM,2,2,2,B,000000000000000,2*25",
        );
        assert_eq!(f.len(), 2);
        assert_eq!(ais(&f[0]).num, 1);
        assert_eq!(ais(&f[1]).num, 2);
        let f = all(
            r"\s:rMT2083,t:marinetraffic,c:1698785948*44\!ABVDM,2,1,8,A,53l3sj42A590=5Q2220UHE:04=@Ttr222222221@9HH>46ii0=D532Dp?`1D,0*28\s:rMT2083,t:marinetraffic,c:1698785947*4B\!AIVDM,2,2,8,A,888888888888880,2*2C",
        );
        assert_eq!(f.len(), 2);
        assert!(f.iter().all(|f| f.as_ref().is_ok_and(|f| f.tag.is_some())));
    }

    #[test]
    fn trailing_unix_time_and_junk() {
        let f = all("!AIVDM,1,1,,B,14pWHb?P03rwO<F:RQOnROw<25bd,0*3E,1daasd4218,,1357134222");
        assert_eq!(
            f[0].as_ref().unwrap().trailing_time_ms,
            Some(1_357_134_222_000)
        );
        let f = all(r"!AIVDM,1,1,,B,14pWHb?P03rwO<F:RQOnROw<25bd,0*3E\x0d\x0a");
        assert_eq!(f.len(), 1, "{f:?}");
        let f =
            all("!--VDM,1,1,,A,802R5Ph0BkAgoPNCkQn0Q@sMKgwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwt,2*57");
        assert_eq!(&ais(&f[0]).talker, b"--");
    }

    #[test]
    fn garbage_costs_only_itself() {
        assert_eq!(all("foobar"), vec![Err(Reject::Malformed)]);
        assert!(all("# comment").is_empty());
        assert!(all("   ").is_empty());
        assert_eq!(
            all("!AIVDM,1,1,,B,14pWHb?P03rwO<F:RQOnROw<25bd,0*3F")[0],
            Err(Reject::BadChecksum)
        );
        // A cut-off sentence followed by a good one.
        let f = all("!AIVDM,1,1,,B,14pWHb?P0!AIVDM,1,1,,B,14pWHb?P03rwO<F:RQOnROw<25bd,0*3E");
        assert_eq!(f[0], Err(Reject::Malformed));
        assert!(f[1].is_ok());
        assert_eq!(
            all(&"x".repeat(MAX_LINE + 1)),
            vec![Err(Reject::LineTooLong)]
        );
    }

    #[test]
    fn other_sentences_pass_through() {
        let f = all("$GPGGA,184353.07,1929.045,S,02410.506,E,1,04,2.6,100.00,M,-33.9,M,,0000*6D");
        let Ok(Frame {
            sentence: Sentence::Other { address, .. },
            ..
        }) = f[0]
        else {
            panic!("{f:?}")
        };
        assert_eq!(address, "GPGGA");
    }
}
