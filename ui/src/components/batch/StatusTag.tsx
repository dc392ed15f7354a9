import type { RunStatus } from "../../bindings/RunStatus";

const STATUS: Record<RunStatus, { label: string; tone: string }> = {
  pending: { label: "Pending", tone: "" },
  running: { label: "Running", tone: "ai" },
  paused: { label: "Paused", tone: "warn" },
  cancelled: { label: "Cancelled", tone: "" },
  completed: { label: "Completed", tone: "good" },
  failed: { label: "Failed", tone: "bad" },
};

/** A run's status as a coloured tag. */
export function StatusTag({ status }: { status: RunStatus }) {
  const s = STATUS[status];
  return <span className={`tag ${s.tone}`}>{s.label}</span>;
}
