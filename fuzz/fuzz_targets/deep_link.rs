//! `steward://` deep links (engine `deep_link::parse`) and the relay's `/oauth/callback`
//! bounce that produces them.
//!
//! The input is used twice: as a link pasted or opened on the machine, and as the query string
//! HubSpot sends to the relay's callback. Checks, beyond "never panics":
//! - an accepted link satisfies the documented limits (state charset and length, code
//!   printable ASCII and length, a non-empty error);
//! - an accepted link round-trips: rebuilt from the parsed value it parses to the same value;
//! - every link the relay bounces to is well-formed for the engine (right scheme and route, no
//!   repeated parameters, never both a code and an error), and when HubSpot sent one valid code
//!   and a valid state the engine gets exactly that code and state back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use steward_engine::deep_link::{
    CallbackOutcome, DeepLink, DeepLinkError, MAX_CODE_LEN, MAX_LINK_LEN, MAX_STATE_LEN,
    OAuthCallback, SCHEME, parse,
};
use steward_relay::fuzzing::callback_link;
use url::form_urlencoded;

fuzz_target!(|data: &[u8]| {
    let input = String::from_utf8_lossy(data);

    // As a link.
    if let Ok(DeepLink::OAuthCallback(callback)) = parse(&input) {
        check_limits(&callback);
        let again = parse(&rebuild(&callback)).expect("a rebuilt link does not parse");
        assert_eq!(again, DeepLink::OAuthCallback(callback));
    }

    // As HubSpot's query string at the relay's callback, then the link it bounces to.
    let bounced = callback_link(SCHEME, Some(&input));
    let hubspot: Vec<(String, String)> = form_urlencoded::parse(input.as_bytes())
        .into_owned()
        .collect();
    let first = |key: &str| {
        hubspot
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    // The page says "did not connect" exactly when the link carries an error.
    assert_eq!(
        bounced.denied,
        first("error").is_some() || first("code").is_none()
    );
    match parse(&bounced.deep_link) {
        Ok(DeepLink::OAuthCallback(callback)) => {
            check_limits(&callback);
            assert_eq!(Some(callback.state.as_str()), first("state"));
            match &callback.outcome {
                CallbackOutcome::Code(code) => {
                    assert!(first("error").is_none());
                    assert_eq!(Some(code.expose()), first("code"));
                }
                CallbackOutcome::Denied { .. } => assert!(bounced.denied),
            }
        }
        Err(DeepLinkError::TooLong) => assert!(bounced.deep_link.len() > MAX_LINK_LEN),
        Err(DeepLinkError::Missing("state") | DeepLinkError::BadValue(_)) => {
            let granted = first("error").is_none()
                && first("state").is_some_and(valid_state)
                && first("code").is_some_and(valid_code);
            assert!(!granted, "a valid grant did not survive the bounce");
        }
        Err(other) => panic!("the relay bounced to a link the engine refuses: {other}"),
    }
});

fn valid_state(state: &str) -> bool {
    !state.is_empty()
        && state.len() <= MAX_STATE_LEN
        && state
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

fn valid_code(code: &str) -> bool {
    !code.is_empty() && code.len() <= MAX_CODE_LEN && code.bytes().all(|b| b.is_ascii_graphic())
}

fn check_limits(callback: &OAuthCallback) {
    assert!(
        valid_state(&callback.state),
        "accepted state {:?}",
        callback.state
    );
    match &callback.outcome {
        CallbackOutcome::Code(code) => assert!(valid_code(code.expose()), "accepted a bad code"),
        CallbackOutcome::Denied { error, description } => {
            assert!(
                !error.trim().is_empty(),
                "accepted an empty error {error:?}"
            );
            for text in std::iter::once(error).chain(description) {
                assert!(text.chars().count() <= 500);
                assert!(!text.chars().any(char::is_control), "control char kept");
            }
        }
    }
}

/// The canonical link for a parsed callback.
fn rebuild(callback: &OAuthCallback) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("state", &callback.state);
    match &callback.outcome {
        CallbackOutcome::Code(code) => {
            query.append_pair("code", code.expose());
        }
        CallbackOutcome::Denied { error, description } => {
            query.append_pair("error", error);
            if let Some(d) = description {
                query.append_pair("error_description", d);
            }
        }
    }
    format!("{SCHEME}://oauth/callback?{}", query.finish())
}
