//! [`Text`]: an AIS 6-bit text field held inline.
//!
//! Names, call signs, destinations and ENIs are at most 34 characters, so they live in
//! the message itself: decoding a static report allocates nothing, and a mixed log decodes
//! about a fifth faster than with `String` fields (measured with `scripts/bench-decode`).

use std::fmt;
use std::ops::Deref;

/// Up to `N` bytes of valid UTF-8 (ASCII when decoded from a message), derefs to `&str`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Text<const N: usize> {
    len: u8,
    bytes: [u8; N],
}

impl<const N: usize> Text<N> {
    const FITS: () = assert!(N <= u8::MAX as usize, "Text<N> holds at most 255 bytes");

    pub const fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::FITS;
        Text {
            len: 0,
            bytes: [0; N],
        }
    }

    /// The first `N` bytes of `s`, cut back to a character boundary.
    pub fn truncated(s: &str) -> Self {
        let mut end = s.len().min(N);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let mut t = Self::new();
        t.bytes[..end].copy_from_slice(&s.as_bytes()[..end]);
        t.len = end as u8;
        t
    }

    /// Appends as much of `s` as fits, on a character boundary.
    pub fn push_str(&mut self, s: &str) {
        let room = N - self.len as usize;
        let mut n = s.len().min(room);
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        let at = self.len as usize;
        self.bytes[at..at + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n as u8;
    }

    /// Builds from ASCII bytes (the 6-bit alphabet); anything else is never passed in.
    pub(crate) fn from_ascii(b: &[u8]) -> Self {
        debug_assert!(b.is_ascii());
        let n = b.len().min(N);
        let mut t = Self::new();
        t.bytes[..n].copy_from_slice(&b[..n]);
        t.len = n as u8;
        t
    }

    pub fn as_str(&self) -> &str {
        // Always valid: every constructor copies whole characters of a str or ASCII.
        std::str::from_utf8(&self.bytes[..self.len as usize]).unwrap_or_default()
    }
}

impl<const N: usize> Default for Text<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Deref for Text<N> {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl<const N: usize> AsRef<str> for Text<N> {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl<const N: usize> From<&str> for Text<N> {
    fn from(s: &str) -> Self {
        Self::truncated(s)
    }
}

impl<const N: usize> From<String> for Text<N> {
    fn from(s: String) -> Self {
        Self::truncated(&s)
    }
}

impl<const N: usize> PartialEq<str> for Text<N> {
    fn eq(&self, o: &str) -> bool {
        self.as_str() == o
    }
}

impl<const N: usize> PartialEq<&str> for Text<N> {
    fn eq(&self, o: &&str) -> bool {
        self.as_str() == *o
    }
}

impl<const N: usize> fmt::Debug for Text<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<const N: usize> fmt::Display for Text<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// As a string (engine snapshots); a longer one is cut back to `N` bytes when read.
#[cfg(feature = "serde")]
impl<const N: usize> serde::Serialize for Text<N> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de, const N: usize> serde::Deserialize<'de> for Text<N> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Ok(Text::truncated(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_on_character_boundaries() {
        let t = Text::<4>::from("abcdef");
        assert_eq!(t, "abcd");
        // 'é' is two bytes: it does not fit after "abc" in four.
        let t = Text::<4>::from("abcé");
        assert_eq!(t, "abc");
        let mut t = Text::<5>::from("ab");
        t.push_str("cdé");
        assert_eq!(t.as_str(), "abcd");
        assert_eq!(format!("{t:?} {t}"), "\"abcd\" abcd");
        assert!(Text::<3>::default().is_empty());
    }
}
