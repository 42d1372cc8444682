//! Referral packages: a ZIP of named files with `manifest.json` (the SHA-256 and size of
//! every other file) and `manifest.sig` (the deployment's Ed25519 signature of the
//! manifest's exact bytes, hex). [`verify`] checks one offline: every file against the
//! manifest, nothing added or missing, and the signature against the key the recipient
//! trusts (else the key the manifest names, which proves integrity only).

use std::io::{Cursor, Read, Write};
use std::path::Path;

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The package format, in the manifest.
pub const FORMAT: &str = "riverwatch-referral/1";
/// Packages larger than this are refused when read (a ZIP bomb guard).
pub const MAX_UNPACKED: u64 = 512 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    #[error("not a readable ZIP: {0}")]
    Zip(String),
    #[error("manifest.json: {0}")]
    Manifest(String),
    #[error("{0}: its SHA-256 is not the manifest's")]
    Altered(String),
    #[error("{0}: in the manifest, not in the package")]
    Missing(String),
    #[error("{0}: in the package, not in the manifest")]
    Unlisted(String),
    #[error("the signature does not verify with {0}")]
    BadSignature(String),
    #[error("the package is over {MAX_UNPACKED} bytes unpacked")]
    TooLarge,
    #[error("the signing key: {0}")]
    Key(String),
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The deployment's signing key: read from `path` (64 hex digits), or made and written
/// there (owner-only) on first use.
pub fn signing_key(path: &Path) -> Result<SigningKey, PackageError> {
    if let Ok(text) = std::fs::read_to_string(path) {
        let seed: [u8; 32] = unhex(text.trim())
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| PackageError::Key(format!("{} is not 64 hex digits", path.display())))?;
        return Ok(SigningKey::from_bytes(&seed));
    }
    let mut seed = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut seed);
    let key = SigningKey::from_bytes(&seed);
    let write = || -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let mut f = opts.open(path)?;
        f.write_all(hex(&seed).as_bytes())?;
        f.sync_all()
    };
    write().map_err(|e| PackageError::Key(format!("writing {}: {e}", path.display())))?;
    Ok(key)
}

/// Builds a package of `files` (name, bytes), signed with `key`. `about` goes into the
/// manifest beside the file list (the referral's id, agency and time).
pub fn build(
    files: &[(String, Vec<u8>)],
    about: Value,
    key: &SigningKey,
) -> Result<Vec<u8>, PackageError> {
    let listed: Vec<Value> = files
        .iter()
        .map(|(name, bytes)| json!({"name": name, "sha256": hex(&Sha256::digest(bytes)), "bytes": bytes.len()}))
        .collect();
    let manifest = json!({
        "format": FORMAT,
        "about": about,
        "files": listed,
        "signing_key": hex(key.verifying_key().as_bytes()),
    });
    let manifest =
        serde_json::to_vec_pretty(&manifest).map_err(|e| PackageError::Manifest(e.to_string()))?;
    let sig = key.sign(&manifest);
    let mut out = Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let zerr = |e: zip::result::ZipError| PackageError::Zip(e.to_string());
        let ioerr = |e: std::io::Error| PackageError::Zip(e.to_string());
        for (name, bytes) in files {
            // Images are compressed already.
            let o = if name.ends_with(".jpg") || name.ends_with(".png") {
                stored
            } else {
                opts
            };
            zip.start_file(name.as_str(), o).map_err(zerr)?;
            zip.write_all(bytes).map_err(ioerr)?;
        }
        zip.start_file("manifest.json", opts).map_err(zerr)?;
        zip.write_all(&manifest).map_err(ioerr)?;
        zip.start_file("manifest.sig", opts).map_err(zerr)?;
        zip.write_all(hex(&sig.to_bytes()).as_bytes())
            .map_err(ioerr)?;
        zip.finish().map_err(zerr)?;
    }
    Ok(out.into_inner())
}

/// What a verified package holds.
#[derive(Debug, Clone)]
pub struct Verified {
    pub manifest: Value,
    pub files: Vec<(String, Vec<u8>)>,
    /// The key the signature verified with, hex.
    pub key: String,
    /// Whether that key is the one the caller trusts (false: only the manifest's own).
    pub trusted: bool,
}

/// Checks a package: every listed file present with its SHA-256, none unlisted, and the
/// signature over the manifest with `trusted` (hex Ed25519 public key) if given, else with
/// the key the manifest names.
pub fn verify(bytes: &[u8], trusted: Option<&str>) -> Result<Verified, PackageError> {
    let mut zip =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| PackageError::Zip(e.to_string()))?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut f = zip
            .by_index(i)
            .map_err(|e| PackageError::Zip(e.to_string()))?;
        let name = f.name().to_string();
        let mut buf = Vec::new();
        (&mut f)
            .take(MAX_UNPACKED - total + 1)
            .read_to_end(&mut buf)
            .map_err(|e| PackageError::Zip(format!("{name}: {e}")))?;
        total += buf.len() as u64;
        if total > MAX_UNPACKED {
            return Err(PackageError::TooLarge);
        }
        files.push((name, buf));
    }
    let take = |name: &str, files: &mut Vec<(String, Vec<u8>)>| {
        files
            .iter()
            .position(|(n, _)| n == name)
            .map(|i| files.remove(i).1)
            .ok_or_else(|| PackageError::Manifest(format!("{name} is missing")))
    };
    let manifest_bytes = take("manifest.json", &mut files)?;
    let sig_text = take("manifest.sig", &mut files)?;
    let manifest: Value = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| PackageError::Manifest(e.to_string()))?;
    if manifest["format"] != FORMAT {
        return Err(PackageError::Manifest(format!(
            "format {} is not {FORMAT}",
            manifest["format"]
        )));
    }
    let named = manifest["signing_key"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let key_hex = trusted.map(str::to_string).unwrap_or(named.clone());
    let key_bytes: [u8; 32] = unhex(key_hex.trim())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| PackageError::Key(format!("{key_hex:?} is not 64 hex digits")))?;
    let key = VerifyingKey::from_bytes(&key_bytes).map_err(|e| PackageError::Key(e.to_string()))?;
    let sig_bytes: [u8; 64] = unhex(String::from_utf8_lossy(&sig_text).trim())
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| PackageError::BadSignature(key_hex.clone()))?;
    key.verify(&manifest_bytes, &Signature::from_bytes(&sig_bytes))
        .map_err(|_| PackageError::BadSignature(key_hex.clone()))?;
    let listed = manifest["files"]
        .as_array()
        .ok_or_else(|| PackageError::Manifest("no file list".into()))?;
    for l in listed {
        let name = l["name"].as_str().unwrap_or_default();
        let Some((_, bytes)) = files.iter().find(|(n, _)| n == name) else {
            return Err(PackageError::Missing(name.to_string()));
        };
        if hex(&Sha256::digest(bytes)) != l["sha256"].as_str().unwrap_or_default() {
            return Err(PackageError::Altered(name.to_string()));
        }
    }
    if let Some((n, _)) = files
        .iter()
        .find(|(n, _)| !listed.iter().any(|l| l["name"] == n.as_str()))
    {
        return Err(PackageError::Unlisted(n.clone()));
    }
    Ok(Verified {
        manifest,
        files,
        trusted: trusted.is_some(),
        key: key_hex,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    fn package() -> Vec<u8> {
        build(
            &[
                ("referral.json".into(), b"{\"id\": \"ref-1\"}".to_vec()),
                (
                    "snapshots/a.jpg".into(),
                    vec![0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9],
                ),
            ],
            json!({"referral": "ref-1"}),
            &key(),
        )
        .expect("build")
    }

    #[test]
    fn a_package_verifies_with_its_key_and_not_with_another() {
        let p = package();
        let mine = hex(key().verifying_key().as_bytes());
        let v = verify(&p, Some(&mine)).expect("verifies");
        assert!(v.trusted);
        assert_eq!(v.files.len(), 2);
        assert_eq!(v.manifest["about"]["referral"], "ref-1");
        let other = hex(SigningKey::from_bytes(&[8u8; 32])
            .verifying_key()
            .as_bytes());
        assert!(matches!(
            verify(&p, Some(&other)),
            Err(PackageError::BadSignature(_))
        ));
        assert!(!verify(&p, None).expect("self-consistent").trusted);
    }

    #[test]
    fn an_altered_added_or_missing_file_is_named() {
        let files = |extra: Option<(&str, &[u8])>, skip: Option<&str>, alter: Option<&str>| {
            let v = verify(&package(), None).expect("ok");
            let mut out = Cursor::new(Vec::new());
            let mut zip = zip::ZipWriter::new(&mut out);
            let o = zip::write::SimpleFileOptions::default();
            let mut all = v.files.clone();
            all.push((
                "manifest.json".into(),
                serde_json::to_vec_pretty(&v.manifest).expect("json"),
            ));
            let p = package();
            let mut z = zip::ZipArchive::new(Cursor::new(&p)).expect("zip");
            let mut sig = String::new();
            z.by_name("manifest.sig")
                .expect("sig")
                .read_to_string(&mut sig)
                .expect("read");
            // The manifest must keep its exact bytes for the signature: take them as packed.
            let mut m = Vec::new();
            z.by_name("manifest.json")
                .expect("m")
                .read_to_end(&mut m)
                .expect("read");
            all.retain(|(n, _)| n != "manifest.json");
            all.push(("manifest.json".into(), m));
            all.push(("manifest.sig".into(), sig.into_bytes()));
            for (n, mut b) in all {
                if skip == Some(n.as_str()) {
                    continue;
                }
                if alter == Some(n.as_str()) {
                    b[0] ^= 1;
                }
                zip.start_file(n, o).expect("start");
                zip.write_all(&b).expect("write");
            }
            if let Some((n, b)) = extra {
                zip.start_file(n, o).expect("start");
                zip.write_all(b).expect("write");
            }
            zip.finish().expect("finish");
            out.into_inner()
        };
        assert!(
            matches!(verify(&files(None, None, Some("snapshots/a.jpg")), None), Err(PackageError::Altered(n)) if n == "snapshots/a.jpg")
        );
        assert!(
            matches!(verify(&files(None, Some("referral.json"), None), None), Err(PackageError::Missing(n)) if n == "referral.json")
        );
        assert!(
            matches!(verify(&files(Some(("x.txt", b"x")), None, None), None), Err(PackageError::Unlisted(n)) if n == "x.txt")
        );
        assert!(matches!(
            verify(&files(None, None, Some("manifest.json")), None),
            Err(PackageError::Manifest(_) | PackageError::BadSignature(_))
        ));
        assert!(matches!(
            verify(b"not a zip", None),
            Err(PackageError::Zip(_))
        ));
    }

    #[test]
    fn the_signing_key_is_made_once_and_kept() {
        let dir = std::env::temp_dir().join(format!("rw-key-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("referral-signing.key");
        let a = signing_key(&path).expect("made");
        let b = signing_key(&path).expect("read");
        assert_eq!(a.to_bytes(), b.to_bytes());
        std::fs::write(&path, "zz").expect("write");
        assert!(signing_key(&path).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
