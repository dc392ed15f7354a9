//! `steward://…` links as data. Anything on the machine can open a `steward://` URL, so a link
//! is untrusted input: it is parsed into a [`DeepLink`] in one place, strictly, before anything
//! acts on it. Unknown routes, missing or repeated parameters and oversize values are refused
//! with a [`DeepLinkError`] the app shows to the admin.

use std::fmt;

use relay_client::Secret;

/// The scheme the relay bounces to (`RELAY_DEEP_LINK_SCHEME`, DESIGN §7).
pub const SCHEME: &str = "steward";

/// Longest link accepted at all (HubSpot codes and our states are far shorter).
pub const MAX_LINK_LEN: usize = 4096;
/// Longest `state`: the relay issues 43 characters of base64url.
pub const MAX_STATE_LEN: usize = 256;
/// Longest `code` HubSpot could plausibly send.
pub const MAX_CODE_LEN: usize = 2048;
/// Longest `error` / `error_description` kept (longer text is cut, not refused).
const MAX_TEXT_LEN: usize = 500;

/// A link Steward knows how to handle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeepLink {
    /// `steward://oauth/callback?…`: the end of the browser part of Connect.
    OAuthCallback(OAuthCallback),
}

/// What HubSpot (through the relay) sent back for one authorization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthCallback {
    /// The `state` the relay issued at `/oauth/start`; matched against the pending flows.
    pub state: String,
    pub outcome: CallbackOutcome,
}

/// Granted (a one-time code) or denied (HubSpot's OAuth error).
#[derive(Clone, PartialEq, Eq)]
pub enum CallbackOutcome {
    /// The authorization code; single-use, exchanged through the relay broker.
    Code(Secret),
    /// The admin declined, or HubSpot refused the install.
    Denied {
        error: String,
        description: Option<String>,
    },
}

impl fmt::Debug for CallbackOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Code(_) => f.write_str("Code([redacted])"),
            Self::Denied { error, description } => f
                .debug_struct("Denied")
                .field("error", error)
                .field("description", description)
                .finish(),
        }
    }
}

/// Why a link was refused. Messages never echo a code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeepLinkError {
    #[error("the link is empty")]
    Empty,
    #[error("the link is longer than {MAX_LINK_LEN} characters")]
    TooLong,
    #[error("the text is not a URL")]
    NotAUrl,
    #[error("the link starts with `{0}:`, not `steward:`")]
    WrongScheme(String),
    #[error("Steward does not handle `steward://{0}` links")]
    UnknownRoute(String),
    #[error("the link has no `{0}` parameter")]
    Missing(&'static str),
    #[error("the link repeats the `{0}` parameter")]
    Repeated(&'static str),
    #[error("the `{0}` parameter is empty or too long")]
    BadValue(&'static str),
    #[error("the link carries both a code and an error")]
    CodeAndError,
}

/// Parses a `steward://` link. Surrounding whitespace is ignored (pasted links often carry a
/// newline); everything else must be exact.
pub fn parse(raw: &str) -> Result<DeepLink, DeepLinkError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(DeepLinkError::Empty);
    }
    if raw.len() > MAX_LINK_LEN {
        return Err(DeepLinkError::TooLong);
    }
    let url = url::Url::parse(raw).map_err(|_| DeepLinkError::NotAUrl)?;
    if url.scheme() != SCHEME {
        return Err(DeepLinkError::WrongScheme(short(url.scheme(), 40)));
    }
    let route = format!(
        "{}{}",
        url.host_str().unwrap_or_default(),
        url.path().trim_end_matches('/')
    );
    match route.as_str() {
        "oauth/callback" => oauth_callback(&url).map(DeepLink::OAuthCallback),
        other => Err(DeepLinkError::UnknownRoute(short(other, 60))),
    }
}

fn oauth_callback(url: &url::Url) -> Result<OAuthCallback, DeepLinkError> {
    let pairs: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let one = |key: &'static str| -> Result<Option<&str>, DeepLinkError> {
        let mut values = pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str());
        let first = values.next();
        if values.next().is_some() {
            return Err(DeepLinkError::Repeated(key));
        }
        Ok(first)
    };
    let state = one("state")?.ok_or(DeepLinkError::Missing("state"))?;
    let state_ok = !state.is_empty()
        && state.len() <= MAX_STATE_LEN
        && state
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    if !state_ok {
        return Err(DeepLinkError::BadValue("state"));
    }
    let outcome = match (one("code")?, one("error")?) {
        (Some(_), Some(_)) => return Err(DeepLinkError::CodeAndError),
        (None, None) => return Err(DeepLinkError::Missing("code")),
        (Some(code), None) => {
            let ok = !code.is_empty()
                && code.len() <= MAX_CODE_LEN
                && code.chars().all(|c| c.is_ascii_graphic());
            if !ok {
                return Err(DeepLinkError::BadValue("code"));
            }
            CallbackOutcome::Code(Secret::new(code))
        }
        (None, Some(error)) => {
            // Checked after the cut: an error of only control characters or spaces would
            // otherwise become a denial with nothing to show.
            let error = short(error, MAX_TEXT_LEN);
            if error.trim().is_empty() {
                return Err(DeepLinkError::BadValue("error"));
            }
            CallbackOutcome::Denied {
                error,
                description: one("error_description")?.map(|d| short(d, MAX_TEXT_LEN)),
            }
        }
    };
    Ok(OAuthCallback {
        state: state.to_owned(),
        outcome,
    })
}

/// Cuts untrusted text for a message, on a character boundary, without control characters.
fn short(text: &str, max: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATE: &str = "Qm9vdHN0cmFwLXN0YXRlLTAxMjM0NTY3ODlhYmNkZWZnaA";

    fn callback(link: &str) -> OAuthCallback {
        match parse(link) {
            Ok(DeepLink::OAuthCallback(c)) => c,
            Err(e) => panic!("{link}: {e}"),
        }
    }

    #[test]
    fn a_granted_callback_parses_into_state_and_code() {
        let c = callback(&format!(
            "steward://oauth/callback?code=na1-abc-123&state={STATE}"
        ));
        assert_eq!(c.state, STATE);
        match c.outcome {
            CallbackOutcome::Code(code) => assert_eq!(code.expose(), "na1-abc-123"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn order_trailing_slash_whitespace_and_extra_parameters_are_fine() {
        let c = callback(&format!(
            "  steward://oauth/callback/?state={STATE}&hs_extra=1&code=x\n"
        ));
        assert_eq!(c.state, STATE);
    }

    #[test]
    fn a_denied_callback_keeps_the_error_and_description() {
        let c = callback(&format!(
            "steward://oauth/callback?error=access_denied&error_description=The%20user%20said%20no&state={STATE}"
        ));
        assert_eq!(
            c.outcome,
            CallbackOutcome::Denied {
                error: "access_denied".into(),
                description: Some("The user said no".into())
            }
        );
    }

    #[test]
    fn debug_never_prints_the_code() {
        let c = callback(&format!(
            "steward://oauth/callback?code=super-secret-code&state={STATE}"
        ));
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("super-secret-code"), "{dbg}");
        assert!(dbg.contains("redacted"));
    }

    #[test]
    fn every_malformed_link_is_refused_with_its_reason() {
        let long = format!(
            "steward://oauth/callback?state={STATE}&code={}",
            "a".repeat(MAX_LINK_LEN)
        );
        let cases: Vec<(String, DeepLinkError)> = vec![
            ("".into(), DeepLinkError::Empty),
            ("   \n".into(), DeepLinkError::Empty),
            (long, DeepLinkError::TooLong),
            ("not a url".into(), DeepLinkError::NotAUrl),
            ("/oauth/callback?code=x".into(), DeepLinkError::NotAUrl),
            (
                format!("https://oauth/callback?code=x&state={STATE}"),
                DeepLinkError::WrongScheme("https".into()),
            ),
            (
                format!("stewardx://oauth/callback?code=x&state={STATE}"),
                DeepLinkError::WrongScheme("stewardx".into()),
            ),
            (
                format!("steward://oauth/other?code=x&state={STATE}"),
                DeepLinkError::UnknownRoute("oauth/other".into()),
            ),
            (
                format!("steward://settings?code=x&state={STATE}"),
                DeepLinkError::UnknownRoute("settings".into()),
            ),
            (
                "steward://oauth/callback?code=x".into(),
                DeepLinkError::Missing("state"),
            ),
            (
                format!("steward://oauth/callback?state={STATE}"),
                DeepLinkError::Missing("code"),
            ),
            (
                "steward://oauth/callback?code=x&state=".into(),
                DeepLinkError::BadValue("state"),
            ),
            (
                "steward://oauth/callback?code=x&state=a%20b".into(),
                DeepLinkError::BadValue("state"),
            ),
            (
                format!(
                    "steward://oauth/callback?code=x&state={}",
                    "s".repeat(MAX_STATE_LEN + 1)
                ),
                DeepLinkError::BadValue("state"),
            ),
            (
                format!("steward://oauth/callback?code=&state={STATE}"),
                DeepLinkError::BadValue("code"),
            ),
            (
                format!("steward://oauth/callback?code=a%0Ab&state={STATE}"),
                DeepLinkError::BadValue("code"),
            ),
            (
                format!("steward://oauth/callback?code=x&code=y&state={STATE}"),
                DeepLinkError::Repeated("code"),
            ),
            (
                format!("steward://oauth/callback?code=x&state={STATE}&state=other"),
                DeepLinkError::Repeated("state"),
            ),
            (
                format!("steward://oauth/callback?code=x&error=access_denied&state={STATE}"),
                DeepLinkError::CodeAndError,
            ),
            (
                format!("steward://oauth/callback?error=&state={STATE}"),
                DeepLinkError::BadValue("error"),
            ),
        ];
        for (link, want) in cases {
            assert_eq!(parse(&link), Err(want), "{link}");
        }
    }

    #[test]
    fn an_error_of_only_control_characters_or_spaces_is_refused() {
        // Found by the `deep_link` fuzz target: HubSpot's `error=%00%00` bounced by the relay
        // became a denial whose error text was empty.
        for error in ["%00%00%00%00", "%0A", "%01%7F", "%20%20", "+"] {
            let link = format!("steward://oauth/callback?error={error}&state={STATE}");
            assert_eq!(
                parse(&link),
                Err(DeepLinkError::BadValue("error")),
                "{link}"
            );
        }
        let c = callback(&format!(
            "steward://oauth/callback?error=access%00_denied&state={STATE}"
        ));
        assert_eq!(
            c.outcome,
            CallbackOutcome::Denied {
                error: "access_denied".into(),
                description: None
            }
        );
    }

    #[test]
    fn refusal_messages_never_echo_the_code() {
        let err = parse("steward://oauth/callback?code=leaky-code-value").unwrap_err();
        assert!(!err.to_string().contains("leaky"), "{err}");
        let err = parse(&format!(
            "steward://oauth/callback?code=leaky-code-value&code=again&state={STATE}"
        ))
        .unwrap_err();
        assert!(!err.to_string().contains("leaky"), "{err}");
    }
}
