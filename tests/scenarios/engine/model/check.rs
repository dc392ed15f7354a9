//! The invariants, judged from the evidence alone (the simulator's write log in order, the
//! audit rows and the reviews), per contact and step:
//!
//! 1. **No person's value is overwritten without approval.** When a content field's current
//!    value was typed by a person (or restored on a person's behalf) and one of our writes
//!    replaces it with a different value, that write must be an admin's approval of a review of
//!    *that* value — or the person's edit landed between the engine's check and its write (the
//!    simulator's before-write hook, immediately before our write in the log) and the engine
//!    wrote the person's value back later in the same step.
//! 2. **No write with an unchanged hash.** A round trip that writes never sends the
//!    `ai_input_hash` the record already holds, unless the run was forced.
//! 3. **No write without an audit row.** Every write of ours (one API write = one timestamp) is
//!    explained by an unused audit row of the same step: a round trip's row with the written
//!    correlation ID and input hash whose `fields_written` cover the content written; an
//!    `approved` row whose review resolved to the written value; a `rejected` row writing the
//!    person's value back; or the restore a `conflict` row owes (a field its round trip wrote
//!    but does not list, written back to the value it overwrote). Conversely, every row that
//!    claims a write has one in the log.
//!
//! Matching is by content, never by timing: the log's order and timestamps only group the
//! properties of one API write and place a person's edit immediately before our write.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use steward_engine::audit::{AuditRecord, Outcome};
use steward_engine::reviews::{Review, ReviewKind};

use super::evidence::Evidence;

mod contact;
#[cfg(test)]
mod tests;

use contact::ContactCheck;

const CONTENT: [&str; 5] = [
    "ai_summary",
    "ai_next_best_action",
    "ai_next_best_action_confidence",
    "ai_intent_signals",
    "ai_generated_score",
];
const HASH: &str = "ai_input_hash";
const CID: &str = "ai_correlation_id";
const UPDATED: &str = "ai_last_updated_at";

/// The three invariants of the "Done when" (3 is checked in both directions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Invariant {
    HumanOverwritten,
    UnchangedHash,
    UnauditedWrite,
    AuditWithoutWrite,
}

impl fmt::Display for Invariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::HumanOverwritten => "a person's value was overwritten without approval",
            Self::UnchangedHash => "a round trip wrote the input hash the record already held",
            Self::UnauditedWrite => "a write has no audit row explaining it",
            Self::AuditWithoutWrite => "an audit row claims a write the log does not show",
        })
    }
}

/// One broken invariant, where it broke and how.
#[derive(Debug, Clone)]
pub struct Violation {
    pub contact: u64,
    pub step: usize,
    pub invariant: Invariant,
    /// A short label of the way it broke; failures are grouped and shrunk per cause.
    pub cause: &'static str,
    pub detail: String,
}

/// What the checker saw (so a report shows the invariants were exercised, not vacuous).
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub round_trip_writes: usize,
    pub approval_writes: usize,
    pub restore_writes: usize,
    /// Approvals that replaced a person's value (the reviewed one).
    pub approved_over_person: usize,
    /// Person's edits landing between check and write that were overwritten and restored.
    pub races_restored: usize,
    /// Forced runs that rewrote the hash the record held (allowed).
    pub forced_same_hash: usize,
    /// Restores after a conflict for which no conflict review shows the person's value (the
    /// admin sees nothing to decide; not one of the invariants, reported as a finding).
    pub restores_without_conflict_review: usize,
}

/// Who holds one AI field of the contact, as far as the log shows.
#[derive(Debug, Clone)]
struct Field {
    value: String,
    /// Typed by a person, or written back on a person's behalf (and non-empty).
    person: bool,
}

/// What one API write of ours turned out to be.
enum Kind<'a> {
    RoundTrip,
    Approve(&'a Review),
    /// An approval whose write raced a person's edit: the engine wrote the person's value back
    /// (a `conflict` row of trigger `review`) and left the review open.
    ApproveRaced,
    Restore,
    Unexplained,
}

/// Checks every contact of `contacts`.
pub fn check(ev: &Evidence, contacts: &[u64]) -> (Vec<Violation>, Tally) {
    let mut out = Vec::new();
    let mut tally = Tally::default();
    let conflict_reviews: HashMap<(u64, &str, &str), Vec<&Review>> = {
        let mut m: HashMap<(u64, &str, &str), Vec<&Review>> = HashMap::new();
        for r in ev
            .reviews
            .values()
            .filter(|r| r.kind == ReviewKind::Conflict)
        {
            m.entry((r.contact_id, r.property.as_str(), r.correlation_id.as_str()))
                .or_default()
                .push(r);
        }
        m
    };
    for &c in contacts {
        ContactCheck::new(ev, c, &conflict_reviews, &mut out, &mut tally).run();
    }
    (out, tally)
}

fn explains_round_trip(r: &AuditRecord) -> bool {
    match r.outcome {
        Some(Outcome::Written | Outcome::Guarded | Outcome::Conflict) => true,
        // All proposals equal what HubSpot holds: only the bookkeeping was written.
        Some(Outcome::Unchanged) => r.proposal.is_some(),
        _ => false,
    }
}

fn claims_write(r: &AuditRecord) -> bool {
    match r.outcome {
        Some(Outcome::Approved) => true,
        Some(Outcome::Rejected) => !r.fields_written.is_empty(),
        _ => explains_round_trip(r),
    }
}

fn review_of<'e>(ev: &'e Evidence, row: &AuditRecord) -> Option<&'e Review> {
    let id: i64 = row
        .trigger_ref
        .as_deref()?
        .strip_prefix("review:")?
        .parse()
        .ok()?;
    ev.reviews.get(&id)
}

pub fn describe(r: &AuditRecord) -> String {
    format!(
        "{} cid {} fields {:?}{}",
        r.outcome.map(|o| o.as_str()).unwrap_or("?"),
        r.correlation_id,
        r.fields_written,
        r.reason
            .as_deref()
            .map(|s| format!(" — {s}"))
            .unwrap_or_default()
    )
}

fn rows(audit: &[AuditRecord]) -> String {
    if audit.is_empty() {
        return "none".into();
    }
    audit
        .iter()
        .map(|r| {
            format!(
                "#{} {} {}",
                r.id,
                r.outcome.map(|o| o.as_str()).unwrap_or("?"),
                r.correlation_id
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Violations grouped by invariant and cause, for the summary.
pub fn by_cause(v: &[Violation]) -> BTreeMap<(Invariant, &'static str), Vec<&Violation>> {
    let mut m: BTreeMap<(Invariant, &'static str), Vec<&Violation>> = BTreeMap::new();
    for x in v {
        m.entry((x.invariant, x.cause)).or_default().push(x);
    }
    m
}
