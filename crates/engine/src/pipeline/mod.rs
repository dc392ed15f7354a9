//! One round trip for a chunk of contacts: read, hash, (maybe) ask the LLM, guard, write,
//! verify, audit. The chunk shares HubSpot calls (batch reads of ≤ 100, ≤ 50 with history,
//! batch updates of ≤ 100) while each contact gets its own audit row and correlation ID.
//!
//! Order of HubSpot calls, chosen so unchanged contacts cost almost nothing:
//! 1. batch read of inputs + AI fields, without history;
//! 2. association ids of recent activity → input hash → unchanged contacts stop here;
//! 3. engagement bodies for changed contacts only → LLM (calls stream out; each group of
//!    [`WRITE_GROUP`] validated answers goes on to the write while the others still run);
//! 4. batch read *with* history right before the write (the guard's check);
//! 5. batch update of the allowed fields + bookkeeping;
//! 6. batch read with history again to catch an edit that slipped in between, and restore it.
//!
//! A job whose earlier attempt already wrote (cut off by a crash) ends at step 2 with that
//! write as its result (`resumed`).

mod activity;
mod context;
mod outcome;
mod preview;
mod proposal;
mod resumed;
mod run;
mod stream;
mod writeback;

pub use context::{DryRun, Mode, PipelineContext, WorkItem};
pub use outcome::{ContactDiff, FieldChange, ItemResult, Pause};
pub use preview::preview_requests;
pub use proposal::Proposal;
pub use run::{process_chunk, process_chunk_streaming};
pub use stream::{ChunkHooks, Hold, Settle, WRITE_GROUP};

/// Errors that stop a whole chunk: the local store failed, so nothing can be recorded.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Engine(#[from] crate::EngineError),
}

impl Pause {
    /// The pause a HubSpot error calls for, if it is not a per-contact problem.
    pub fn from_hubspot(err: &hubspot::Error) -> Option<Self> {
        use hubspot::Error as E;
        match err {
            E::Unauthorized(_) | E::Expired(_) | E::Reconnect(_) | E::MissingScopes { .. } => {
                Some(Self::Reconnect {
                    message: err.to_string(),
                })
            }
            E::RateLimitedDaily(_) => Some(Self::DailyLimit),
            _ => None,
        }
    }
}
