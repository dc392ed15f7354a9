//! `--record FILE`: every request and response as one JSON line, secrets redacted.
//!
//! Lines go through a channel to one writer thread, so handlers never touch the disk.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Mutex;
use std::sync::mpsc::{Sender, channel};
use std::thread::JoinHandle;

use serde_json::{Map, Value};

use crate::error::SimError;
use crate::util::lock;

/// Field names whose values never reach the record file.
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "client_secret",
    "token",
    "code",
    "code_verifier",
    "authorization",
    "api_key",
];

/// Bodies longer than this are cut in the record.
const MAX_BODY: usize = 256 * 1024;

/// The open record file.
#[derive(Debug)]
pub(crate) struct Recorder {
    tx: Mutex<Option<Sender<String>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
}

impl Recorder {
    /// Creates (truncates) the file and starts the writer thread.
    pub(crate) fn open(path: &Path) -> Result<Self, SimError> {
        let file = File::create(path).map_err(|source| SimError::Record {
            path: path.to_owned(),
            source,
        })?;
        let (tx, rx) = channel::<String>();
        let writer = std::thread::Builder::new()
            .name("sim-record".into())
            .spawn(move || {
                let mut out = BufWriter::new(file);
                for line in rx {
                    let ok = out
                        .write_all(line.as_bytes())
                        .and_then(|()| out.write_all(b"\n"))
                        .and_then(|()| out.flush());
                    if let Err(e) = ok {
                        tracing::warn!("record file write failed: {e}");
                    }
                }
            })
            .map_err(|source| SimError::Record {
                path: path.to_owned(),
                source,
            })?;
        Ok(Self {
            tx: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
        })
    }

    /// Queues one line.
    pub(crate) fn write(&self, line: &Value) {
        if let Some(tx) = lock(&self.tx).as_ref() {
            // A closed channel means shutdown already ran; dropping the line is fine.
            let _ = tx.send(line.to_string());
        }
    }

    /// Flushes everything queued and closes the file.
    pub(crate) fn close(&self) {
        drop(lock(&self.tx).take());
        if let Some(handle) = lock(&self.writer).take() {
            let _ = handle.join();
        }
    }
}

fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if SECRET_KEYS.contains(&k.to_ascii_lowercase().as_str()) {
                    *v = Value::String("[redacted]".into());
                } else {
                    redact(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// Turns a body into what the record shows: JSON as JSON, forms as an object,
/// anything else as text; secret fields replaced by `[redacted]`.
pub(crate) fn body_for_record(content_type: Option<&str>, bytes: &[u8]) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    let ct = content_type.unwrap_or("");
    if let Ok(mut v) = serde_json::from_slice::<Value>(bytes) {
        redact(&mut v);
        return v;
    }
    if ct.starts_with("application/x-www-form-urlencoded")
        && let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
    {
        let mut v = Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect::<Map<_, _>>(),
        );
        redact(&mut v);
        return v;
    }
    let cut = &bytes[..bytes.len().min(MAX_BODY)];
    Value::String(String::from_utf8_lossy(cut).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted() {
        let form = b"grant_type=refresh_token&client_secret=s3&refresh_token=r1";
        let v = body_for_record(Some("application/x-www-form-urlencoded"), form);
        assert_eq!(v["grant_type"], "refresh_token");
        assert_eq!(v["client_secret"], "[redacted]");
        assert_eq!(v["refresh_token"], "[redacted]");
        let v = body_for_record(None, br#"{"a":{"access_token":"x"}}"#);
        assert_eq!(v["a"]["access_token"], "[redacted]");
    }
}
