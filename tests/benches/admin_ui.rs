//! The admin screens at 1,000,000 audit rows: how long the engine's queries take (p50/p95/max)
//! and, with `STEWARD_BENCH_WINDOW=1` under a display, how long the real window takes from a
//! click to the rendered Reviews page and contact provenance page.
//!
//! ```text
//! CARGO_TARGET_DIR=… cargo bench -p steward-tests --bench admin_ui --features ui-e2e
//! STEWARD_BENCH_WINDOW=1 xvfb-run -a cargo bench -p steward-tests --bench admin_ui --features ui-e2e
//! ```
//! `STEWARD_BENCH_ROWS` changes the audit size (default 1,000,000).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use steward_engine::audit::{self, AuditFilter, AuditRecord, Outcome};
use steward_engine::changes::Snapshot;
use steward_engine::clock::now_ms;
use steward_engine::contact_search;
use steward_engine::contact_view;
use steward_engine::insights::{self, InsightsQuery};
use steward_engine::jobs::Trigger;
use steward_engine::pipeline::{self, Mode, PipelineContext, WorkItem};
use steward_engine::provenance;
use steward_engine::review_board::{self, ReviewQuery};
use steward_engine::reviews::{self, NewReview, ReviewKind};
use steward_engine::writer::Writer;
use steward_engine::{DataDir, Store};
use steward_tests::desktop::DesktopApp;
use steward_tests::seed;
use steward_tests::stack::{APP_ID, PORTAL, Stack, StackOptions};

const PAT: &str = "pat-na1-bench-0123456789";
/// Contacts enriched for real through the simulator (their provenance is measured).
const REAL_CONTACTS: usize = 12;

struct Stats {
    name: String,
    n: usize,
    p50: f64,
    p95: f64,
    max: f64,
}

fn stats(name: &str, mut ms: Vec<f64>) -> Stats {
    ms.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| ms[((ms.len() as f64 * q).ceil() as usize).clamp(1, ms.len()) - 1];
    Stats {
        name: name.to_owned(),
        n: ms.len(),
        p50: at(0.5),
        p95: at(0.95),
        max: *ms.last().unwrap(),
    }
}

fn time<T>(n: usize, mut f: impl FnMut(usize) -> T) -> Vec<f64> {
    (0..n)
        .map(|i| {
            let t = Instant::now();
            std::hint::black_box(f(i));
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect()
}

fn print(title: &str, rows: &[Stats]) {
    println!("\n{title}");
    println!("| measurement | n | p50 ms | p95 ms | max ms |");
    println!("|---|---:|---:|---:|---:|");
    for s in rows {
        println!(
            "| {} | {} | {:.2} | {:.2} | {:.2} |",
            s.name, s.n, s.p50, s.p95, s.max
        );
    }
}

async fn round_trip(ctx: &PipelineContext, ids: &[u64]) -> anyhow::Result<()> {
    let items = ids
        .iter()
        .map(|&contact_id| WorkItem {
            contact_id,
            trigger: Trigger::Live,
            trigger_ref: Some("bench".into()),
            run_id: None,
            mode: Mode::LIVE,
        })
        .collect();
    pipeline::process_chunk(ctx, items).await?;
    Ok(())
}

/// `rows` synthetic audit rows over 90 days for 50,000 contacts, in the proportions a busy
/// portal sees, plus 2,000 reviews (500 still pending). Returns the seconds it took.
fn fill(store: &Store, rows: usize) -> anyhow::Result<f64> {
    let started = Instant::now();
    let now = now_ms();
    let span = 90 * 86_400_000_i64;
    let outcomes = [
        (Outcome::Unchanged, 45),
        (Outcome::Written, 38),
        (Outcome::Guarded, 6),
        (Outcome::Failed, 4),
        (Outcome::InvalidOutput, 2),
        (Outcome::DryRun, 3),
        (Outcome::Approved, 1),
        (Outcome::Rejected, 1),
    ];
    let wheel: Vec<Outcome> = outcomes
        .iter()
        .flat_map(|(o, n)| std::iter::repeat_n(*o, *n))
        .collect();
    let mut conn = store.conn();
    let mut done = 0;
    while done < rows {
        let tx = conn.transaction()?;
        let batch = (rows - done).min(100_000);
        for i in done..done + batch {
            let outcome = wheel[i % wheel.len()];
            let llm = !matches!(
                outcome,
                Outcome::Unchanged | Outcome::Approved | Outcome::Rejected
            );
            audit::insert(
                &tx,
                &AuditRecord {
                    correlation_id: format!("{:016x}", (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
                    portal_id: PORTAL,
                    contact_id: 5_000_000 + (i as u64 * 7_919) % 50_000,
                    trigger: if i % 4 == 0 { "batch" } else { "live" }.into(),
                    input_hash: Some("0".repeat(64)),
                    prompt_version: Some(1),
                    model: Some("gpt-4o-mini@prompt-v1".into()),
                    tokens_in: if llm { 600 } else { 0 },
                    tokens_out: if llm { 90 } else { 0 },
                    cost_micros: if llm { 144 } else { 0 },
                    fetch_ms: 40,
                    llm_ms: if llm { 900 } else { 0 },
                    write_ms: 60,
                    outcome: Some(outcome),
                    reason: (outcome == Outcome::Guarded)
                        .then(|| "kept the newer human value of ai_summary; review raised".into()),
                    fields_written: if outcome == Outcome::Written {
                        vec!["ai_summary".into(), "ai_generated_score".into()]
                    } else {
                        Vec::new()
                    },
                    proposal: llm.then(|| serde_json::json!({"ai_summary": "Asked for pricing.", "ai_generated_score": "71"})),
                    ..Default::default()
                },
                // Oldest first, so ids grow with time as they do in the app.
                now - span + (span * i as i64) / rows as i64,
            )?;
        }
        tx.commit()?;
        done += batch;
    }
    let ann = Writer::Person {
        user_id: Some(42),
        source_type: "CRM_UI".into(),
    };
    let fields = ["ai_summary", "ai_generated_score", "ai_next_best_action"];
    let tx = conn.transaction()?;
    for i in 0..2_000_u64 {
        let id = reviews::raise(
            &tx,
            &NewReview {
                portal_id: PORTAL,
                contact_id: 5_000_000 + i,
                property: fields[(i % 3) as usize],
                kind: if i % 10 == 0 {
                    ReviewKind::Conflict
                } else {
                    ReviewKind::Guarded
                },
                human_value: "Renewal talks paused until Q3; Ann owns this.",
                human_writer: &ann,
                human_at: now - 86_400_000,
                proposed_value: "Asked for pricing for 40 seats and a security review.",
                correlation_id: &format!("{i:016x}"),
                input_hash: &format!("{i}"),
                model: "gpt-4o-mini@prompt-v1",
            },
            now - (2_000 - i as i64) * 60_000,
        )?;
        if i < 1_500
            && let Some(id) = id
        {
            let status = if i % 2 == 0 {
                reviews::ReviewStatus::Approved
            } else {
                reviews::ReviewStatus::Rejected
            };
            reviews::resolve(&tx, id, status, None, now)?;
        }
    }
    tx.commit()?;
    Ok(started.elapsed().as_secs_f64())
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let rows: usize = std::env::var("STEWARD_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let stack = Stack::start(StackOptions {
        private_app_token: Some(PAT.into()),
        ..StackOptions::default()
    })
    .await?;
    let root = tempfile::tempdir()?;
    let dir = DataDir::at(DesktopApp::steward_dir(root.path()))?;
    let store = seed::connected_data_dir(&stack, dir.root())?;
    let ctx = PipelineContext {
        store: store.clone(),
        ..stack.ctx.clone()
    };

    // Real contacts: enriched, then half of them edited by a person and guarded.
    let mut real = Vec::new();
    for i in 0..REAL_CONTACTS {
        real.push(
            stack
                .create_contact(serde_json::json!({"email": format!("bench-{i}@acme.example"), "firstname": "Bench", "lastname": format!("Contact {i}"), "company": "Acme"}))
                .await?,
        );
    }
    round_trip(&ctx, &real).await?;
    for &id in &real[..REAL_CONTACTS / 2] {
        stack
            .human_edit(id, "ai_summary", "A person's own words.", 42)
            .await?;
        stack
            .human_edit(id, "company", "Acme International", 42)
            .await?;
    }
    round_trip(&ctx, &real[..REAL_CONTACTS / 2]).await?;
    let fill_s = fill(&store, rows)?;
    let db_mb = std::fs::metadata(dir.database())?.len() as f64 / 1e6;
    println!(
        "seeded {rows} audit rows + 2,000 reviews (500 pending) in {fill_s:.1} s; database {db_mb:.0} MB; {} real contacts",
        real.len()
    );

    // Engine queries, as the Tauri commands call them.
    let now = now_ms();
    let contact = real[0];
    let names: Vec<&str> = steward_engine::fields::AI_FIELDS
        .iter()
        .map(|f| f.name)
        .collect();
    let fetched = ctx
        .hubspot
        .get_contact(
            &contact.to_string(),
            &hubspot::ReadOptions::properties(names.clone()).with_history(names),
        )
        .await?;
    let mut engine = vec![
        stats(
            "reviews page (20 newest pending)",
            time(300, |_| {
                review_board::board(
                    &store.conn(),
                    &ReviewQuery {
                        limit: Some(20),
                        ..Default::default()
                    },
                    now,
                )
                .unwrap()
            }),
        ),
        stats(
            "reviews page, field + age filter",
            time(300, |_| {
                review_board::board(
                    &store.conn(),
                    &ReviewQuery {
                        property: Some("ai_summary".into()),
                        older_than_ms: Some(3_600_000),
                        limit: Some(20),
                        ..Default::default()
                    },
                    now,
                )
                .unwrap()
            }),
        ),
        stats(
            "provenance, engine part (classify + audit of the contact)",
            time(300, |_| {
                provenance::from_contact(&fetched, &store, PORTAL, APP_ID, contact).unwrap()
            }),
        ),
    ];
    let mid = rows as i64 / 2;
    let filters: Vec<(&str, AuditFilter)> = vec![
        (
            "activity: first page (200)",
            AuditFilter {
                limit: Some(200),
                ..Default::default()
            },
        ),
        (
            "activity: keyset page mid-table",
            AuditFilter {
                before_id: Some(mid),
                limit: Some(200),
                ..Default::default()
            },
        ),
        (
            "activity: outcome = guarded",
            AuditFilter {
                outcome: Some(Outcome::Guarded),
                limit: Some(200),
                ..Default::default()
            },
        ),
        (
            "activity: rare outcome = rejected",
            AuditFilter {
                outcome: Some(Outcome::Rejected),
                limit: Some(200),
                ..Default::default()
            },
        ),
        (
            "activity: one contact",
            AuditFilter {
                contact_id: Some(5_000_123),
                limit: Some(200),
                ..Default::default()
            },
        ),
        (
            "activity: correlation ID",
            AuditFilter {
                correlation_id: Some(format!(
                    "{:016x}",
                    777_u64.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                )),
                limit: Some(200),
                ..Default::default()
            },
        ),
        (
            "activity: last 24 h",
            AuditFilter {
                since_ms: Some(now - 86_400_000),
                limit: Some(200),
                ..Default::default()
            },
        ),
    ];
    for (name, f) in &filters {
        engine.push(stats(
            name,
            time(100, |_| audit::list(&store.conn(), f).unwrap()),
        ));
    }
    engine.push(stats(
        "activity: count, no filter",
        time(20, |_| {
            audit::count(&store.conn(), &AuditFilter::default()).unwrap()
        }),
    ));
    engine.push(stats(
        "activity: count, outcome = guarded",
        time(20, |_| audit::count(&store.conn(), &filters[2].1).unwrap()),
    ));
    engine.push(stats(
        "activity: charts, 90 days",
        time(100, |_| {
            insights::daily(
                &store.conn(),
                &InsightsQuery {
                    days: Some(90),
                    utc_offset_minutes: Some(0),
                },
                now,
            )
            .unwrap()
        }),
    ));
    let month = steward_engine::settings_api::month_start_ms(now);
    engine.push(stats(
        "settings: this month's LLM spend (also the budget check)",
        time(100, |_| audit::cost_since(&store.conn(), month).unwrap()),
    ));
    engine.push(stats(
        "live-update snapshot (every 500 ms)",
        time(300, |_| Snapshot::read(&store.conn()).unwrap()),
    ));
    engine.push(stats(
        "contacts: recent list (local part)",
        time(100, |_| {
            contact_search::recent_contacts(&store.conn(), PORTAL, 20).unwrap()
        }),
    ));
    print(&format!("Engine queries at {rows} audit rows"), &engine);

    // Through HTTP to the in-process simulator: what the provenance command does end to end.
    // A person clicks seconds apart; back to back, the client's pacer (HubSpot's 110 requests
    // per 10 s, one at a time) would add ~100 ms per read, which is not what a click costs.
    let mut http = Vec::new();
    for i in 0..60 {
        let id = real[i % real.len()];
        tokio::time::sleep(Duration::from_millis(150)).await;
        let t = Instant::now();
        let d = contact_view::contact_detail(&ctx, Some("app.hubspot.com"), id).await?;
        assert_eq!(d.contact_id, id);
        http.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    print(
        "Engine + HubSpot (simulator on loopback)",
        &[stats(
            "contact provenance page (one GET with history + local)",
            http,
        )],
    );

    if std::env::var_os("STEWARD_BENCH_WINDOW").is_some() {
        window(root, &stack, &real).await?;
    } else {
        println!("\n(real-window timings skipped: set STEWARD_BENCH_WINDOW=1 under a display)");
    }
    Ok(())
}

/// Measures inside the real window: Tauri IPC round trips and click-to-rendered times.
async fn window(root: tempfile::TempDir, stack: &Stack, real: &[u64]) -> anyhow::Result<()> {
    let _ = stack;
    let app = DesktopApp::launch_in(
        root,
        &[
            ("STEWARD_HUBSPOT_PRIVATE_APP_TOKEN", PAT),
            ("STEWARD_LLM_API_KEY", "sk-bench"),
            ("STEWARD_NO_BROWSER", "1"),
        ],
    )
    .await?;
    app.client
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(Duration::from_secs(300)),
            None,
            Some(Duration::ZERO),
        ))
        .await?;
    app.open_screen("settings").await?;
    let script = r#"
const [a, b, ids, done] = [arguments[0], arguments[1], arguments[2], arguments[arguments.length - 1]];
const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
const until = async (ok) => { while (!ok()) await frame(); };
const q = (s) => document.querySelector(s);
const inv = window.__TAURI_INTERNALS__.invoke;
(async () => {
  const out = { ipc_reviews: [], ipc_contact: [], ui_reviews: [], ui_reviews_dom: [], ui_contact: [], ui_contact_dom: [] };
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    await inv("review_board", { query: { limit: 20 } });
    out.ipc_reviews.push(performance.now() - t);
  }
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 150));
    const t = performance.now();
    await inv("contact_detail", { contactId: ids[i % ids.length] });
    out.ipc_contact.push(performance.now() - t);
  }
  for (let i = 0; i < 30; i++) {
    q("[data-testid='nav-settings']").click();
    await until(() => q("[data-testid='settings-facts']"));
    await new Promise((r) => setTimeout(r, 30));
    const t = performance.now();
    let inDom = 0;
    const seen = new MutationObserver(() => {
      if (!inDom && q("[data-testid^='review-']")) inDom = performance.now() - t;
    });
    seen.observe(document.body, { childList: true, subtree: true });
    q("[data-testid='nav-reviews']").click();
    await until(() => q("[data-testid^='review-']"));
    out.ui_reviews.push(performance.now() - t);
    seen.disconnect();
    out.ui_reviews_dom.push(inDom || performance.now() - t);
  }
  q("[data-testid='nav-contacts']").click();
  await until(() => q("input[type='search']"));
  const input = q("input[type='search']");
  const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set;
  setter.call(input, "bench-");
  input.dispatchEvent(new Event("input", { bubbles: true }));
  await until(() => q(`[data-testid='hit-${a}']`) && q(`[data-testid='hit-${b}']`));
  for (let i = 0; i < 30; i++) {
    const id = i % 2 ? a : b;
    await new Promise((r) => setTimeout(r, 150));
    const t = performance.now();
    const shown = () => {
      const p = q("[data-testid='contact-panel']");
      return p && p.textContent.includes(`id ${id}`) && q("[data-testid='field-ai_summary']");
    };
    let inDom = 0;
    const seen = new MutationObserver(() => {
      if (!inDom && shown()) inDom = performance.now() - t;
    });
    seen.observe(document.body, { childList: true, subtree: true, characterData: true });
    q(`[data-testid='hit-${id}']`).click();
    await until(shown);
    out.ui_contact.push(performance.now() - t);
    seen.disconnect();
    out.ui_contact_dom.push(inDom || performance.now() - t);
  }
  done(out);
})().catch((e) => done({ error: String(e) }));
"#;
    let out = app
        .client
        .execute_async(
            script,
            vec![
                serde_json::json!(real[0]),
                serde_json::json!(real[1]),
                serde_json::json!(real),
            ],
        )
        .await?;
    anyhow::ensure!(
        out.get("error").is_none(),
        "in-page measurement failed: {out}"
    );
    let series = |k: &str| -> Vec<f64> {
        out[k]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_f64()).collect())
            .unwrap_or_default()
    };
    print(
        "Real window (WebKitGTK under Xvfb, debug build)",
        &[
            stats(
                "IPC: review_board (20 items, the first page)",
                series("ipc_reviews"),
            ),
            stats(
                "IPC: contact_detail (HubSpot GET + local)",
                series("ipc_contact"),
            ),
            stats(
                "UI: click Reviews → cards in the DOM",
                series("ui_reviews_dom"),
            ),
            stats(
                "UI: click Reviews → next frame (painted)",
                series("ui_reviews"),
            ),
            stats(
                "UI: click a contact → provenance in the DOM",
                series("ui_contact_dom"),
            ),
            stats(
                "UI: click a contact → next frame (painted)",
                series("ui_contact"),
            ),
        ],
    );
    app.close().await
}
