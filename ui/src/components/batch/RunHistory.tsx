import type { RunSummary } from "../../bindings/RunSummary";
import { duration, formatShort, formatTime, money, number } from "../../lib/format";
import { mode } from "../../lib/runs";
import { StatusTag } from "./StatusTag";

/** Past and current runs with their totals and cost; each links to its audit rows, and a dry
 *  run to its diffs. */
export function RunHistory({
  runs,
  shownDiffs,
  onDiffs,
  onAudit,
}: {
  runs: RunSummary[];
  /** The dry run whose diffs are shown below. */
  shownDiffs: number | null;
  onDiffs: (runId: number) => void;
  onAudit: (runId: number) => void;
}) {
  return (
    <table className="table run-history" data-testid="run-history">
      <thead>
        <tr>
          <th>Run</th>
          <th>Status</th>
          <th>Started</th>
          <th className="num">Written</th>
          <th className="num">Unchanged</th>
          <th className="num">Guarded</th>
          <th className="num">Failed</th>
          <th className="num">Cost</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((r) => (
          <tr key={r.id} data-testid={`run-row-${r.id}`} className={shownDiffs === r.id ? "selected" : undefined}>
            <td>
              <strong>#{r.id}</strong> {r.list_name}
              <div className="small muted">
                <span data-testid="run-row-total">{number(r.total)}</span> contacts · {mode(r)}
              </div>
              <div className="small links">
                <button
                  type="button"
                  className="btn link"
                  aria-label={`Audit rows of run ${r.id}`}
                  onClick={() => onAudit(r.id)}
                >
                  Audit rows
                </button>
                {r.dry_run && (
                  <button
                    type="button"
                    className="btn link"
                    aria-label={`Diffs of run ${r.id}`}
                    aria-pressed={shownDiffs === r.id}
                    data-testid={`run-diffs-${r.id}`}
                    onClick={() => onDiffs(r.id)}
                  >
                    {shownDiffs === r.id ? "Hide diffs" : "Diffs"}
                  </button>
                )}
              </div>
            </td>
            <td data-testid="run-row-status">
              <StatusTag status={r.status} />
            </td>
            <td className="small when">
              <span title={formatTime(r.created_at)}>{formatShort(r.created_at)}</span>
              <div className="muted" title={formatTime(r.finished_at)}>
                {r.finished_at !== null ? `took ${duration((r.finished_at - r.created_at) / 1000)}` : "—"}
              </div>
            </td>
            <td className="num" data-testid="run-row-done">
              {number(r.done)}
              {r.dry_run && <div className="small muted">computed</div>}
            </td>
            <td className="num" data-testid="run-row-unchanged">
              {number(r.unchanged)}
            </td>
            <td className="num" data-testid="run-row-guarded">
              {number(r.guarded)}
            </td>
            <td className="num" data-testid="run-row-failed">
              {number(r.failed)}
            </td>
            <td className="num" data-testid="run-row-cost">
              {money(r.cost_micros)}
              <div className="small muted">{number(r.tokens)} tokens</div>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
