//! What a scenario measured, printed as the benchmark's output.

use std::time::Duration;

use super::Summary;

/// The targets at 100 events/s.
pub const TARGET_P50_MS: f64 = 300.0;
pub const TARGET_P99_MS: f64 = 1000.0;

/// What the sender did.
pub struct Sent {
    pub ok: u64,
    pub failed: u64,
    /// Longest delay of a send behind its schedule.
    pub max_lag: Duration,
    pub elapsed: Duration,
}

/// One scenario's figures.
pub struct Report {
    /// The scenario (the simulator's rate limit).
    pub label: String,
    pub sent: Sent,
    pub written: usize,
    /// Probes without a write-back when the run ended.
    pub missing: usize,
    /// Edit → write-back, ms.
    pub latency: Option<Summary>,
    /// Edit → relay, relay → inbox, debounce, ready → write (ms).
    pub stages: [Option<Summary>; 4],
    /// The audit rows' chunk reads, LLM call and guarded write (ms).
    pub audit_phases: [Option<Summary>; 3],
    /// Write-backs per second that landed while edits were still being sent.
    pub throughput_in_window: f64,
    /// Write-backs per second from the first edit to the last write-back.
    pub throughput_overall: f64,
    /// HubSpot API requests the simulator counted, in total and per route.
    pub calls: u64,
    pub routes: Vec<(String, u64)>,
    /// 429s the simulator sent and the engine's client received.
    pub sim_429: u64,
    pub client_429: u64,
    pub llm_calls: u64,
    /// How long each `GET /_sim/stats` took (ms): the measurement's own cost.
    pub stats_calls: Option<Summary>,
    /// Writes the simulator's bounded log dropped before the bench saw them.
    pub lost_writes: u64,
    /// Events the engine leased from the relay, and how many of them were echoes.
    pub leased: u64,
    pub echoes: u64,
}

fn fmt(s: &Option<Summary>) -> String {
    match s {
        Some(s) => format!(
            "p50 {:.0} · p90 {:.0} · p99 {:.0} · max {:.0} · mean {:.0}",
            s.p50, s.p90, s.p99, s.max, s.mean
        ),
        None => "—".into(),
    }
}

/// Prints one scenario's figures and its verdict on the targets.
pub fn print(r: &Report) {
    let written = r.written.max(1) as f64;
    println!(
        "events sent        {} ({} failed) in {:.1} s = {:.1}/s offered (max send lag {} ms)",
        r.sent.ok,
        r.sent.failed,
        r.sent.elapsed.as_secs_f64(),
        r.sent.ok as f64 / r.sent.elapsed.as_secs_f64().max(1e-9),
        r.sent.max_lag.as_millis()
    );
    println!(
        "written            {} (no write-back: {})",
        r.written, r.missing
    );
    println!(
        "relay → engine     {} events leased, {} of them echoes of our own ai_* writes",
        r.leased, r.echoes
    );
    println!("latency ms         {}", fmt(&r.latency));
    let names = ["edit → relay", "relay → inbox", "debounce", "ready → write"];
    for (name, s) in names.iter().zip(&r.stages) {
        println!("  {name:<16} {}", fmt(s));
    }
    for (name, s) in ["chunk reads", "LLM call", "guarded write"]
        .iter()
        .zip(&r.audit_phases)
    {
        println!("  audit {name:<10} {}", fmt(s));
    }
    println!(
        "throughput         {:.1} write-backs/s while sending, {:.1}/s first edit → last write-back",
        r.throughput_in_window, r.throughput_overall
    );
    println!(
        "HubSpot calls      {} = {:.3} per event written",
        r.calls,
        r.calls as f64 / written
    );
    for (route, n) in &r.routes {
        println!("  {route:<52} {n}");
    }
    println!(
        "429s               {} sent by the simulator, {} received by the engine",
        r.sim_429, r.client_429
    );
    println!("LLM calls          {}", r.llm_calls);
    println!(
        "stats calls ms     {} (writes lost to the simulator's bound: {})",
        fmt(&r.stats_calls),
        r.lost_writes
    );
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };
    if let Some(l) = &r.latency {
        println!(
            "targets            p50 {:.0} ms ≤ 300: {} · p99 {:.0} ms ≤ 1000: {} · all {} events written: {}",
            l.p50,
            verdict(l.p50 <= TARGET_P50_MS),
            l.p99,
            verdict(l.p99 <= TARGET_P99_MS),
            r.sent.ok,
            verdict(r.missing == 0 && r.written as u64 == r.sent.ok)
        );
    }
}

/// The scenarios side by side (Markdown).
pub fn table(reports: &[Report]) {
    println!(
        "\n| scenario | sent | written | p50 ms | p90 ms | p99 ms | max ms | write-backs/s | HubSpot calls/event | 429s | LLM calls |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in reports {
        let l = r.latency.unwrap_or(Summary {
            n: 0,
            p50: f64::NAN,
            p90: f64::NAN,
            p99: f64::NAN,
            max: f64::NAN,
            mean: f64::NAN,
        });
        println!(
            "| {} | {} | {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.1} | {:.3} | {} | {} |",
            r.label,
            r.sent.ok,
            r.written,
            l.p50,
            l.p90,
            l.p99,
            l.max,
            r.throughput_overall,
            r.calls as f64 / r.written.max(1) as f64,
            r.client_429,
            r.llm_calls
        );
    }
}
