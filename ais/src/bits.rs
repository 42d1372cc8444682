//! Six-bit ASCII armoring (ITU-R M.1371-5 §8.2.3, IEC 61162-1 table 7) and bit fields.
//!
//! The payload of a sentence is de-armored once into big-endian 64-bit words; fields are
//! then read as (start bit, length) exactly as the standard's tables give them. This is
//! the decoder's hot path and is hand-written: a table look-up per character and a
//! shift per field, with no allocation.

use crate::error::Reject;
use crate::text::Text;

/// Largest payload we accept, in bits. The longest standard message is five slots
/// (type 6/8/26: 1008 bits of payload); 1536 leaves room for generous senders.
pub const MAX_BITS: usize = 1536;
const WORDS: usize = MAX_BITS / 64;

const INVALID: u8 = 0xFF;

/// De-armoring table: payload character -> 6-bit value (or `INVALID`).
static DEARMOR: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut c = 48usize;
    while c <= 87 {
        t[c] = (c - 48) as u8;
        c += 1;
    }
    let mut c = 96usize;
    while c <= 119 {
        t[c] = (c - 56) as u8;
        c += 1;
    }
    t
};

/// 6-bit value -> payload character.
pub fn armor(v: u8) -> u8 {
    let v = v & 0x3F;
    if v < 40 { v + 48 } else { v + 56 }
}

/// The 6-bit ASCII alphabet used for text fields (§8.2.3, table 47 of M.1371-5).
pub const SIXBIT_ASCII: &[u8; 64] =
    b"@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !\"#$%&'()*+,-./0123456789:;<=>?";

/// A de-armored payload: up to [`MAX_BITS`] bits.
#[derive(Clone)]
pub struct Bits {
    words: [u64; WORDS],
    len: usize,
}

impl std::fmt::Debug for Bits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bits({} bits)", self.len)
    }
}

impl Default for Bits {
    fn default() -> Self {
        Self::new()
    }
}

impl Bits {
    pub fn new() -> Self {
        Bits {
            words: [0; WORDS],
            len: 0,
        }
    }

    /// De-armors one sentence's payload with its fill bits.
    pub fn from_payload(payload: &[u8], fill: u8) -> Result<Self, Reject> {
        let mut b = Bits::new();
        b.push_payload(payload, fill)?;
        Ok(b)
    }

    /// Empties the buffer for reuse (the decoder keeps one and refills it per sentence).
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Appends a fragment's payload (multi-sentence messages are concatenated).
    pub fn push_payload(&mut self, payload: &[u8], fill: u8) -> Result<(), Reject> {
        if fill > 5 {
            return Err(Reject::BadFillBits);
        }
        let add = payload.len() * 6;
        if self.len + add > MAX_BITS {
            return Err(Reject::PayloadTooLong);
        }
        if (fill as usize) > add {
            return Err(Reject::BadFillBits);
        }
        // A 128-bit register takes eight characters (48 bits) at a time; its top 64 bits
        // are flushed whenever they are complete.
        let rem = self.len % 64;
        let mut word = self.len / 64;
        let mut acc: u128 = if rem == 0 {
            0
        } else {
            u128::from(self.words[word] >> (64 - rem))
        };
        let mut acc_bits = rem as u32;
        let mut chunks = payload.chunks_exact(8);
        for c in &mut chunks {
            let mut v = 0u64;
            let mut bad = 0u8;
            for &ch in c {
                let d = DEARMOR[ch as usize];
                bad |= d;
                v = (v << 6) | u64::from(d & 0x3F);
            }
            if bad & 0xC0 != 0 {
                return Err(Reject::BadPayloadChar);
            }
            acc = (acc << 48) | u128::from(v);
            acc_bits += 48;
            if acc_bits >= 64 {
                acc_bits -= 64;
                self.words[word] = (acc >> acc_bits) as u64;
                word += 1;
            }
        }
        for &c in chunks.remainder() {
            let v = DEARMOR[c as usize];
            if v == INVALID {
                return Err(Reject::BadPayloadChar);
            }
            acc = (acc << 6) | u128::from(v);
            acc_bits += 6;
            if acc_bits >= 64 {
                acc_bits -= 64;
                self.words[word] = (acc >> acc_bits) as u64;
                word += 1;
            }
        }
        if acc_bits > 0 {
            let low = (acc as u64) & (u64::MAX >> (64 - acc_bits));
            self.words[word] = low << (64 - acc_bits);
        }
        self.len += add - fill as usize;
        // Bits past the end read as zero: mask the last word and clear the next two
        // (a field read never reaches further than that past a short message).
        let end = self.len;
        let w = end / 64;
        if !end.is_multiple_of(64) {
            self.words[w] &= !0u64 << (64 - end % 64);
        } else if w < WORDS {
            self.words[w] = 0;
        }
        for k in w + 1..(w + 3).min(WORDS) {
            self.words[k] = 0;
        }
        Ok(())
    }

    /// Number of payload bits.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Unsigned field of `width` (1..=64) bits at `start`; bits past the end read as 0.
    #[inline]
    pub fn u(&self, start: usize, width: usize) -> u64 {
        debug_assert!((1..=64).contains(&width));
        if start >= MAX_BITS {
            return 0;
        }
        let w = start / 64;
        let off = start % 64;
        let hi = self.words[w] << off;
        let v = if off + width > 64 && w + 1 < WORDS {
            hi | (self.words[w + 1] >> (64 - off))
        } else {
            hi
        };
        v >> (64 - width)
    }

    /// Two's-complement signed field.
    #[inline]
    pub fn i(&self, start: usize, width: usize) -> i64 {
        let v = self.u(start, width);
        let shift = 64 - width;
        ((v << shift) as i64) >> shift
    }

    #[inline]
    pub fn flag(&self, start: usize) -> bool {
        self.u(start, 1) == 1
    }

    /// 6-bit text of `chars` characters, with '@' padding and trailing spaces trimmed,
    /// into `buf`; returns how many bytes it wrote (ASCII).
    fn text_bytes(&self, start: usize, chars: usize, buf: &mut [u8]) -> usize {
        let mut n = 0;
        for k in 0..chars.min(buf.len()) {
            let p = start + 6 * k;
            if p + 6 > self.len {
                break;
            }
            let c = SIXBIT_ASCII[self.u(p, 6) as usize];
            if c == b'@' {
                break;
            }
            buf[n] = c;
            n += 1;
        }
        while n > 0 && buf[n - 1] == b' ' {
            n -= 1;
        }
        n
    }

    /// Free text (types 12 and 14, up to 161 characters).
    pub fn text(&self, start: usize, chars: usize) -> String {
        let mut buf = [0u8; 192];
        let n = self.text_bytes(start, chars, &mut buf);
        buf[..n].iter().map(|&c| char::from(c)).collect()
    }

    /// A short text field (names, call signs), held inline.
    pub fn text_inline<const N: usize>(&self, start: usize, chars: usize) -> Text<N> {
        let mut buf = [0u8; N];
        let n = self.text_bytes(start, chars, &mut buf);
        Text::from_ascii(&buf[..n])
    }

    /// Copies `width` bits at `start` into bytes, left aligned (binary payloads).
    pub fn bytes(&self, start: usize, width: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(width.div_ceil(8));
        let mut p = start;
        let end = start + width;
        while p < end {
            let n = (end - p).min(8);
            out.push((self.u(p, n) << (8 - n)) as u8);
            p += n;
        }
        out
    }
}

/// Builds an armored payload bit by bit (the encoder's side of [`Bits`]).
#[derive(Debug, Default, Clone)]
pub struct BitWriter {
    bits: Vec<bool>,
}

impl BitWriter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.bits.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bits.is_empty()
    }

    pub fn u(&mut self, value: u64, width: usize) -> &mut Self {
        for k in (0..width).rev() {
            self.bits.push((value >> k) & 1 == 1);
        }
        self
    }

    pub fn i(&mut self, value: i64, width: usize) -> &mut Self {
        self.u(value as u64 & mask(width), width)
    }

    /// Zero-fills up to bit `start` (spare and reserved bits).
    pub fn pad_to(&mut self, start: usize) -> &mut Self {
        while self.bits.len() < start {
            self.bits.push(false);
        }
        self
    }

    pub fn flag(&mut self, v: bool) -> &mut Self {
        self.bits.push(v);
        self
    }

    /// 6-bit text padded with '@' to `chars` characters; unknown characters become '?'.
    pub fn text(&mut self, s: &str, chars: usize) -> &mut Self {
        let bytes = s.as_bytes();
        for k in 0..chars {
            let c = bytes.get(k).copied().unwrap_or(b'@').to_ascii_uppercase();
            let v = SIXBIT_ASCII
                .iter()
                .position(|&x| x == c)
                .unwrap_or(SIXBIT_ASCII.iter().position(|&x| x == b'?').unwrap_or(0));
            self.u(v as u64, 6);
        }
        self
    }

    pub fn bytes(&mut self, data: &[u8], width: usize) -> &mut Self {
        for k in 0..width {
            let byte = data.get(k / 8).copied().unwrap_or(0);
            self.bits.push((byte >> (7 - k % 8)) & 1 == 1);
        }
        self
    }

    /// Armors the bits, padding to a whole character; returns (payload, fill bits).
    pub fn finish(&self) -> (String, u8) {
        let fill = (6 - self.bits.len() % 6) % 6;
        let mut out = String::with_capacity(self.bits.len().div_ceil(6));
        for chunk in self.bits.chunks(6) {
            let mut v = 0u8;
            for k in 0..6 {
                v = (v << 1) | u8::from(chunk.get(k).copied().unwrap_or(false));
            }
            out.push(armor(v) as char);
        }
        (out, fill as u8)
    }
}

fn mask(width: usize) -> u64 {
    if width >= 64 { !0 } else { (1u64 << width) - 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn armor_round_trips_every_value() {
        for v in 0..64u8 {
            assert_eq!(DEARMOR[armor(v) as usize], v);
        }
    }

    #[test]
    fn reads_fields_across_word_boundaries() {
        let mut w = BitWriter::new();
        w.u(5, 6)
            .u(0x3FF_FFFF_FFFF, 42)
            .i(-12345, 28)
            .u(1, 1)
            .u(0xABCDE, 20);
        let (p, fill) = w.finish();
        let b = Bits::from_payload(p.as_bytes(), fill).unwrap();
        assert_eq!(b.len(), 97);
        assert_eq!(b.u(0, 6), 5);
        assert_eq!(b.u(6, 42), 0x3FF_FFFF_FFFF);
        assert_eq!(b.i(48, 28), -12345);
        assert!(b.flag(76));
        assert_eq!(b.u(77, 20), 0xABCDE);
        assert_eq!(b.u(97, 20), 0, "bits past the end read as zero");
    }

    #[test]
    fn appends_fragments_bit_exact() {
        let mut w = BitWriter::new();
        for k in 0..200u64 {
            w.u(k % 7, 3);
        }
        let (p, fill) = w.finish();
        let (a, rest) = p.split_at(37);
        let mut b = Bits::from_payload(a.as_bytes(), 0).unwrap();
        b.push_payload(rest.as_bytes(), fill).unwrap();
        for k in 0..200 {
            assert_eq!(b.u(k * 3, 3), k as u64 % 7);
        }
    }

    #[test]
    fn text_trims_padding() {
        let mut w = BitWriter::new();
        w.text("SEA ENTERPRISE", 20);
        let (p, fill) = w.finish();
        let b = Bits::from_payload(p.as_bytes(), fill).unwrap();
        assert_eq!(b.text(0, 20), "SEA ENTERPRISE");
    }

    #[test]
    fn rejects_bad_characters_and_fill() {
        assert_eq!(
            Bits::from_payload(b"1a!", 0).unwrap_err(),
            Reject::BadPayloadChar
        );
        assert_eq!(
            Bits::from_payload(b"15", 6).unwrap_err(),
            Reject::BadFillBits
        );
    }
}
