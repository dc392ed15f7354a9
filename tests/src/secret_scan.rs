//! Proof that secrets never reach disk or output: a set of known secret values, and a scan of
//! files, directories and strings for each value *and* its obvious encodings (standard and
//! URL-safe base64 at every byte alignment, hex) — including any 16-character piece of them,
//! so a log line that prints half a token is caught too.
//!
//! The scan slides a 16-byte window over the haystack and looks every window up in a hash set
//! of all 16-byte pieces of every encoded secret: linear in the haystack, whatever the number
//! of secrets (a run can see dozens of access tokens).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};

/// The length of the pieces looked for. Long enough that random text never matches, short
/// enough that a truncated token in a log line is still found.
pub const PIECE: usize = 16;

/// One finding: which secret, in which encoding, where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leak {
    /// The secret's label (never its value).
    pub secret: String,
    /// `plain`, `base64`, `base64url` or `hex`.
    pub encoding: &'static str,
    /// A file path or the name of a string (e.g. "stderr of steward run").
    pub location: String,
    /// Byte offset of the first matching piece.
    pub offset: usize,
}

impl fmt::Display for Leak {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}) in {} at byte {}",
            self.secret, self.encoding, self.location, self.offset
        )
    }
}

/// The secret values one scenario must never leak.
#[derive(Default)]
pub struct SecretSet {
    values: Vec<(String, String)>,
    /// Every 16-byte piece of every encoding → (secret index, encoding).
    pieces: HashMap<[u8; PIECE], (usize, &'static str)>,
    /// Secrets shorter than a piece, looked for whole.
    short: Vec<(usize, &'static str, Vec<u8>)>,
}

impl fmt::Debug for SecretSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretSet")
            .field(
                "labels",
                &self.values.iter().map(|(l, _)| l).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

/// The encodings a careless program might store a secret in: base64 of the secret at each of
/// the three byte alignments (as part of a longer encoded text), both alphabets, and hex.
fn encodings(value: &str) -> Vec<(&'static str, Vec<u8>)> {
    let bytes = value.as_bytes();
    let mut out = vec![("plain", bytes.to_vec())];
    for skip in 0..3.min(bytes.len()) {
        let rest = &bytes[skip..];
        // Only whole 3-byte groups encode the same wherever the secret sits in a longer text.
        let whole = &rest[..rest.len() - rest.len() % 3];
        if whole.is_empty() {
            continue;
        }
        out.push(("base64", STANDARD_NO_PAD.encode(whole).into_bytes()));
        out.push(("base64url", URL_SAFE_NO_PAD.encode(whole).into_bytes()));
    }
    out.push(("hex", hex_lower(bytes).into_bytes()));
    out.push(("hex", hex_lower(bytes).to_ascii_uppercase().into_bytes()));
    out
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl SecretSet {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a secret under `label` (empty values and repeats are ignored).
    pub fn add(&mut self, label: impl Into<String>, value: &str) {
        if value.is_empty() || self.values.iter().any(|(_, v)| v == value) {
            return;
        }
        let index = self.values.len();
        self.values.push((label.into(), value.to_owned()));
        for (encoding, encoded) in encodings(value) {
            if encoded.len() < PIECE {
                self.short.push((index, encoding, encoded));
                continue;
            }
            for piece in encoded.windows(PIECE) {
                let mut key = [0u8; PIECE];
                key.copy_from_slice(piece);
                self.pieces.entry(key).or_insert((index, encoding));
            }
        }
    }

    /// How many secret values are in the set.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The labels, for reports.
    pub fn labels(&self) -> Vec<&str> {
        self.values.iter().map(|(l, _)| l.as_str()).collect()
    }

    /// Every secret (in any encoding) found in `haystack`, at most one finding per secret and
    /// encoding.
    pub fn scan_bytes(&self, location: &str, haystack: &[u8]) -> Vec<Leak> {
        let mut seen: HashSet<(usize, &'static str)> = HashSet::new();
        let mut leaks = Vec::new();
        let mut report = |index: usize, encoding: &'static str, offset: usize| {
            if seen.insert((index, encoding)) {
                leaks.push(Leak {
                    secret: self.values[index].0.clone(),
                    encoding,
                    location: location.to_owned(),
                    offset,
                });
            }
        };
        if haystack.len() >= PIECE && !self.pieces.is_empty() {
            for (offset, window) in haystack.windows(PIECE).enumerate() {
                let mut key = [0u8; PIECE];
                key.copy_from_slice(window);
                if let Some((index, encoding)) = self.pieces.get(&key) {
                    report(*index, encoding, offset);
                }
            }
        }
        for (index, encoding, needle) in &self.short {
            if let Some(offset) = haystack.windows(needle.len()).position(|w| w == needle) {
                report(*index, encoding, offset);
            }
        }
        leaks
    }

    /// [`SecretSet::scan_bytes`] for a string (an error message, captured output).
    pub fn scan_text(&self, location: &str, text: &str) -> Vec<Leak> {
        self.scan_bytes(location, text.as_bytes())
    }

    /// Scans every file under `dir` (recursively). Returns the findings and the files read.
    pub fn scan_dir(&self, dir: &Path) -> anyhow::Result<(Vec<Leak>, Vec<PathBuf>)> {
        let mut leaks = Vec::new();
        let mut files = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d)? {
                let path = entry?.path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                // A file may vanish between listing and reading (SQLite's -journal); skip it.
                let Ok(bytes) = std::fs::read(&path) else {
                    continue;
                };
                leaks.extend(self.scan_bytes(&path.display().to_string(), &bytes));
                files.push(path);
            }
        }
        Ok((leaks, files))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_plain_partial_and_encoded_values_but_not_others() {
        let mut set = SecretSet::new();
        let token = "CNtok-9f8e7d6c5b4a3210-ZYXWVUTSRQ-abcdef";
        set.add("access token", token);
        set.add("short", "pw-123");
        assert!(
            set.scan_text("clean", "nothing to see here at all")
                .is_empty()
        );
        let found = |text: &str| {
            set.scan_text("t", text)
                .into_iter()
                .map(|l| l.encoding)
                .collect::<Vec<_>>()
        };
        assert_eq!(found(&format!("Bearer {token}")), ["plain"]);
        assert_eq!(found(&format!("token={}…", &token[..20])), ["plain"]);
        for prefix in ["", "a", "ab"] {
            let b64 = STANDARD_NO_PAD.encode(format!("{prefix}Authorization: Bearer {token}"));
            assert_eq!(found(&b64), ["base64"], "{prefix:?}");
        }
        let url = URL_SAFE_NO_PAD.encode(format!("x{token}"));
        assert!(found(&url).contains(&"base64url") || found(&url).contains(&"base64"));
        assert_eq!(found(&hex_lower(token.as_bytes())), ["hex"]);
        assert_eq!(found("the password pw-123 leaked"), ["plain"]);
    }
}
