//! How each action is carried out: a person's edit through the simulator's admin API, an AI
//! run as a pipeline work item, an admin's edited value, and an unpaced HubSpot client.

use std::time::Duration;

use steward_engine::jobs::Trigger;
use steward_engine::pipeline::{DryRun, Mode, WorkItem};
use steward_tests::stack::PORTAL;

use super::evidence::Admin;
use super::schedule::{Edit, Run, RunMode, edit_value};

/// A HubSpot client without client-side pacing (the simulator runs without rate limits here;
/// the pacer is tested elsewhere and would hold 10,000 schedules to ~10 requests a second).
pub fn unpaced(
    tokens: &hubspot::TokenSource,
    base: &str,
) -> anyhow::Result<hubspot::HubSpotClient> {
    Ok(hubspot::HubSpotClient::builder(tokens.clone())
        .base_url(base)
        .rate_limit(hubspot::RateLimit {
            max: 1_000_000,
            per: Duration::from_secs(1),
        })
        .build()?)
}

/// The pipeline's work item for a run of `contact` at step `k` (its trigger ref names the step
/// and pass, so an audit row shows which one it came from).
pub fn work_item(contact: u64, run: &Run, k: usize, first: bool) -> WorkItem {
    WorkItem {
        contact_id: contact,
        trigger: Trigger::Manual,
        trigger_ref: Some(format!(
            "model:step{k}:{}",
            if first { "run" } else { "rerun" }
        )),
        run_id: None,
        mode: match run.mode {
            RunMode::Live => Mode::LIVE,
            RunMode::Force => Mode {
                dry_run: DryRun::No,
                force: true,
            },
            RunMode::Dry => Mode {
                dry_run: DryRun::Yes,
                force: false,
            },
        },
    }
}

/// Carries out edit `i` of step `k` on contact `c`.
pub async fn apply_edit(admin: &Admin, c: u64, e: &Edit, k: usize, i: usize) -> anyhow::Result<()> {
    let (property, value) = edit_value(e, k, i);
    let edit = |user: u64| serde_json::json!({"portalId": PORTAL, "contactId": c, "property": property, "value": value, "userId": user});
    match e {
        Edit::Activity => {
            admin
                .post(
                    "/_sim/engagements",
                    serde_json::json!({"portalId": PORTAL, "contactId": c, "type": "note",
                        "body": format!("Call at step {k}: they asked about pricing and a demo for the team.")}),
                )
                .await
        }
        Edit::Race { user, .. } => admin.post("/_sim/hooks/before-write", edit(*user)).await,
        Edit::Content { user, .. } | Edit::Clear { user, .. } => {
            admin.post("/_sim/human-edit", edit(*user)).await
        }
        Edit::Input { .. } | Edit::ClearHash => admin.post("/_sim/human-edit", edit(41)).await,
    }
}

/// A valid value an admin might type when editing a proposal before approving it.
pub fn edited_value(property: &str, contact: u64, k: usize) -> String {
    match property {
        "ai_generated_score" => ((contact as usize * 7 + k * 17) % 101).to_string(),
        "ai_next_best_action_confidence" => "0.5".into(),
        "ai_intent_signals" => "pricing_interest".into(),
        "ai_next_best_action" => format!("Admin: send the case study (step {k})"),
        _ => format!("The admin's own wording at step {k}."),
    }
}

/// CPU time of this process so far (Linux; 0 elsewhere), to size the default run for CI.
pub fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}
