//! One contact's evidence, step by step: the state of each AI field (who holds it), the held
//! input hash, and which audit row explains each write of ours.

use std::collections::{HashMap, HashSet};

use steward_engine::audit::Outcome;
use steward_engine::reviews::Review;

use super::{
    CID, CONTENT, Field, HASH, Invariant, Kind, Tally, UPDATED, Violation, claims_write, describe,
    explains_round_trip, review_of, rows,
};
use crate::model::evidence::{Evidence, StepLog, WriteRec};
use crate::model::schedule::RACE_USERS;

fn is_content(p: &str) -> bool {
    CONTENT.contains(&p)
}

pub(super) struct ContactCheck<'a, 'o> {
    ev: &'a Evidence,
    c: u64,
    conflict_reviews: &'a HashMap<(u64, &'a str, &'a str), Vec<&'a Review>>,
    fields: HashMap<String, Field>,
    hash: Option<String>,
    /// This step's conflict restores still owed: (field, overwritten value, correlation ID).
    restorable: Vec<(String, String, String)>,
    out: &'o mut Vec<Violation>,
    tally: &'o mut Tally,
}

impl<'a, 'o> ContactCheck<'a, 'o> {
    pub(super) fn new(
        ev: &'a Evidence,
        c: u64,
        conflict_reviews: &'a HashMap<(u64, &'a str, &'a str), Vec<&'a Review>>,
        out: &'o mut Vec<Violation>,
        tally: &'o mut Tally,
    ) -> Self {
        Self {
            ev,
            c,
            conflict_reviews,
            fields: HashMap::new(),
            hash: None,
            restorable: Vec::new(),
            out,
            tally,
        }
    }

    fn violation(
        &mut self,
        step: usize,
        invariant: Invariant,
        cause: &'static str,
        detail: String,
    ) {
        self.out.push(Violation {
            contact: self.c,
            step,
            invariant,
            cause,
            detail,
        });
    }

    pub(super) fn run(&mut self) {
        for k in 0..self.ev.steps.len() {
            let Some(log) = self.ev.log(k, self.c) else {
                continue;
            };
            let mut used: HashSet<i64> = HashSet::new();
            let mut pending: Vec<(String, String)> = Vec::new();
            self.restorable.clear();
            let mut raced: Option<(String, String)> = None;
            let w = &log.writes;
            let mut i = 0;
            while i < w.len() {
                let rec = &w[i];
                if !rec.is_ours() {
                    raced = None;
                    if rec.changed {
                        if rec.property == HASH {
                            self.hash = Some(rec.value.clone());
                        }
                        if is_content(&rec.property) {
                            let field = Field {
                                value: rec.value.clone(),
                                person: !rec.value.is_empty(),
                            };
                            self.fields.insert(rec.property.clone(), field);
                            if rec.user().is_some_and(|u| RACE_USERS.contains(&u)) {
                                raced = Some((rec.property.clone(), rec.value.clone()));
                            }
                        }
                    }
                    i += 1;
                    continue;
                }
                let end = i + w[i..]
                    .iter()
                    .take_while(|r| r.is_ours() && r.ts == rec.ts)
                    .count();
                let group = &w[i..end];
                let race = raced.take();
                let kind = self.explain(k, log, group, &mut used);
                self.apply(k, group, &kind, race, &mut pending);
                i = end;
            }
            for (p, v, cid) in std::mem::take(&mut self.restorable) {
                self.violation(
                    k,
                    Invariant::UnauditedWrite,
                    "a conflict row's field was neither listed nor written back",
                    format!("{p}: round trip {cid} (a conflict) overwrote {v:?}, does not list the field as written, and never wrote it back"),
                );
            }
            for (p, v) in pending {
                self.violation(
                    k,
                    Invariant::HumanOverwritten,
                    "a person's edit between check and write was not written back",
                    format!("{p}: the person's {v:?} (typed between check and write) was overwritten and never written back"),
                );
            }
            for row in &log.audit {
                if claims_write(row) && !used.contains(&row.id) {
                    self.violation(
                        k,
                        Invariant::AuditWithoutWrite,
                        "an audit row claims a write the log lacks",
                        format!(
                            "audit row #{} ({}) has no matching write",
                            row.id,
                            describe(row)
                        ),
                    );
                }
            }
        }
    }

    /// Finds the audit evidence for one API write; reports invariants 2 and 3.
    fn explain(
        &mut self,
        k: usize,
        log: &'a StepLog,
        group: &[WriteRec],
        used: &mut HashSet<i64>,
    ) -> Kind<'a> {
        let get = |p: &str| {
            group
                .iter()
                .find(|r| r.property == p)
                .map(|r| r.value.as_str())
        };
        let content: Vec<&WriteRec> = group.iter().filter(|r| is_content(&r.property)).collect();
        if let Some(cid) = get(CID) {
            let written_hash = get(HASH);
            let forced = self.ev.forced.get(k).is_some_and(|f| f.contains(&self.c));
            if written_hash.is_some() && written_hash == self.hash.as_deref() {
                if forced {
                    self.tally.forced_same_hash += 1;
                } else {
                    self.violation(
                        k,
                        Invariant::UnchangedHash,
                        "a non-forced run rewrote the held hash",
                        format!("wrote ai_input_hash {:?} (correlation ID {cid}) which the record already held, in a run that was not forced", written_hash.unwrap_or_default()),
                    );
                }
            }
            let row = log.audit.iter().find(|r| {
                !used.contains(&r.id)
                    && r.correlation_id == cid
                    && r.input_hash.as_deref() == written_hash
                    && explains_round_trip(r)
            });
            let Some(row) = row else {
                self.violation(
                    k,
                    Invariant::UnauditedWrite,
                    "a round-trip write has no audit row",
                    format!(
                        "round-trip write with correlation ID {cid} and hash {:?}: no written/guarded/conflict row for it (rows of this step: {})",
                        written_hash.unwrap_or_default(),
                        rows(&log.audit)
                    ),
                );
                return Kind::Unexplained;
            };
            used.insert(row.id);
            self.tally.round_trip_writes += 1;
            for rec in content {
                if row.fields_written.contains(&rec.property) || !rec.changed {
                    continue;
                }
                if row.outcome == Some(Outcome::Conflict) {
                    // A conflict row leaves restored fields out of `fields_written`: the
                    // value they overwrote must be written back later in this step.
                    let before = self.fields.get(&rec.property).map(|f| f.value.clone());
                    let cid = cid.to_owned();
                    self.restorable
                        .push((rec.property.clone(), before.unwrap_or_default(), cid));
                    continue;
                }
                self.violation(
                    k,
                    Invariant::UnauditedWrite,
                    "a round trip wrote fields its row does not list",
                    format!("{} was written by round trip {cid} but its audit row #{} lists fields_written {:?}", rec.property, row.id, row.fields_written),
                );
            }
            return Kind::RoundTrip;
        }
        if get(UPDATED).is_some() && content.len() == 1 {
            let rec = content[0];
            let found = log.audit.iter().find_map(|r| {
                if used.contains(&r.id)
                    || r.outcome != Some(Outcome::Approved)
                    || r.fields_written != [rec.property.clone()]
                    // A raced approval (see below) resolves nothing, even if the same review is
                    // approved for good in a later step.
                    || r.reason.as_deref().is_some_and(|s| s.contains("during the write"))
                {
                    return None;
                }
                let review = review_of(self.ev, r)?;
                (review.resolved_value.as_deref() == Some(rec.value.as_str()))
                    .then_some((r.id, review))
            });
            if found.is_none() {
                // The approval raced a person's edit: an `approved` row for the field and a
                // `conflict` row of the same review; the person's value is owed back.
                let approved = log.audit.iter().find(|r| {
                    !used.contains(&r.id)
                        && r.outcome == Some(Outcome::Approved)
                        && r.fields_written == [rec.property.clone()]
                        && r.reason
                            .as_deref()
                            .is_some_and(|s| s.contains("during the write"))
                });
                let conflict = approved.and_then(|a| {
                    log.audit.iter().find(|c| {
                        !used.contains(&c.id)
                            && c.outcome == Some(Outcome::Conflict)
                            && c.trigger == "review"
                            && c.correlation_id == a.correlation_id
                            && c.fields_written == [rec.property.clone()]
                    })
                });
                if let (Some(a), Some(c)) = (approved, conflict) {
                    used.insert(a.id);
                    used.insert(c.id);
                    let before = self
                        .fields
                        .get(&rec.property)
                        .map(|f| f.value.clone())
                        .unwrap_or_default();
                    self.restorable
                        .push((rec.property.clone(), before, a.correlation_id.clone()));
                    self.tally.approval_writes += 1;
                    return Kind::ApproveRaced;
                }
            }
            let Some((id, review)) = found else {
                self.violation(
                    k,
                    Invariant::UnauditedWrite,
                    "an approval-shaped write has no approved row",
                    format!("{} := {:?} looks like an approval but no approved row resolved to it (rows: {})", rec.property, rec.value, rows(&log.audit)),
                );
                return Kind::Unexplained;
            };
            used.insert(id);
            self.tally.approval_writes += 1;
            return Kind::Approve(review);
        }
        let only_content = !content.is_empty() && content.len() == group.len();
        if only_content {
            let mut all = true;
            for rec in &content {
                let rejected = log.audit.iter().find(|r| {
                    !used.contains(&r.id)
                        && r.outcome == Some(Outcome::Rejected)
                        && r.fields_written.contains(&rec.property)
                        && review_of(self.ev, r)
                            .is_some_and(|rv| rv.human_value.as_deref() == Some(rec.value.as_str()))
                });
                if let Some(r) = rejected {
                    used.insert(r.id);
                    continue;
                }
                let owed = self
                    .restorable
                    .iter()
                    .position(|(p, v, _)| p == &rec.property && v == &rec.value);
                let restore = owed.is_some();
                if let Some(i) = owed {
                    let (p, v, cid) = self.restorable.remove(i);
                    let reviewed = self
                        .conflict_reviews
                        .get(&(self.c, p.as_str(), cid.as_str()))
                        .is_some_and(|rs| {
                            rs.iter()
                                .any(|rv| rv.human_value.as_deref() == Some(v.as_str()))
                        });
                    if !reviewed {
                        self.tally.restores_without_conflict_review += 1;
                    }
                }
                if !restore {
                    all = false;
                    self.violation(
                        k,
                        Invariant::UnauditedWrite,
                        "a content write is neither a rejection nor a restore",
                        format!("{} := {:?} is neither a rejection's write-back nor a conflict restore (rows: {})", rec.property, rec.value, rows(&log.audit)),
                    );
                }
            }
            if all {
                self.tally.restore_writes += 1;
                return Kind::Restore;
            }
            return Kind::Unexplained;
        }
        let props: Vec<&str> = group.iter().map(|r| r.property.as_str()).collect();
        self.violation(
            k,
            Invariant::UnauditedWrite,
            "a write of an unknown shape",
            format!(
                "a write of {props:?} matches no kind of write the engine audits (rows: {})",
                rows(&log.audit)
            ),
        );
        Kind::Unexplained
    }

    /// Applies one API write to the tracked state; reports invariant 1.
    fn apply(
        &mut self,
        k: usize,
        group: &[WriteRec],
        kind: &Kind<'_>,
        race: Option<(String, String)>,
        pending: &mut Vec<(String, String)>,
    ) {
        for rec in group.iter().filter(|r| r.changed) {
            if rec.property == HASH {
                self.hash = Some(rec.value.clone());
            }
            if !is_content(&rec.property) {
                continue;
            }
            let (p, v) = (rec.property.clone(), rec.value.clone());
            let person = self
                .fields
                .get(&p)
                .filter(|f| f.person && f.value != v)
                .map(|f| f.value.clone());
            match kind {
                Kind::Restore => {
                    let owed = pending.len();
                    pending.retain(|(pp, vv)| !(pp == &p && vv == &v));
                    self.tally.races_restored += owed - pending.len();
                    self.fields.insert(
                        p,
                        Field {
                            value: v,
                            person: true,
                        },
                    );
                    continue;
                }
                Kind::Approve(review) => {
                    if let Some(h) = person {
                        let reviewed = review.human_value.clone();
                        if reviewed.as_deref() == Some(h.as_str()) {
                            self.tally.approved_over_person += 1;
                        } else {
                            let id = review.id;
                            self.violation(
                                k,
                                Invariant::HumanOverwritten,
                                "an approval replaced an edit it never reviewed",
                                format!("{p}: approving review #{id} (which reviewed {reviewed:?}) replaced {h:?}, a person's edit it never reviewed"),
                            );
                        }
                    }
                }
                Kind::RoundTrip | Kind::ApproveRaced | Kind::Unexplained => {
                    if let Some(h) = person {
                        if race.as_ref() == Some(&(p.clone(), h.clone())) {
                            pending.push((p.clone(), h));
                        } else {
                            self.violation(
                                k,
                                Invariant::HumanOverwritten,
                                "a round trip replaced a person's value",
                                format!("{p}: {h:?} (a person's value) replaced by {v:?} without approval"),
                            );
                        }
                    }
                }
            }
            self.fields.insert(
                p,
                Field {
                    value: v,
                    person: false,
                },
            );
        }
    }
}
