//! What one schedule does to one contact, step by step, and how it is drawn at random.
//!
//! A step is a few human actions (edits of AI content fields and of inputs, an edit armed to
//! land between the engine's check and its write, new activity) followed by one main action:
//! an AI run (live, forced or dry, maybe duplicated, maybe crashing) or an admin's review
//! decision. Values are derived from (step, position) so a printed schedule replays exactly.

use std::fmt;

use super::rng::Rng;

/// The AI content fields people edit in the model (the ones reviews are raised for).
pub const HUMAN_FIELDS: [&str; 3] = ["ai_summary", "ai_next_best_action", "ai_generated_score"];
/// Input properties people edit (they change the input hash).
pub const INPUTS: [(&str, [&str; 3]); 2] = [
    ("company", ["Initech", "Globex", "Umbrella"]),
    ("jobtitle", ["VP Sales", "CTO", "Office Manager"]),
];
/// CRM users who edit by hand; race edits (the before-write hook) come from `RACE_USERS`, so
/// the checker can tell them apart in the simulator's write log.
pub const USERS: [u64; 3] = [41, 42, 43];
pub const RACE_USERS: [u64; 2] = [91, 92];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// A person types a value into an AI content field.
    Content { field: &'static str, user: u64 },
    /// A person empties an AI content field.
    Clear { field: &'static str, user: u64 },
    /// A person changes an input property (the input hash changes).
    Input { property: &'static str, pick: usize },
    /// A person empties `ai_input_hash` (the next run recomputes everything).
    ClearHash,
    /// A note is logged on the contact (its id is part of the input hash).
    Activity,
    /// A person's edit of `property` lands between the engine's next check and its write
    /// (the simulator's one-shot before-write hook).
    Race { property: &'static str, user: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    Live,
    /// Ignore the input hash (the guard still applies).
    Force,
    /// Compute, write nothing.
    Dry,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crash {
    None,
    /// The round trip finishes but its results are dropped before the job is settled; the
    /// job system runs it again.
    BeforeSettle,
    /// The process dies the moment HubSpot has applied the batch update, before the engine
    /// sees the answer (no verify, no audit row); the job system runs it again.
    AfterWrite,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub mode: RunMode,
    /// The same item is run again right after (a duplicate delivery).
    pub dup: bool,
    pub crash: Crash,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
    EditApprove,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Main {
    Idle,
    Run(Run),
    /// The admin decides on one of the contact's pending reviews (if any).
    Review(Decision),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub edits: Vec<Edit>,
    pub main: Main,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schedule {
    pub steps: Vec<Step>,
    /// Seeds the executor's choices for this schedule (which pending review the admin
    /// decides on), so a replay on another contact chooses the same way.
    pub salt: u64,
}

impl Schedule {
    /// A random schedule of `steps` steps. Without `hard_crashes`, a crash right after the
    /// write becomes a crash before settling (same random stream, so the rest is unchanged).
    pub fn generate(rng: &mut Rng, steps: usize, hard_crashes: bool) -> Self {
        let mut touched = false;
        let steps = (0..steps)
            .map(|k| {
                let edits = edits(rng, k);
                touched |= edits
                    .iter()
                    .any(|e| matches!(e, Edit::Content { .. } | Edit::Race { .. }));
                let main = match main(rng, k, touched) {
                    Main::Run(r) if !hard_crashes && r.crash == Crash::AfterWrite => {
                        Main::Run(Run {
                            crash: Crash::BeforeSettle,
                            ..r
                        })
                    }
                    m => m,
                };
                Step { edits, main }
            })
            .collect();
        Self {
            steps,
            salt: rng.next_u64(),
        }
    }

    /// Total actions (edits + non-idle main actions), for reports.
    pub fn actions(&self) -> usize {
        self.steps
            .iter()
            .map(|s| s.edits.len() + usize::from(s.main != Main::Idle))
            .sum()
    }
}

fn edits(rng: &mut Rng, k: usize) -> Vec<Edit> {
    let mut out = Vec::new();
    // Fewer edits before the first enrichment, so most contacts get one to protect against.
    let scale = if k == 0 { 0.4 } else { 1.0 };
    if rng.chance(0.35 * scale) {
        out.push(Edit::Content {
            field: rng.pick(&HUMAN_FIELDS),
            user: rng.pick(&USERS),
        });
    }
    if rng.chance(0.22 * scale) {
        let (property, _) = INPUTS[rng.below(INPUTS.len())];
        out.push(Edit::Input {
            property,
            pick: rng.below(3),
        });
    }
    if rng.chance(0.20 * scale) {
        let property = if rng.chance(0.85) {
            rng.pick(&HUMAN_FIELDS)
        } else {
            INPUTS[rng.below(INPUTS.len())].0
        };
        out.push(Edit::Race {
            property,
            user: rng.pick(&RACE_USERS),
        });
    }
    if rng.chance(0.04 * scale) {
        out.push(Edit::Clear {
            field: rng.pick(&HUMAN_FIELDS),
            user: rng.pick(&USERS),
        });
    }
    if rng.chance(0.03 * scale) {
        out.push(Edit::ClearHash);
    }
    if rng.chance(0.05 * scale) {
        out.push(Edit::Activity);
    }
    // Edits of different properties commute; the order still varies what the log shows.
    rng.shuffle(&mut out);
    out
}

/// `touched`: a person has typed into an AI field so far (only then can a review be pending,
/// so only then is an admin's decision likely to have something to decide).
fn main(rng: &mut Rng, k: usize, touched: bool) -> Main {
    let roll = rng.below(100);
    let run_share = if k == 0 { 85 } else { 42 };
    if roll < run_share {
        let mode = match rng.below(100) {
            0..=83 => RunMode::Live,
            84..=94 => RunMode::Force,
            _ => RunMode::Dry,
        };
        let crash = match rng.below(100) {
            0..=5 if mode != RunMode::Dry => Crash::BeforeSettle,
            6..=12 if mode != RunMode::Dry => Crash::AfterWrite,
            _ => Crash::None,
        };
        return Main::Run(Run {
            mode,
            dup: rng.chance(0.12),
            crash,
        });
    }
    if roll < run_share + if touched { 30 } else { 5 } {
        return Main::Review(match rng.below(100) {
            0..=44 => Decision::Approve,
            45..=79 => Decision::Reject,
            _ => Decision::EditApprove,
        });
    }
    Main::Idle
}

impl fmt::Display for Edit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Content { field, user } => write!(f, "user {user} edits {field}"),
            Self::Clear { field, user } => write!(f, "user {user} empties {field}"),
            Self::Input { property, pick } => {
                let value = INPUTS
                    .iter()
                    .find(|(p, _)| p == property)
                    .map(|(_, v)| v[*pick % 3])
                    .unwrap_or_default();
                write!(f, "{property} := {value:?}")
            }
            Self::ClearHash => write!(f, "a person empties ai_input_hash"),
            Self::Activity => write!(f, "a note is logged"),
            Self::Race { property, user } => {
                write!(f, "user {user} edits {property} between check and write")
            }
        }
    }
}

impl fmt::Display for Main {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Idle => write!(f, "idle"),
            Self::Review(d) => write!(f, "admin {}", format!("{d:?}").to_lowercase()),
            Self::Run(r) => {
                let mode = match r.mode {
                    RunMode::Live => "AI run",
                    RunMode::Force => "forced AI run",
                    RunMode::Dry => "dry AI run",
                };
                write!(f, "{mode}")?;
                match r.crash {
                    Crash::None => {}
                    Crash::BeforeSettle => write!(f, ", crash before settling + rerun")?,
                    Crash::AfterWrite => write!(f, ", crash right after the write + rerun")?,
                }
                if r.dup {
                    write!(f, ", duplicated")?;
                }
                Ok(())
            }
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (k, s) in self.steps.iter().enumerate() {
            let mut parts: Vec<String> = s.edits.iter().map(ToString::to_string).collect();
            parts.push(s.main.to_string());
            writeln!(f, "  step {k}: {}", parts.join("; "))?;
        }
        Ok(())
    }
}

/// The value a person types for an edit at `step` (position `idx` among the step's edits).
pub fn edit_value(edit: &Edit, step: usize, idx: usize) -> (&'static str, String) {
    let typed = |field: &'static str, user: u64, how: &str| {
        if field == "ai_generated_score" {
            ((step * 37 + idx * 11 + user as usize) % 101).to_string()
        } else {
            format!("Typed by user {user} {how} at step {step}.{idx}")
        }
    };
    match edit {
        Edit::Content { field, user } => (field, typed(field, *user, "by hand")),
        Edit::Clear { field, .. } => (field, String::new()),
        Edit::Input { property, pick } => {
            let pool = INPUTS
                .iter()
                .find(|(p, _)| p == property)
                .map(|(_, v)| *v)
                .unwrap_or(["x", "y", "z"]);
            (property, pool[pick % 3].to_owned())
        }
        Edit::ClearHash => ("ai_input_hash", String::new()),
        Edit::Activity => ("", String::new()),
        Edit::Race { property, user } => {
            if let Some((_, pool)) = INPUTS.iter().find(|(p, _)| p == property) {
                (property, pool[(step + *user as usize) % 3].to_owned())
            } else {
                (property, typed(property, *user, "in the gap"))
            }
        }
    }
}
