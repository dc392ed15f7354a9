//! A re-sendable request description and the successful answer it produced.

use std::fmt;

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Error;

/// A request body.
#[derive(Clone)]
pub(crate) enum Payload {
    Empty,
    Json(Vec<u8>),
    /// `application/x-www-form-urlencoded` (OAuth endpoints); may contain secrets.
    Form(String),
}

/// Never prints a form body: it may carry the client secret or a token.
impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Payload::Empty => f.write_str("Empty"),
            Payload::Json(bytes) => write!(f, "Json({} bytes)", bytes.len()),
            Payload::Form(_) => f.write_str("Form([redacted])"),
        }
    }
}

/// A request, kept re-sendable for retries.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: Method,
    pub(crate) segments: Vec<String>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) payload: Payload,
}

impl Request {
    pub(crate) fn new<I, S>(method: Method, segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            method,
            segments: segments.into_iter().map(Into::into).collect(),
            query: Vec::new(),
            payload: Payload::Empty,
        }
    }

    pub(crate) fn get<I: IntoIterator<Item = S>, S: Into<String>>(segments: I) -> Self {
        Self::new(Method::GET, segments)
    }

    pub(crate) fn post<I: IntoIterator<Item = S>, S: Into<String>>(segments: I) -> Self {
        Self::new(Method::POST, segments)
    }

    pub(crate) fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_owned(), value.into()));
        self
    }

    pub(crate) fn json<T: Serialize>(mut self, body: &T) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::Config(format!("request body could not be encoded: {e}")))?;
        self.payload = Payload::Json(bytes);
        Ok(self)
    }

    pub(crate) fn form<T: Serialize>(mut self, body: &T) -> Result<Self, Error> {
        // Encoding errors name the field, never its value.
        let text = serde_urlencoded::to_string(body)
            .map_err(|e| Error::Config(format!("form could not be encoded: {e}")))?;
        self.payload = Payload::Form(text);
        Ok(self)
    }

    /// `METHOD /path` for spans and error messages (no query: it never holds secrets, but it
    /// can be long).
    pub(crate) fn endpoint(&self) -> String {
        format!("{} /{}", self.method, self.segments.join("/"))
    }
}

/// A successful answer.
#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) body: Vec<u8>,
    pub(crate) endpoint: String,
}

impl Response {
    /// Decodes JSON; the error names the endpoint and serde's reason.
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode {
            endpoint: self.endpoint.clone(),
            detail: e.to_string(),
        })
    }

    /// Decodes JSON that may contain secrets: the error keeps only the position, never the
    /// text serde quotes.
    pub(crate) fn json_secret<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|e| Error::Decode {
            endpoint: self.endpoint.clone(),
            detail: format!(
                "{:?} error at line {} column {}",
                e.classify(),
                e.line(),
                e.column()
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_bodies_are_not_printed() {
        let req = Request::post(["oauth", "v3", "token"])
            .form(&[("client_secret", "s3cr3t-value")])
            .unwrap();
        assert!(!format!("{req:?}").contains("s3cr3t-value"));
        assert_eq!(req.endpoint(), "POST /oauth/v3/token");
    }
}
