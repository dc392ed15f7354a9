//! Runs schedules in lockstep over one simulator: step k of every schedule executes together —
//! first the people's edits (and armed race edits), then every AI run of the step batched into
//! chunks of ≤ 50 (random sizes, random order, several chunks at once; crashing chunks through
//! the crash proxy), then reruns (duplicates, and the job system's retry after a crash), then
//! the admin's review decisions. The evidence of each step is collected before the next.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use steward_engine::pipeline::{self, DryRun, PipelineContext, WorkItem};
use steward_engine::review_actions::{self, ReviewError};
use steward_engine::reviews::{self, ReviewStatus};
use steward_tests::stack::{PORTAL, Stack};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::actions::{apply_edit, cpu_seconds, edited_value, unpaced, work_item};
use super::crash::CrashProxy;
use super::evidence::{Admin, Cursors, Evidence, StepLog};
use super::rng::Rng;
use super::schedule::{Crash, Decision, Edit, Main, Run, RunMode, Schedule};

/// Chunks of one pass running at once: a few more than the 2 cores, so one chunk's HTTP waits
/// overlap another's work.
const CHUNKS_AT_ONCE: usize = 6;
/// Concurrent admin-API calls (edits) and review decisions.
const CALLS_AT_ONCE: usize = 32;

/// What the executor did, for the report and the liveness checks.
#[derive(Debug, Default, Clone)]
pub struct Counters {
    pub steps: usize,
    pub edits: usize,
    pub races_armed: usize,
    pub runs: usize,
    pub reruns: usize,
    pub chunks: usize,
    pub hard_crashes: usize,
    /// Outcomes of first-pass live/forced runs whose results were not dropped.
    pub outcomes: BTreeMap<String, usize>,
    pub decisions: BTreeMap<String, usize>,
    pub decision_errors: Vec<String>,
    /// Wall time per phase: edits, first pass, reruns, decisions, evidence.
    pub phase_time: [Duration; 5],
    /// CPU seconds per phase (this process: simulator and engine alike).
    pub phase_cpu: [f64; 5],
}

/// The executor: an unpaced pipeline context on the stack's store, the simulator's admin API,
/// and cursors into the engine's tables that survive across runs (the shrinker replays on the
/// same stack).
pub struct Model {
    pub ctx: PipelineContext,
    pub admin: Admin,
    pub seed: u64,
    sim_addr: SocketAddr,
    tokens: hubspot::TokenSource,
    cursors: Cursors,
    pub counters: Counters,
}

impl Model {
    pub fn new(stack: &Stack, seed: u64) -> anyhow::Result<Self> {
        let mut ctx = stack.ctx.clone();
        ctx.hubspot = unpaced(&stack.tokens, &stack.sim.base_url())?;
        // The model checks the engine's logic; fsync per audit row only measures the disk.
        stack
            .store
            .conn()
            .execute_batch("PRAGMA synchronous = OFF")?;
        Ok(Self {
            cursors: Cursors::at_start(&ctx.store)?,
            ctx,
            admin: Admin {
                http: stack.http.clone(),
                base: stack.sim.base_url(),
            },
            seed,
            sim_addr: stack.sim.addr(),
            tokens: stack.tokens.clone(),
            counters: Counters::default(),
        })
    }

    /// Runs `plan` (contact, schedule) in lockstep and returns the evidence.
    pub async fn run(&mut self, plan: &[(u64, Schedule)]) -> anyhow::Result<Evidence> {
        let steps = plan.iter().map(|(_, s)| s.steps.len()).max().unwrap_or(0);
        self.admin
            .post("/_sim/reset-stats", serde_json::json!({}))
            .await?;
        let mut ev = Evidence::default();
        let mut raised: HashMap<u64, Vec<i64>> = HashMap::new();
        for k in 0..steps {
            let mut rng = Rng::derive(self.seed, u64::MAX, k as u64);
            // Every audit row of this step is created after this instant (1 ms of slack).
            let step_started_ms = steward_engine::clock::now_ms() - 1;
            let (mut t, mut cpu) = (Instant::now(), cpu_seconds());
            let mut lap = |i: usize, c: &mut Counters| {
                c.phase_time[i] += t.elapsed();
                c.phase_cpu[i] += cpu_seconds() - cpu;
                (t, cpu) = (Instant::now(), cpu_seconds());
            };
            self.edits(plan, k).await?;
            lap(0, &mut self.counters);
            let runs: Vec<(u64, Run)> = plan
                .iter()
                .filter_map(|(c, s)| match s.steps.get(k)?.main {
                    Main::Run(r) => Some((*c, r)),
                    _ => None,
                })
                .collect();
            let forced = runs
                .iter()
                .filter(|(_, r)| r.mode == RunMode::Force)
                .map(|(c, _)| *c)
                .collect();
            let crashed = self.pass(&mut rng, &runs, k, true).await?;
            lap(1, &mut self.counters);
            let again: Vec<(u64, Run)> = runs
                .iter()
                .filter(|(_, r)| r.dup || r.crash != Crash::None)
                .copied()
                .collect();
            self.pass(&mut rng, &again, k, false).await?;
            lap(2, &mut self.counters);
            for r in self.cursors.new_reviews(&self.ctx.store)? {
                raised.entry(r.contact_id).or_default().push(r.id);
                ev.reviews.insert(r.id, r);
            }
            self.decide(plan, k, &raised).await?;
            lap(3, &mut self.counters);
            for r in self.cursors.new_reviews(&self.ctx.store)? {
                raised.entry(r.contact_id).or_default().push(r.id);
                ev.reviews.insert(r.id, r);
            }
            let mut logs: HashMap<u64, StepLog> = HashMap::new();
            for w in self.admin.take_writes(PORTAL).await? {
                logs.entry(w.contact).or_default().writes.push(w);
            }
            for a in self
                .cursors
                .new_audit_rows(&self.ctx.store, step_started_ms)?
            {
                logs.entry(a.contact_id).or_default().audit.push(a);
            }
            lap(4, &mut self.counters);
            ev.steps.push(logs);
            ev.forced.push(forced);
            ev.crashed.push(crashed);
            self.counters.steps += 1;
        }
        let conn = self.ctx.store.conn();
        for (id, r) in ev.reviews.iter_mut() {
            if let Some(fresh) = reviews::get(&conn, *id)? {
                *r = fresh;
            }
        }
        Ok(ev)
    }

    async fn edits(&mut self, plan: &[(u64, Schedule)], k: usize) -> anyhow::Result<()> {
        let sem = Arc::new(Semaphore::new(CALLS_AT_ONCE));
        let mut set = JoinSet::new();
        for (c, s) in plan {
            let Some(step) = s.steps.get(k).filter(|s| !s.edits.is_empty()) else {
                continue;
            };
            self.counters.edits += step.edits.len();
            self.counters.races_armed += step
                .edits
                .iter()
                .filter(|e| matches!(e, Edit::Race { .. }))
                .count();
            let (edits, admin, sem, c) = (step.edits.clone(), self.admin.clone(), sem.clone(), *c);
            set.spawn(async move {
                let _permit = sem.acquire_owned().await?;
                for (i, e) in edits.iter().enumerate() {
                    apply_edit(&admin, c, e, k, i).await?;
                }
                anyhow::Ok(())
            });
        }
        while let Some(r) = set.join_next().await {
            r??;
        }
        Ok(())
    }

    /// One pass of AI runs. Returns the contacts whose round trip was cut short by a crash.
    async fn pass(
        &mut self,
        rng: &mut Rng,
        runs: &[(u64, Run)],
        k: usize,
        first: bool,
    ) -> anyhow::Result<HashSet<u64>> {
        let mut order = runs.to_vec();
        rng.shuffle(&mut order);
        let (hard, normal): (Vec<_>, Vec<_>) = order
            .into_iter()
            .partition(|(_, r)| first && r.crash == Crash::AfterWrite);
        let mut chunks: Vec<(bool, Vec<(WorkItem, bool)>)> = Vec::new();
        for (crash, group) in [(true, hard), (false, normal)] {
            let mut rest = group.as_slice();
            while !rest.is_empty() {
                let size = (20 + rng.below(31)).min(rest.len());
                let (chunk, tail) = rest.split_at(size);
                rest = tail;
                let items = chunk
                    .iter()
                    .map(|(c, r)| {
                        let dropped = first && r.crash == Crash::BeforeSettle;
                        (work_item(*c, r, k, first), dropped)
                    })
                    .collect();
                chunks.push((crash, items));
            }
        }
        self.counters.chunks += chunks.len();
        if first {
            self.counters.runs += runs.len();
        } else {
            self.counters.reruns += runs.len();
        }
        let sem = Arc::new(Semaphore::new(CHUNKS_AT_ONCE));
        let mut set = JoinSet::new();
        for (crash, items) in chunks {
            let sem = sem.clone();
            let ctx = if crash { None } else { Some(self.ctx.clone()) };
            let base_ctx = self.ctx.clone();
            let (addr, tokens) = (self.sim_addr, self.tokens.clone());
            set.spawn(async move {
                let _permit = sem.acquire_owned().await?;
                let ids: Vec<u64> = items.iter().map(|(i, _)| i.contact_id).collect();
                let dropped: HashSet<u64> = items
                    .iter()
                    .filter(|(_, d)| *d)
                    .map(|(i, _)| i.contact_id)
                    .collect();
                let work: Vec<WorkItem> = items.into_iter().map(|(i, _)| i).collect();
                if let Some(ctx) = ctx {
                    let results = pipeline::process_chunk(&ctx, work).await?;
                    let kept = results
                        .into_iter()
                        .filter(|(i, _)| !dropped.contains(&i.contact_id))
                        .map(|(i, r)| (i, outcome_label(&r)))
                        .collect();
                    return anyhow::Ok((Vec::new(), kept));
                }
                let proxy = CrashProxy::start(addr).await?;
                let mut ctx = base_ctx;
                ctx.hubspot = unpaced(&tokens, &proxy.url)?;
                tokio::select! {
                    r = pipeline::process_chunk(&ctx, work) => {
                        // Nothing to write: the round trip ended before the crash point.
                        r?;
                        anyhow::Ok((Vec::new(), Vec::new()))
                    }
                    () = proxy.tripped() => anyhow::Ok((ids, Vec::new())),
                }
            });
        }
        let mut crashed = HashSet::new();
        while let Some(r) = set.join_next().await {
            let (cut, kept) = r??;
            self.counters.hard_crashes += usize::from(!cut.is_empty());
            crashed.extend(cut);
            if first {
                for (item, outcome) in kept {
                    if item.mode.dry_run == DryRun::No {
                        *self.counters.outcomes.entry(outcome).or_default() += 1;
                    }
                }
            }
        }
        Ok(crashed)
    }

    /// The admin decides on one pending review per contact whose step says so.
    async fn decide(
        &mut self,
        plan: &[(u64, Schedule)],
        k: usize,
        raised: &HashMap<u64, Vec<i64>>,
    ) -> anyhow::Result<()> {
        let sem = Arc::new(Semaphore::new(CALLS_AT_ONCE));
        let mut set = JoinSet::new();
        for (c, s) in plan {
            let Some(Main::Review(decision)) = s.steps.get(k).map(|s| s.main) else {
                continue;
            };
            let pending: Vec<(i64, String)> = {
                let conn = self.ctx.store.conn();
                let mut out = Vec::new();
                for id in raised.get(c).into_iter().flatten() {
                    if let Some(r) = reviews::get(&conn, *id)?
                        && r.status == ReviewStatus::Pending
                    {
                        out.push((r.id, r.property));
                    }
                }
                out
            };
            if pending.is_empty() {
                *self
                    .counters
                    .decisions
                    .entry("nothing pending".into())
                    .or_default() += 1;
                continue;
            }
            let mut rng = Rng::derive(self.seed, s.salt, 1_000 + k as u64);
            let (id, property) = pending[rng.below(pending.len())].clone();
            let (ctx, sem, c) = (self.ctx.clone(), sem.clone(), *c);
            set.spawn(async move {
                let _permit = sem.acquire_owned().await?;
                let result = match decision {
                    Decision::Approve => review_actions::approve(&ctx, id, None).await,
                    Decision::Reject => review_actions::reject(&ctx, id).await,
                    Decision::EditApprove => {
                        let v = edited_value(&property, c, k);
                        review_actions::approve(&ctx, id, Some(&v)).await
                    }
                };
                let label = match &result {
                    Ok(_) => format!("{decision:?}"),
                    Err(ReviewError::Stale { .. }) => format!("{decision:?} refused as stale"),
                    Err(e) => format!("{decision:?} failed: {e}"),
                };
                anyhow::Ok((
                    label,
                    result.is_ok() || matches!(result, Err(ReviewError::Stale { .. })),
                ))
            });
        }
        while let Some(r) = set.join_next().await {
            let (label, expected) = r??;
            if !expected {
                self.counters.decision_errors.push(label.clone());
            }
            *self.counters.decisions.entry(label).or_default() += 1;
        }
        Ok(())
    }
}

/// `written`, `guarded` … or `retry` / `deferred` for results without an audit outcome.
fn outcome_label(r: &pipeline::ItemResult) -> String {
    match r {
        pipeline::ItemResult::Done { outcome, .. } => outcome.as_str().to_owned(),
        pipeline::ItemResult::Retry { reason } => format!("retry: {reason}"),
        pipeline::ItemResult::Deferred { pause } => format!("deferred: {}", pause.message()),
    }
}
