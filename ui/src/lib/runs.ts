// Reading a batch run's totals the same way on every part of the Batch runs screen.
import type { RunStatus } from "../bindings/RunStatus";
import type { RunSummary } from "../bindings/RunSummary";

/** Whether a run still has work (the engine may pick it up). */
export function isActive(status: RunStatus): boolean {
  return status === "pending" || status === "running" || status === "paused";
}

/** Contacts finished, whatever the outcome. */
export function processed(r: RunSummary): number {
  return r.done + r.unchanged + r.guarded + r.failed;
}

/** How far the run is, 0–100 (a completed run is 100 even when its list was empty). */
export function percent(r: RunSummary): number {
  const of = Math.max(r.total, processed(r));
  if (r.status === "completed") return 100;
  if (of === 0) return 0;
  return Math.min(100, Math.floor((processed(r) * 100) / of));
}

/** "Dry run, force" — how the run treats its contacts. */
export function mode(r: RunSummary): string {
  if (r.dry_run && r.force) return "Dry run, force";
  if (r.dry_run) return "Dry run";
  if (r.force) return "Force";
  return "Normal";
}
