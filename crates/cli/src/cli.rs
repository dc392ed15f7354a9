//! The command-line interface (DESIGN §7). Admins script these spellings: extend, never rename.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "steward",
    version,
    about = "Guarded AI enrichment for HubSpot contacts"
)]
pub struct Cli {
    /// Data directory (default: the OS data dir shared with the desktop app).
    #[arg(long, global = true, env = "STEWARD_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Machine-readable output (JSON).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(flatten)]
    pub settings: SettingFlags,
    #[command(subcommand)]
    pub command: Command,
}

/// Settings stored when given (they persist for later runs and the app).
#[derive(Debug, Args, Default)]
pub struct SettingFlags {
    /// HubSpot API base URL (the simulator in tests and the sandbox).
    #[arg(long, global = true)]
    pub hubspot_base: Option<String>,
    /// LLM API base URL (OpenAI-compatible `/v1`, or Anthropic).
    #[arg(long, global = true)]
    pub llm_base: Option<String>,
    /// LLM model name.
    #[arg(long, global = true)]
    pub llm_model: Option<String>,
    /// LLM provider: openai_compatible or anthropic.
    #[arg(long, global = true)]
    pub llm_provider: Option<String>,
    #[arg(long, global = true, value_name = "ID", help = llm_preset_help())]
    pub llm_preset: Option<String>,
    /// The relay URL (webhook events and the OAuth broker).
    #[arg(long, global = true)]
    pub relay_url: Option<String>,
}

/// `--llm-preset`'s help, listing the ids the engine knows (so it cannot drift from them).
fn llm_preset_help() -> String {
    format!(
        "Start the LLM settings from a preset: {} (provider, base URL, model, limits, prices; \
         --llm-provider, --llm-base and --llm-model given too override its values)",
        steward_engine::llm_settings::preset_ids()
    )
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Try Steward without a HubSpot account: a simulated portal (≈ 500 contacts), LLM and
    /// relay run in-process, with the engine working on them (data under DATA_DIR/sandbox).
    Sandbox {
        /// Seeded contacts.
        #[arg(long, default_value_t = 500)]
        contacts: usize,
        /// Stop after this many seconds (default: until Ctrl-C).
        #[arg(long)]
        seconds: Option<u64>,
    },
    /// Connect to a HubSpot portal.
    Connect(ConnectArgs),
    /// Revoke Steward's HubSpot token and forget the connection.
    Disconnect {
        /// Forget the token even when HubSpot cannot be told to revoke it.
        #[arg(long)]
        force: bool,
    },
    /// Create the ai_enrichment group and the ai_* properties in HubSpot (idempotent).
    Provision {
        /// Report what would be created; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Run the engine: poll the relay and work the queue.
    Run {
        /// Exit once nothing is queued or running and no event is waiting.
        #[arg(long)]
        until_idle: bool,
    },
    /// Pending review items.
    Reviews {
        #[command(subcommand)]
        action: ReviewAction,
    },
    /// Who wrote each AI field of a contact, and when.
    Provenance {
        /// HubSpot contact id.
        contact_id: u64,
    },
    /// The audit trail.
    Audit(AuditArgs),
    /// Re-enrich every contact of a HubSpot list as a resumable batch run (progress bar, ETA).
    Enrich(EnrichArgs),
    /// Batch runs: history, progress, diffs, pause, resume, cancel.
    Runs {
        #[command(subcommand)]
        action: Option<RunsAction>,
    },
}

#[derive(Debug, Args)]
pub struct EnrichArgs {
    /// The HubSpot list: its name (exact, any case) or its id.
    #[arg(long, value_name = "NAME|ID")]
    pub list: String,
    /// Compute everything and keep per-contact diffs (current → proposed); write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Ignore the input hash: ask the LLM even for unchanged contacts (a person's newer value
    /// is still never overwritten).
    #[arg(long)]
    pub force: bool,
    /// Start without asking (also when --json or stdin is not a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum RunsAction {
    /// Runs with their totals and cost, newest first (the default).
    List {
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// One run's totals, rate and ETA.
    Show { id: i64 },
    /// A dry run's per-contact diffs: current → proposed, and the guard's decision.
    Diffs {
        id: i64,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Pause a running run (live events go on).
    Pause { id: i64 },
    /// Resume a paused run where it stopped.
    Resume { id: i64 },
    /// Cancel a run: nothing more of it is queued or started.
    Cancel { id: i64 },
}

#[derive(Debug, Args)]
pub struct ConnectArgs {
    /// Connect through OAuth, with this relay as the token broker: prints (and opens) HubSpot's
    /// authorize URL, then waits for the steward://oauth/callback?… link pasted on stdin.
    #[arg(long, value_name = "URL")]
    pub relay: Option<String>,
    /// Finish a started OAuth Connect with its steward://oauth/callback?… link (for scripts).
    #[arg(long, value_name = "LINK")]
    pub callback: Option<String>,
    /// With --relay: print the authorize URL and exit; finish later with --callback.
    #[arg(long)]
    pub no_wait: bool,
    /// With --relay: do not try to open the authorize URL in a browser.
    #[arg(long)]
    pub no_browser: bool,
    /// Connect with a HubSpot private-app token (kept in the OS keyring).
    #[arg(
        long,
        env = "STEWARD_HUBSPOT_PRIVATE_APP_TOKEN",
        hide_env_values = true
    )]
    pub private_app_token: Option<String>,
    /// Your HubSpot app's id (the `sourceId` of Steward's writes).
    #[arg(long, default_value_t = 0)]
    pub app_id: u64,
}

#[derive(Debug, Subcommand)]
pub enum ReviewAction {
    /// List pending reviews.
    List {
        /// Only this AI field.
        #[arg(long)]
        field: Option<String>,
    },
    /// Write the AI proposal (or --value) over the person's value.
    Approve {
        id: i64,
        /// Approve with this value instead of the proposal.
        #[arg(long)]
        value: Option<String>,
    },
    /// Keep the person's value; the same proposal is never raised again.
    Reject { id: i64 },
}

#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum Format {
    #[default]
    Table,
    Jsonl,
    Csv,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Only rows since T: RFC 3339 (2026-11-01T00:00:00Z) or a span back from now (90m, 24h, 7d).
    #[arg(long)]
    pub since: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Only this outcome (written, unchanged, guarded, invalid_output, failed, …).
    #[arg(long)]
    pub outcome: Option<String>,
    /// Only this contact.
    #[arg(long)]
    pub contact: Option<u64>,
    /// Only this correlation ID.
    #[arg(long)]
    pub correlation_id: Option<String>,
    /// Only the rows of this batch run (`steward runs` lists them).
    #[arg(long)]
    pub run: Option<i64>,
    /// At most this many rows (newest first).
    #[arg(long, default_value_t = 1000)]
    pub limit: u32,
}
