//! One test per validation rule.

use serde_json::{Value, json};

use super::*;

fn valid() -> Value {
    json!({
        "summary": "Asked for pricing twice this week. Mentioned a Q3 deadline.",
        "next_best_action": "Send the enterprise price sheet and propose a call.",
        "next_best_action_confidence": 0.8,
        "intent_signals": ["pricing_interest", "timeline_urgent"],
        "score": 72
    })
}

fn with(key: &str, value: Value) -> Value {
    let mut v = valid();
    v[key] = value;
    v
}

fn reason(value: Value) -> InvalidReason {
    validate_value(value).unwrap_err().reason
}

#[test]
fn accepts_a_valid_answer() {
    let e = parse_output(&valid().to_string()).unwrap();
    assert_eq!(e.score, 72);
    assert_eq!(
        e.intent_signals,
        vec![IntentSignal::PricingInterest, IntentSignal::TimelineUrgent]
    );
    assert!((e.next_best_action_confidence - 0.8).abs() < f64::EPSILON);
}

#[test]
fn accepts_boundaries() {
    let mut v = with("summary", json!("s".repeat(600)));
    v["next_best_action"] = json!("n".repeat(280));
    v["next_best_action_confidence"] = json!(1);
    v["score"] = json!(100);
    v["intent_signals"] = json!([
        "pricing_interest",
        "demo_request",
        "trial_signup",
        "competitor_evaluation",
        "budget_confirmed",
        "churn_risk"
    ]);
    let e = validate_value(v).unwrap();
    assert_eq!(e.intent_signals.len(), 6);
    assert_eq!(e.score, 100);
    let zero = validate_value(with("score", json!(0))).unwrap();
    assert_eq!(zero.score, 0);
    assert!(validate_value(with("intent_signals", json!([]))).is_ok());
    assert!(validate_value(with("next_best_action_confidence", json!(0.0))).is_ok());
}

#[test]
fn lengths_count_characters_not_bytes() {
    // 600 three-byte characters are 1,800 bytes but within the limit.
    assert!(validate_value(with("summary", json!("€".repeat(600)))).is_ok());
    assert_eq!(
        reason(with("summary", json!("€".repeat(601)))),
        InvalidReason::TooLong
    );
}

#[test]
fn bad_json_is_rejected() {
    for text in ["{\"summary\": ", "not json", "{summary: 'x'}", "[1, 2"] {
        assert_eq!(
            parse_output(text).unwrap_err().reason,
            InvalidReason::BadJson,
            "{text}"
        );
    }
}

#[test]
fn empty_answer_is_rejected() {
    assert_eq!(parse_output("").unwrap_err().reason, InvalidReason::Empty);
    assert_eq!(
        parse_output("  \n ").unwrap_err().reason,
        InvalidReason::Empty
    );
}

#[test]
fn code_fence_is_tolerated_but_contents_still_validated() {
    let fenced = format!("```json\n{}\n```", valid());
    assert!(parse_output(&fenced).is_ok());
    let bare_fence = format!("```{}```", valid());
    assert!(parse_output(&bare_fence).is_ok());
    let bad = "```json\n{\"summary\": 1}\n```";
    assert_eq!(
        parse_output(bad).unwrap_err().reason,
        InvalidReason::SchemaViolation
    );
}

#[test]
fn non_object_is_a_schema_violation() {
    for v in [json!([]), json!("text"), json!(3), Value::Null] {
        assert_eq!(reason(v), InvalidReason::SchemaViolation);
    }
}

#[test]
fn missing_field_is_a_schema_violation() {
    let mut v = valid();
    v.as_object_mut().unwrap().remove("score");
    assert_eq!(reason(v), InvalidReason::SchemaViolation);
}

#[test]
fn unknown_field_is_a_schema_violation() {
    let v = with("reasoning", json!("because"));
    let err = validate_value(v).unwrap_err();
    assert_eq!(err.reason, InvalidReason::SchemaViolation);
    assert!(err.detail.contains("reasoning"), "{}", err.detail);
}

#[test]
fn wrong_types_are_schema_violations() {
    assert_eq!(
        reason(with("summary", json!(5))),
        InvalidReason::SchemaViolation
    );
    assert_eq!(
        reason(with("score", json!("72"))),
        InvalidReason::SchemaViolation
    );
    assert_eq!(
        reason(with("next_best_action_confidence", json!("high"))),
        InvalidReason::SchemaViolation
    );
    assert_eq!(
        reason(with("intent_signals", json!("pricing_interest"))),
        InvalidReason::SchemaViolation
    );
    assert_eq!(
        reason(with("intent_signals", json!([1]))),
        InvalidReason::SchemaViolation
    );
}

#[test]
fn fractional_score_is_a_schema_violation_but_integral_float_is_fine() {
    assert_eq!(
        reason(with("score", json!(72.5))),
        InvalidReason::SchemaViolation
    );
    assert_eq!(
        validate_value(with("score", json!(72.0))).unwrap().score,
        72
    );
}

#[test]
fn summary_rules() {
    assert_eq!(reason(with("summary", json!(""))), InvalidReason::Empty);
    assert_eq!(reason(with("summary", json!("   "))), InvalidReason::Empty);
    assert_eq!(
        reason(with("summary", json!("s".repeat(601)))),
        InvalidReason::TooLong
    );
    // Surrounding whitespace is trimmed, and does not count against the limit.
    let e = validate_value(with("summary", json!(format!("  {}  ", "s".repeat(600))))).unwrap();
    assert_eq!(e.summary.len(), 600);
}

#[test]
fn next_best_action_rules() {
    assert_eq!(
        reason(with("next_best_action", json!(""))),
        InvalidReason::Empty
    );
    assert_eq!(
        reason(with("next_best_action", json!("n".repeat(281)))),
        InvalidReason::TooLong
    );
}

#[test]
fn confidence_range() {
    for bad in [json!(-0.01), json!(1.01), json!(5), json!(-1)] {
        assert_eq!(
            reason(with("next_best_action_confidence", bad.clone())),
            InvalidReason::OutOfRange,
            "{bad}"
        );
    }
}

#[test]
fn score_range() {
    for bad in [
        json!(101),
        json!(-1),
        json!(255),
        json!(256),
        json!(1e9),
        json!(100.5e1),
    ] {
        assert_eq!(
            reason(with("score", bad.clone())),
            InvalidReason::OutOfRange,
            "{bad}"
        );
    }
}

#[test]
fn unknown_signal_is_rejected_with_its_value() {
    let err = validate_value(with(
        "intent_signals",
        json!(["pricing_interest", "buying_now"]),
    ))
    .unwrap_err();
    assert_eq!(err.reason, InvalidReason::UnknownSignal);
    assert!(err.detail.contains("buying_now"));
    assert_eq!(
        reason(with("intent_signals", json!(["Pricing_Interest"]))),
        InvalidReason::UnknownSignal
    );
}

#[test]
fn too_many_signals_are_rejected() {
    let seven: Vec<&str> = IntentSignal::ALL
        .iter()
        .take(7)
        .map(|s| s.as_str())
        .collect();
    assert_eq!(
        reason(with("intent_signals", json!(seven))),
        InvalidReason::TooLong
    );
}

#[test]
fn duplicate_signals_are_rejected() {
    assert_eq!(
        reason(with("intent_signals", json!(["churn_risk", "churn_risk"]))),
        InvalidReason::SchemaViolation
    );
}

#[test]
fn oversize_text_wins_over_mangled_signals() {
    // What an "everything is huge" answer looks like: every string blown up.
    let mut v = with("summary", json!("s".repeat(20_000)));
    v["intent_signals"] = json!(["pricing_interest ".repeat(1_000)]);
    assert_eq!(reason(v), InvalidReason::TooLong);
}

#[test]
fn detail_is_truncated() {
    let long_signal = "x".repeat(5_000);
    let err = validate_value(with("intent_signals", json!([long_signal]))).unwrap_err();
    assert!(err.detail.chars().count() <= DETAIL_MAX_CHARS);
    let err = InvalidOutput::new(InvalidReason::BadJson, "y".repeat(10_000));
    assert_eq!(err.detail.chars().count(), DETAIL_MAX_CHARS);
    assert!(err.detail.ends_with('…'));
}

#[test]
fn check_catches_hand_built_values() {
    let mut e = validate_value(valid()).unwrap();
    assert!(e.check().is_ok());
    e.score = 101;
    assert_eq!(e.check().unwrap_err().reason, InvalidReason::OutOfRange);
    e.score = 50;
    e.next_best_action_confidence = f64::NAN;
    assert_eq!(e.check().unwrap_err().reason, InvalidReason::OutOfRange);
}

#[test]
fn reason_names_are_stable() {
    assert_eq!(
        serde_json::to_value(InvalidReason::BadJson).unwrap(),
        "bad_json"
    );
    assert_eq!(InvalidReason::UnknownSignal.to_string(), "unknown_signal");
    assert_eq!(
        serde_json::to_value(InvalidReason::SchemaViolation).unwrap(),
        InvalidReason::SchemaViolation.as_str()
    );
}

#[test]
fn properties_use_hubspot_names_and_checkbox_format() {
    let mut e = validate_value(valid()).unwrap();
    e.intent_signals = vec![IntentSignal::TimelineUrgent, IntentSignal::PricingInterest];
    let props = e.to_properties();
    assert_eq!(
        props["ai_intent_signals"],
        "pricing_interest;timeline_urgent"
    );
    assert_eq!(props["ai_generated_score"], "72");
    assert_eq!(props["ai_next_best_action_confidence"], "0.8");
    assert_eq!(props.len(), 5);
    e.intent_signals.clear();
    assert_eq!(e.to_properties()["ai_intent_signals"], "");
}
