//! The LLM layer's strict output validation, on arbitrary bytes.
//!
//! Every input is read three ways: as an OpenAI-compatible Chat Completions body, as an
//! Anthropic Messages body (both through the exact parsers the client runs on a 2xx answer),
//! and as the model's bare text answer (`parse_output`). Checks, beyond "never panics":
//! - an accepted enrichment satisfies every rule: trimmed non-empty texts within their
//!   character limits, confidence in 0–1, score 0–100, at most six distinct signals from the
//!   vocabulary (`Enrichment::check` agrees);
//! - it maps onto the five HubSpot properties, signals in vocabulary order;
//! - it round-trips: serialised to JSON and validated again it is the same enrichment;
//! - a rejection's detail and a protocol error's detail stay within their length caps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use steward_llm::fuzzing::{Parsed, parse_anthropic, parse_openai};
use steward_llm::{
    DETAIL_MAX_CHARS, Enrichment, IntentSignal, InvalidOutput, LlmError, MAX_INTENT_SIGNALS,
    NEXT_BEST_ACTION_MAX_CHARS, PROP_GENERATED_SCORE, PROP_INTENT_SIGNALS, SUMMARY_MAX_CHARS,
    parse_output,
};

fuzz_target!(|data: &[u8]| {
    check_body(parse_openai(data));
    check_body(parse_anthropic(data));
    if let Ok(text) = std::str::from_utf8(data) {
        check_output(&parse_output(text));
    }
});

fn check_body(parsed: Result<Parsed, LlmError>) {
    match parsed {
        Ok((output, _usage, _model)) => check_output(&output),
        Err(LlmError::Protocol { detail, .. }) => assert!(detail.chars().count() <= 200),
        Err(other) => panic!("a body parser returned {other:?}"),
    }
}

fn check_output(output: &Result<Enrichment, InvalidOutput>) {
    let e = match output {
        Ok(e) => e,
        Err(invalid) => {
            assert!(invalid.detail.chars().count() <= DETAIL_MAX_CHARS);
            return;
        }
    };
    assert_eq!(e.check(), Ok(()));
    for (text, max) in [
        (&e.summary, SUMMARY_MAX_CHARS),
        (&e.next_best_action, NEXT_BEST_ACTION_MAX_CHARS),
    ] {
        assert!(!text.is_empty() && text.trim() == text, "{text:?}");
        assert!(text.chars().count() <= max);
    }
    assert!((0.0..=1.0).contains(&e.next_best_action_confidence));
    assert!(e.score <= 100);
    assert!(e.intent_signals.len() <= MAX_INTENT_SIGNALS);
    let mut signals = e.intent_signals.clone();
    signals.sort_unstable();
    signals.dedup();
    assert_eq!(signals.len(), e.intent_signals.len(), "duplicate signals");

    let props = e.to_properties();
    assert_eq!(props.len(), 5);
    assert_eq!(props[PROP_GENERATED_SCORE], e.score.to_string());
    let written: Vec<IntentSignal> = props[PROP_INTENT_SIGNALS]
        .split(';')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .expect("a written signal is outside the vocabulary")
        })
        .collect();
    assert_eq!(written, signals);

    let json = serde_json::to_string(e).expect("an enrichment serialises");
    let again = parse_output(&json).expect("a valid enrichment re-validates");
    assert_eq!(&again, e);
}
