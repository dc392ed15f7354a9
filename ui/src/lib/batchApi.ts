// Typed calls behind the Batch runs screen (src-tauri/src/commands/batch.rs). Payload types are
// generated from Rust into ../bindings, so a renamed field breaks `npm run typecheck`.
import { invoke } from "@tauri-apps/api/core";
import type { Estimate } from "../bindings/Estimate";
import type { ListSummary } from "../bindings/ListSummary";
import type { RunDiff } from "../bindings/RunDiff";
import type { RunProgress } from "../bindings/RunProgress";
import type { RunSummary } from "../bindings/RunSummary";

export const searchLists = (query: string) => invoke<ListSummary[]>("search_lists", { query });
export const estimateRun = (listId: string) => invoke<Estimate>("estimate_run", { listId });
/** Starts a run; `estimate` is the one the admin confirmed (the run records it). */
export const startRun = (listId: string, dryRun: boolean, force: boolean, estimate: Estimate | null) =>
  invoke<RunSummary>("start_run", { listId, dryRun, force, estimate });
export const pauseRun = (runId: number) => invoke<RunSummary>("pause_run", { runId });
export const resumeRun = (runId: number) => invoke<RunSummary>("resume_run", { runId });
export const cancelRun = (runId: number) => invoke<RunSummary>("cancel_run", { runId });
export const runProgress = (runId: number) => invoke<RunProgress>("run_progress", { runId });
export const runHistory = (limit: number) => invoke<RunSummary[]>("run_history", { limit });
/** A dry run's diffs in contact-id order, after the last contact id already shown. */
export const runDiffs = (runId: number, afterContact: number | null, limit: number) =>
  invoke<RunDiff[]>("run_diffs", { runId, afterContact, limit });
