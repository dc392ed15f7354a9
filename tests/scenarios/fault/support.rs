//! What the fault scenarios share: sizes, lists of seeded contacts, and the exactly-once check
//! (one write per contact and input hash, each with its audit row).

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use steward_engine::Store;
use steward_engine::audit::{self, AuditFilter, AuditRecord, Outcome};
use steward_tests::stack::Stack;

/// Whether the full sizes were asked for (`STEWARD_FAULT_FULL=1`).
pub fn full() -> bool {
    std::env::var("STEWARD_FAULT_FULL").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// Generous: scenarios assert on state, never on speed.
pub const WAIT: Duration = Duration::from_secs(300);

/// Prints a figure for the report (visible with `--nocapture`).
pub fn note(scenario: &str, text: &str) {
    eprintln!("[fault:{scenario}] {text}");
}

/// Every audit row of the store, oldest first.
pub fn all_audit(store: &Store) -> anyhow::Result<Vec<AuditRecord>> {
    let mut rows = Vec::new();
    let mut before = None;
    loop {
        let page = audit::list(
            &store.conn(),
            &AuditFilter {
                before_id: before,
                limit: Some(10_000),
                ..Default::default()
            },
        )?;
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        let done = page.len() < 10_000;
        rows.extend(page);
        if done {
            break;
        }
    }
    rows.reverse();
    Ok(rows)
}

/// The values our integration wrote, per (contact, property), in the simulator's order.
pub async fn integration_writes(
    stack: &Stack,
) -> anyhow::Result<HashMap<(u64, String), Vec<String>>> {
    let stats = stack.sim_stats().await?;
    let mut out: HashMap<(u64, String), Vec<String>> = HashMap::new();
    for w in stats["writes"].as_array().into_iter().flatten() {
        if w["sourceType"] != "INTEGRATION" {
            continue;
        }
        let id = w["objectId"]
            .as_u64()
            .or_else(|| w["objectId"].as_str().and_then(|s| s.parse().ok()))
            .unwrap_or(0);
        let property = w["property"].as_str().unwrap_or_default().to_owned();
        let value = match &w["value"] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        out.entry((id, property)).or_default().push(value);
    }
    Ok(out)
}

/// What [`exactly_once`] counted, for the report.
#[derive(Debug, Default)]
pub struct OnceReport {
    /// Contacts written (one write each).
    pub written: usize,
    /// Rows of round trips that failed and were retried (or writes that never landed).
    pub failed_rows: usize,
    /// Failed rows saying an interrupted write never reached HubSpot.
    pub interrupted: usize,
}

/// For every contact of `ids`: exactly one `written` audit row and no other terminal row for
/// its input hash (failed attempts aside), no `in_flight` row left, and in HubSpot exactly one
/// write of `ai_input_hash` (that hash) and of `ai_correlation_id` (that row's ID) by our
/// integration, and no AI field written twice. So: no job lost, no contact written twice for
/// one input hash, and every write has its audit row.
pub async fn exactly_once(stack: &Stack, store: &Store, ids: &[u64]) -> anyhow::Result<OnceReport> {
    let rows = all_audit(store)?;
    let mut per_contact: BTreeMap<u64, Vec<&AuditRecord>> = BTreeMap::new();
    for r in &rows {
        per_contact.entry(r.contact_id).or_default().push(r);
    }
    let writes = integration_writes(stack).await?;
    let mut report = OnceReport::default();
    let mut problems = Vec::new();
    for id in ids {
        let rows = per_contact.get(id).map(Vec::as_slice).unwrap_or_default();
        let outcomes: Vec<&str> = rows
            .iter()
            .map(|r| r.outcome.map(Outcome::as_str).unwrap_or("?"))
            .collect();
        let written: Vec<&&AuditRecord> = rows
            .iter()
            .filter(|r| r.outcome == Some(Outcome::Written))
            .collect();
        if rows.iter().any(|r| r.outcome == Some(Outcome::InFlight)) {
            problems.push(format!(
                "contact {id}: an in-flight row was never settled: {outcomes:?}"
            ));
        }
        let [row] = written.as_slice() else {
            problems.push(format!(
                "contact {id}: {} written rows (want 1): {outcomes:?}",
                written.len()
            ));
            continue;
        };
        let hash = row.input_hash.clone().unwrap_or_default();
        for r in rows {
            match r.outcome {
                Some(Outcome::Failed) => {
                    report.failed_rows += 1;
                    if r.reason
                        .as_deref()
                        .is_some_and(|s| s.contains("interrupted"))
                    {
                        report.interrupted += 1;
                    }
                }
                Some(Outcome::Written) => {}
                _ => problems.push(format!(
                    "contact {id}: unexpected row {:?} ({:?}) beside the write of {hash}",
                    r.outcome, r.reason
                )),
            }
        }
        let hashes = writes
            .get(&(*id, "ai_input_hash".to_owned()))
            .cloned()
            .unwrap_or_default();
        if hashes != [hash.clone()] {
            problems.push(format!(
                "contact {id}: ai_input_hash written {hashes:?}, audited {hash}"
            ));
        }
        let cids = writes
            .get(&(*id, "ai_correlation_id".to_owned()))
            .cloned()
            .unwrap_or_default();
        if cids != [row.correlation_id.clone()] {
            problems.push(format!(
                "contact {id}: ai_correlation_id written {cids:?}, audited {}",
                row.correlation_id
            ));
        }
        for field in &row.fields_written {
            let n = writes.get(&(*id, field.clone())).map(Vec::len).unwrap_or(0);
            if n != 1 {
                problems.push(format!("contact {id}: {field} written {n} times"));
            }
        }
        report.written += 1;
    }
    // Nothing else was written: every integration write belongs to a listed contact.
    for (contact, property) in writes.keys() {
        if !ids.contains(contact) {
            problems.push(format!(
                "an unexpected write of {property} on contact {contact}"
            ));
        }
    }
    if !problems.is_empty() {
        let shown: Vec<&String> = problems.iter().take(20).collect();
        anyhow::bail!(
            "{} problem(s), e.g.:\n{}",
            problems.len(),
            shown
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    Ok(report)
}
