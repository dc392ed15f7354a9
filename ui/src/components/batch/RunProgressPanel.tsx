import type { RunProgress } from "../../bindings/RunProgress";
import { duration, money, number } from "../../lib/format";
import { isActive, percent, processed } from "../../lib/runs";
import { StatusTag } from "./StatusTag";

function Stat({ id, label, value, tone }: { id: string; label: string; value: number; tone?: string }) {
  return (
    <div className={`stat ${tone ?? ""}`} data-testid={`stat-${id}`}>
      <span className="stat-value">{number(value)}</span>
      <span className="stat-label">{label}</span>
    </div>
  );
}

/** The run being followed: a progress bar, the counters, rate and ETA, and its controls. */
export function RunProgressPanel({
  progress,
  pollError,
  actionError,
  busy,
  onPause,
  onResume,
  onCancel,
  onAudit,
}: {
  progress: RunProgress;
  pollError: string | null;
  actionError: string | null;
  busy: boolean;
  onPause: () => void;
  onResume: () => void;
  onCancel: () => void;
  onAudit: () => void;
}) {
  const r = progress.run;
  const pct = percent(r);
  const active = isActive(r.status);
  return (
    <section className="panel run-progress" aria-label={`Run ${r.id}`} data-testid="run-progress">
      <div className="row">
        <h2 className="grow">
          Run #{r.id} · {r.list_name}
        </h2>
        {r.dry_run && <span className="tag ai">Dry run</span>}
        {r.force && <span className="tag warn">Force</span>}
        <span data-testid="run-status">
          <StatusTag status={r.status} />
        </span>
      </div>
      <div className="row">
        <div
          className={`progress grow ${r.status}`}
          role="progressbar"
          aria-label="Run progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={pct}
          data-testid="run-bar"
        >
          <div style={{ width: `${pct}%` }} />
        </div>
        <span className="progress-label" data-testid="run-percent">
          {pct}%
        </span>
      </div>
      <p className="small muted progress-line" data-testid="run-processed">
        {number(processed(r))} of {number(Math.max(r.total, processed(r)))} contacts
        {progress.in_flight > 0 && (
          <>
            {" · "}
            <span data-testid="run-in-flight">{number(progress.in_flight)} in progress</span>
          </>
        )}
        {r.status === "running" && (
          <>
            {" · "}
            <span data-testid="run-rate">
              {progress.rate_per_sec > 0 ? `${progress.rate_per_sec.toFixed(1)} contacts/s` : "measuring the rate…"}
            </span>
            {progress.eta_secs !== null && (
              <>
                {" · "}
                <span data-testid="run-eta">about {duration(progress.eta_secs)} left</span>
              </>
            )}
          </>
        )}
        {r.status === "paused" && " · paused: queued contacts wait; live events go on"}
        {" · "}
        {number(r.tokens)} tokens, {money(r.cost_micros)}
        {r.estimated_cost_micros > 0 && ` (estimated up to ${money(r.estimated_cost_micros)})`}
      </p>
      <div className="stats">
        <Stat id="done" label={r.dry_run ? "Computed" : "Written"} value={r.done} tone="good" />
        <Stat id="unchanged" label="Unchanged" value={r.unchanged} />
        <Stat id="guarded" label="Guarded" value={r.guarded} tone="warn" />
        <Stat id="failed" label="Failed" value={r.failed} tone="bad" />
        <Stat id="remaining" label="Remaining" value={r.remaining} />
      </div>
      {r.error && (
        <p className="notice bad" role="alert">
          {r.error}
        </p>
      )}
      {pollError && (
        <p className="notice bad" role="alert" data-testid="poll-error">
          Could not read the run&apos;s progress: {pollError}
        </p>
      )}
      {actionError && (
        <p className="notice bad" role="alert" data-testid="action-error">
          {actionError}
        </p>
      )}
      <div className="row">
        {r.status === "running" && (
          <button type="button" className="btn" disabled={busy} onClick={onPause}>
            Pause
          </button>
        )}
        {r.status === "paused" && (
          <button type="button" className="btn primary" disabled={busy} onClick={onResume}>
            Resume
          </button>
        )}
        {active && (
          <button type="button" className="btn danger" disabled={busy} onClick={onCancel}>
            Cancel run
          </button>
        )}
        <span className="grow" />
        <button type="button" className="btn link" onClick={onAudit}>
          Audit rows of run #{r.id}
        </button>
      </div>
    </section>
  );
}
