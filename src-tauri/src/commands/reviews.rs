//! Reviews: the board (pending items, counts per field) and the admin's decisions.

use steward_engine::clock::now_ms;
use steward_engine::context_cache::ContextCache;
use steward_engine::review_actions;
use steward_engine::review_board::{self, BulkAction, BulkResult, ReviewBoard, ReviewQuery};
use steward_engine::reviews::Review;
use tauri::State;

use crate::{AppState, error::CommandError};

/// Pending items matching the filter, with the totals the screen shows.
#[tauri::command]
pub async fn review_board(
    state: State<'_, AppState>,
    query: ReviewQuery,
) -> Result<ReviewBoard, CommandError> {
    Ok(review_board::board(
        &state.store().conn(),
        &query,
        now_ms(),
    )?)
}

/// Approves one item, with the admin's own value when `edited` is given.
#[tauri::command]
pub async fn approve_review(
    contexts: State<'_, ContextCache>,
    id: i64,
    edited: Option<String>,
) -> Result<Review, CommandError> {
    let ctx = contexts.get()?;
    Ok(review_actions::approve(&ctx, id, edited.as_deref()).await?)
}

/// Rejects one item: the person's value stays.
#[tauri::command]
pub async fn reject_review(
    contexts: State<'_, ContextCache>,
    id: i64,
) -> Result<Review, CommandError> {
    let ctx = contexts.get()?;
    Ok(review_actions::reject(&ctx, id).await?)
}

/// Approves or rejects many items; each reports its own result.
#[tauri::command]
pub async fn bulk_review(
    contexts: State<'_, ContextCache>,
    ids: Vec<i64>,
    action: BulkAction,
) -> Result<Vec<BulkResult>, CommandError> {
    let ctx = contexts.get()?;
    Ok(review_board::bulk(&ctx, &ids, action).await)
}
