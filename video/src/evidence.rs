//! Tamper-evident storage of evidence images. Each image is stored once, under its SHA-256
//! (`DIR/ab/abcdef…`), written whole (temporary file, then rename) and never modified.
//! Each evidence item's record chains the one before it:
//! `chain = sha256(prev_chain || item_sha256 || metadata)` over the hex strings and the
//! metadata text, the first item's `prev_chain` being 64 zeros. [`verify`] recomputes
//! every image's hash and every link, and names the first item altered or missing.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The chain value before the first item.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Images by content, under a directory.
#[derive(Debug, Clone)]
pub struct ImageStore {
    dir: PathBuf,
}

impl ImageStore {
    pub fn open(dir: &Path) -> std::io::Result<ImageStore> {
        fs::create_dir_all(dir)?;
        Ok(ImageStore {
            dir: dir.to_path_buf(),
        })
    }

    /// Where the image with this hash lives; `None` for anything that is not a SHA-256
    /// in lower-case hex (so no input can name another path).
    pub fn path(&self, sha256: &str) -> Option<PathBuf> {
        is_sha256_hex(sha256).then(|| self.dir.join(&sha256[..2]).join(sha256))
    }

    /// Stores an image (once: the same bytes again change nothing); its SHA-256.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha = sha256_hex(bytes);
        let path = self
            .path(&sha)
            .ok_or_else(|| std::io::Error::other("hash"))?;
        if path.exists() {
            return Ok(sha);
        }
        let dir = path.parent().unwrap_or(&self.dir);
        fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".{sha}.tmp"));
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, &path)?;
        Ok(sha)
    }

    /// Where a copy made from the originals (a marked frame) is cached: under `derived/`,
    /// apart from the originals; `None` for a key that is not a SHA-256 in hex.
    pub fn derived_path(&self, key: &str, suffix: &str) -> Option<PathBuf> {
        (is_sha256_hex(key)
            && suffix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.'))
        .then(|| self.dir.join("derived").join(format!("{key}-{suffix}")))
    }

    /// Caches a derived copy (written whole, then renamed into place).
    pub fn put_derived(&self, key: &str, suffix: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self
            .derived_path(key, suffix)
            .ok_or_else(|| std::io::Error::other("not a derived key"))?;
        let dir = path.parent().unwrap_or(&self.dir);
        fs::create_dir_all(dir)?;
        let tmp = dir.join(format!(".{key}-{suffix}.tmp"));
        fs::write(&tmp, bytes)?;
        fs::rename(&tmp, &path)
    }

    pub fn get(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        let path = self
            .path(sha256)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "not a hash"))?;
        fs::read(path)
    }
}

/// One evidence item as recorded: the image's hash, what is said of it (canonical JSON
/// text: camera, capture time, alert), and its link in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: String,
    pub sha256: String,
    pub metadata: String,
    pub chain: String,
    /// The retention policy deleted its image: its link is verified, its image is not.
    pub expired: bool,
}

/// The chain value of an item after `prev`.
pub fn link(prev: &str, sha256: &str, metadata: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(sha256.as_bytes());
    h.update(metadata.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The next item of a chain whose last value is `prev` ([`GENESIS`] for the first).
pub fn append(prev: &str, id: &str, sha256: &str, metadata: &str) -> Item {
    Item {
        id: id.to_string(),
        sha256: sha256.to_string(),
        metadata: metadata.to_string(),
        chain: link(prev, sha256, metadata),
        expired: false,
    }
}

/// What is wrong with an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Its image is not in the store.
    Missing,
    /// Its image's bytes no longer hash to its recorded SHA-256.
    Altered { found: String },
    /// Its record does not follow from the one before (a record edited, removed or
    /// inserted).
    Broken,
}

/// The first item that fails, and how.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("evidence item {index} ({id:?}): {problem:?}")]
pub struct Failure {
    pub index: usize,
    pub id: String,
    pub problem: Problem,
}

/// Recomputes every link and every image's hash, in order; how many items hold.
pub fn verify(items: &[Item], store: &ImageStore) -> Result<usize, Failure> {
    let mut prev = GENESIS.to_string();
    for (index, it) in items.iter().enumerate() {
        let fail = |problem| Failure {
            index,
            id: it.id.clone(),
            problem,
        };
        if link(&prev, &it.sha256, &it.metadata) != it.chain {
            return Err(fail(Problem::Broken));
        }
        if it.expired {
            prev = it.chain.clone();
            continue;
        }
        match store.get(&it.sha256) {
            Err(_) => return Err(fail(Problem::Missing)),
            Ok(bytes) => {
                let found = sha256_hex(&bytes);
                if found != it.sha256 {
                    return Err(fail(Problem::Altered { found }));
                }
            }
        }
        prev = it.chain.clone();
    }
    Ok(items.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("riverwatch-evidence-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    fn three(store: &ImageStore) -> Vec<Item> {
        let mut items = Vec::new();
        let mut prev = GENESIS.to_string();
        for k in 0..3u8 {
            let sha = store.put(&[k; 1000]).expect("put");
            let meta = format!(r#"{{"camera":"cam-{k}","captured_at":"2026-11-20T00:0{k}:00Z"}}"#);
            let it = append(&prev, &format!("ev-{k}"), &sha, &meta);
            prev = it.chain.clone();
            items.push(it);
        }
        items
    }

    #[test]
    fn one_altered_byte_names_its_item() {
        let dir = temp("tamper");
        let store = ImageStore::open(&dir).expect("open");
        let items = three(&store);
        assert_eq!(verify(&items, &store), Ok(3));
        // One byte of the second image changed on disk.
        let path = store.path(&items[1].sha256).expect("path");
        let mut bytes = fs::read(&path).expect("read");
        bytes[500] ^= 1;
        fs::write(&path, &bytes).expect("write");
        let f = verify(&items, &store).expect_err("tampered");
        assert_eq!((f.index, f.id.as_str()), (1, "ev-1"));
        assert!(matches!(f.problem, Problem::Altered { .. }));
        bytes[500] ^= 1;
        fs::write(&path, &bytes).expect("write");
        assert_eq!(verify(&items, &store), Ok(3));
        // The third image gone.
        fs::remove_file(store.path(&items[2].sha256).expect("path")).expect("rm");
        let f = verify(&items, &store).expect_err("missing");
        assert_eq!((f.index, f.problem), (2, Problem::Missing));
        // Unless the retention policy deleted it: then only its link is checked.
        let mut kept = items.clone();
        kept[2].expired = true;
        assert_eq!(verify(&kept, &store), Ok(3));
        kept[2].metadata.push(' ');
        assert_eq!(verify(&kept, &store).expect_err("edited").index, 2);
        // A record's metadata edited, or a record removed: the chain breaks there.
        let mut edited = items.clone();
        edited[0].metadata = edited[0].metadata.replace("cam-0", "cam-9");
        assert_eq!(verify(&edited, &store).expect_err("edited").index, 0);
        let skipped = vec![items[0].clone(), items[2].clone()];
        assert_eq!(verify(&skipped, &store).expect_err("removed").index, 1);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_same_image_is_stored_once_and_no_path_escapes() {
        let dir = temp("once");
        let store = ImageStore::open(&dir).expect("open");
        let a = store.put(b"jpeg bytes").expect("put");
        let b = store.put(b"jpeg bytes").expect("put");
        assert_eq!(a, b);
        assert_eq!(a, sha256_hex(b"jpeg bytes"));
        assert_eq!(store.get(&a).expect("get"), b"jpeg bytes");
        assert_eq!(store.path("../../etc/passwd"), None);
        assert_eq!(store.path(&a.to_uppercase()), None);
        assert!(store.get("..").is_err());
        let _ = fs::remove_dir_all(&dir);
    }
}
