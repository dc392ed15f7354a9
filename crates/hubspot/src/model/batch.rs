//! Results of batch calls, including HubSpot's 207 partial success.

use serde::Deserialize;
use serde_json::Value;

use crate::error::Error;
use crate::error_body::ErrorBody;

/// The outcome of a (possibly chunked) batch call: per-record successes and failures.
///
/// A 207 from HubSpot is not an error: the records that worked are in `results`, the
/// records that failed are described in `errors` (each names its ids in `context.ids`).
/// When the client had to split the inputs into several calls and one whole call failed
/// after others succeeded, that call's inputs are listed in `failed_chunks` instead of
/// losing the successes behind one `Err`.
#[derive(Debug)]
pub struct BatchResult<T> {
    /// Records that succeeded.
    pub results: Vec<T>,
    /// Per-record errors reported by HubSpot (207 answers).
    pub errors: Vec<ErrorBody>,
    /// Whole calls that failed after at least one other call of the same batch succeeded.
    pub failed_chunks: Vec<ChunkFailure>,
}

/// One chunk of a batch that failed as a whole.
#[derive(Debug)]
pub struct ChunkFailure {
    /// The input ids (or names) of that chunk.
    pub ids: Vec<String>,
    /// Why it failed.
    pub error: Error,
}

impl<T> Default for BatchResult<T> {
    fn default() -> Self {
        Self {
            results: Vec::new(),
            errors: Vec::new(),
            failed_chunks: Vec::new(),
        }
    }
}

impl<T> BatchResult<T> {
    /// Whether every input succeeded.
    pub fn is_complete(&self) -> bool {
        self.errors.is_empty() && self.failed_chunks.is_empty()
    }

    /// Ids named by the per-record errors and failed chunks (the inputs that did not succeed,
    /// as far as HubSpot said).
    pub fn failed_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .errors
            .iter()
            .flat_map(ErrorBody::context_ids)
            .collect();
        ids.extend(
            self.failed_chunks
                .iter()
                .flat_map(|c| c.ids.iter().cloned()),
        );
        ids
    }

    pub(crate) fn absorb(&mut self, page: BatchResponse<T>) {
        self.results.extend(page.results);
        self.errors.extend(page.errors);
    }
}

impl ErrorBody {
    /// The inputs a batch error is about: `context.ids` for records, `context.name` /
    /// `context.propertyName` for property definitions.
    pub fn context_ids(&self) -> Vec<String> {
        const KEYS: [&str; 5] = ["ids", "id", "names", "name", "propertyName"];
        let Some(context) = self.context.as_ref() else {
            return Vec::new();
        };
        let Some(values) = KEYS.iter().find_map(|k| context.get(*k)) else {
            return Vec::new();
        };
        let items: Vec<&Value> = match values {
            Value::Array(items) => items.iter().collect(),
            single => vec![single],
        };
        items
            .into_iter()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect()
    }
}

/// The wire shape of a batch answer (200, 201 or 207).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BatchResponse<T> {
    #[serde(default = "Vec::new")]
    pub(crate) results: Vec<T>,
    #[serde(default)]
    pub(crate) errors: Vec<ErrorBody>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CrmObject;

    #[test]
    fn decodes_207_body() {
        let raw = r#"{"status":"COMPLETE","results":[{"id":"1","properties":{}}],"numErrors":1,
          "errors":[{"status":"error","category":"OBJECT_NOT_FOUND","message":"Could not get some CONTACT objects",
          "context":{"ids":["999", 1000]}}],"startedAt":"2024-01-01T00:00:00Z","completedAt":"2024-01-01T00:00:01Z"}"#;
        let page: BatchResponse<CrmObject> = serde_json::from_str(raw).unwrap();
        let mut result = BatchResult::default();
        result.absorb(page);
        assert_eq!(result.results.len(), 1);
        assert!(!result.is_complete());
        assert_eq!(result.failed_ids(), vec!["999", "1000"]);
    }
}
