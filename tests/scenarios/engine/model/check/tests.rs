//! The checker itself: it must pass clean evidence and catch each kind of violation.

use std::collections::{HashMap, HashSet};

use super::*;
use crate::model::evidence::{StepLog, WriteRec};

fn w(property: &str, value: &str, source: &str, ts: &str) -> WriteRec {
    WriteRec {
        contact: 7,
        property: property.into(),
        value: value.into(),
        source_type: if source == "us" {
            "INTEGRATION"
        } else {
            "CRM_UI"
        }
        .into(),
        source_id: (source != "us").then(|| format!("userId:{source}")),
        ts: ts.into(),
        changed: true,
    }
}

fn round_trip(cid: &str, hash: &str, summary: &str, ts: &str) -> Vec<WriteRec> {
    vec![
        w(CID, cid, "us", ts),
        w(HASH, hash, "us", ts),
        w("ai_summary", summary, "us", ts),
    ]
}

fn row(id: i64, outcome: Outcome, cid: &str, hash: &str, fields: &[&str]) -> AuditRecord {
    AuditRecord {
        id,
        correlation_id: cid.into(),
        contact_id: 7,
        input_hash: Some(hash.into()),
        outcome: Some(outcome),
        fields_written: fields.iter().map(|f| (*f).to_owned()).collect(),
        ..Default::default()
    }
}

fn evidence(steps: Vec<StepLog>) -> Evidence {
    Evidence {
        forced: vec![HashSet::new(); steps.len()],
        crashed: vec![HashSet::new(); steps.len()],
        steps: steps.into_iter().map(|s| HashMap::from([(7, s)])).collect(),
        ..Default::default()
    }
}

fn causes(ev: &Evidence) -> Vec<&'static str> {
    check(ev, &[7]).0.into_iter().map(|v| v.cause).collect()
}

#[test]
fn an_audited_round_trip_over_our_own_value_passes() {
    let mut writes = round_trip("c1", "h1", "first", "t1");
    writes.extend(round_trip("c2", "h2", "second", "t2"));
    let ev = evidence(vec![StepLog {
        writes,
        audit: vec![
            row(1, Outcome::Written, "c1", "h1", &["ai_summary"]),
            row(2, Outcome::Written, "c2", "h2", &["ai_summary"]),
        ],
    }]);
    assert!(causes(&ev).is_empty(), "{:?}", check(&ev, &[7]).0);
}

#[test]
fn an_unaudited_overwrite_of_a_person_and_a_rewritten_hash_are_caught() {
    let mut writes = round_trip("c1", "h1", "first", "t1");
    writes.push(w("ai_summary", "typed by a person", "42", "t2"));
    writes.extend(round_trip("c1", "h1", "first", "t3"));
    let ev = evidence(vec![StepLog {
        writes,
        audit: vec![row(1, Outcome::Written, "c1", "h1", &["ai_summary"])],
    }]);
    let found = causes(&ev);
    assert!(
        found.contains(&"a round trip replaced a person's value"),
        "{found:?}"
    );
    assert!(
        found.contains(&"a non-forced run rewrote the held hash"),
        "{found:?}"
    );
    assert!(
        found.contains(&"a round-trip write has no audit row"),
        "{found:?}"
    );
}

#[test]
fn an_edit_in_the_gap_must_be_written_back_in_the_same_step() {
    let mut writes = round_trip("c1", "h1", "first", "t1");
    writes.push(w("ai_summary", "in the gap", "91", "t2"));
    writes.extend(round_trip("c2", "h2", "second", "t3"));
    let audit = vec![
        row(1, Outcome::Written, "c1", "h1", &["ai_summary"]),
        row(2, Outcome::Conflict, "c2", "h2", &[]),
    ];
    let review = Review {
        id: 1,
        portal_id: 1,
        contact_id: 7,
        property: "ai_summary".into(),
        kind: ReviewKind::Conflict,
        human_value: Some("in the gap".into()),
        human_writer: None,
        human_at: None,
        proposed_value: Some("second".into()),
        correlation_id: "c2".into(),
        input_hash: "h2".into(),
        model: None,
        status: steward_engine::reviews::ReviewStatus::Pending,
        resolved_value: None,
        resolved_at: None,
        created_at: 0,
    };
    let mut unrestored = evidence(vec![StepLog {
        writes: writes.clone(),
        audit: audit.clone(),
    }]);
    unrestored.reviews.insert(1, review.clone());
    assert_eq!(
        causes(&unrestored),
        [
            "a conflict row's field was neither listed nor written back",
            "a person's edit between check and write was not written back"
        ]
    );
    writes.push(w("ai_summary", "in the gap", "us", "t4"));
    let mut restored = evidence(vec![StepLog { writes, audit }]);
    restored.reviews.insert(1, review);
    assert!(
        causes(&restored).is_empty(),
        "{:?}",
        check(&restored, &[7]).0
    );
}
