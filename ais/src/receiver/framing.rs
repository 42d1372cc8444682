//! [`LineFramer`]: bytes as they arrive (split anywhere by TCP) to whole lines, with a
//! maximum line length.

/// Reassembles lines across reads. A line longer than the maximum is dropped whole (up to
/// its newline) and counted, never buffered: a peer that sends a megabyte without a
/// newline costs at most `max` bytes of memory.
#[derive(Debug)]
pub struct LineFramer {
    buf: Vec<u8>,
    max: usize,
    /// Inside a line that has grown past `max`: drop until the next newline.
    skipping: bool,
    pub too_long: u64,
}

impl LineFramer {
    pub fn new(max: usize) -> LineFramer {
        LineFramer {
            buf: Vec::with_capacity(max.min(4096)),
            max,
            skipping: false,
            too_long: 0,
        }
    }

    /// Feeds bytes; calls `line` for every complete line (without `\r\n`/`\n`).
    pub fn push(&mut self, mut bytes: &[u8], mut line: impl FnMut(&[u8])) {
        while !bytes.is_empty() {
            match memchr::memchr(b'\n', bytes) {
                Some(k) => {
                    let (head, rest) = (&bytes[..k], &bytes[k + 1..]);
                    if self.skipping {
                        self.skipping = false;
                    } else if self.buf.is_empty() {
                        if head.len() <= self.max {
                            line(trim_cr(head));
                        } else {
                            self.too_long += 1;
                        }
                    } else if self.buf.len() + head.len() <= self.max {
                        self.buf.extend_from_slice(head);
                        line(trim_cr(&self.buf));
                    } else {
                        self.too_long += 1;
                    }
                    self.buf.clear();
                    bytes = rest;
                }
                None => {
                    if !self.skipping {
                        if self.buf.len() + bytes.len() <= self.max {
                            self.buf.extend_from_slice(bytes);
                        } else {
                            self.buf.clear();
                            self.skipping = true;
                            self.too_long += 1;
                        }
                    }
                    return;
                }
            }
        }
    }

    /// The partial line held, if any (lost when a connection drops mid-sentence).
    pub fn pending(&self) -> usize {
        self.buf.len()
    }

    /// Forgets a partial line (the connection it came from is gone).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.skipping = false;
    }
}

fn trim_cr(l: &[u8]) -> &[u8] {
    l.strip_suffix(b"\r").unwrap_or(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(f: &mut LineFramer, chunks: &[&[u8]]) -> Vec<String> {
        let mut out = Vec::new();
        for c in chunks {
            f.push(c, |l| out.push(String::from_utf8_lossy(l).into_owned()));
        }
        out
    }

    #[test]
    fn lines_split_anywhere_come_out_whole() {
        let text = b"!AIVDM,1,1,,A,abc,0*00\r\n!AIVDM,1,1,,B,def,0*00\n\nlast\n";
        for cut in 0..text.len() {
            let mut f = LineFramer::new(100);
            let got = lines(&mut f, &[&text[..cut], &text[cut..]]);
            assert_eq!(
                got,
                [
                    "!AIVDM,1,1,,A,abc,0*00",
                    "!AIVDM,1,1,,B,def,0*00",
                    "",
                    "last"
                ],
                "cut {cut}"
            );
        }
    }

    #[test]
    fn an_overlong_line_is_dropped_whole_and_costs_no_memory() {
        let mut f = LineFramer::new(82 * 4);
        let big = vec![b'x'; 1 << 20];
        let got = lines(&mut f, &[b"ok1\n", &big, &big, b"tail\nok2\n"]);
        assert_eq!(got, ["ok1", "ok2"]);
        assert_eq!(f.too_long, 1);
        assert!(f.buf.capacity() <= 82 * 4 * 2);
    }
}
