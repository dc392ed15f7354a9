import { useEffect, useState } from "react";
import type { RunDiff } from "../../bindings/RunDiff";
import { errorMessage } from "../../lib/api";
import { runDiffs } from "../../lib/batchApi";
import { OUTCOME_LABELS, outcomeTone } from "../../lib/format";
import { navigate } from "../../lib/nav";
import { DECISIONS } from "../DiffTable";
import { ErrorPanel, Loading } from "../States";

const PAGE = 50;

interface Loaded {
  runId: number;
  rows: RunDiff[];
  more: boolean;
  error: string | null;
}

/** A dry run's per-contact changes: for each contact, every AI field's current value, the
 *  proposal and the guard's decision. Pages by contact id ("Show more"). */
export function RunDiffs({ runId, listName }: { runId: number; listName: string }) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [loading, setLoading] = useState(false);

  useEffect(() => {
    let live = true;
    runDiffs(runId, null, PAGE).then(
      (rows) => live && setLoaded({ runId, rows, more: rows.length === PAGE, error: null }),
      (e: unknown) => live && setLoaded({ runId, rows: [], more: false, error: errorMessage(e) }),
    );
    return () => {
      live = false;
    };
  }, [runId]);

  const current = loaded?.runId === runId ? loaded : null;
  const more = async () => {
    if (!current) return;
    setLoading(true);
    try {
      const after = current.rows.at(-1)?.contact_id ?? null;
      const rows = await runDiffs(runId, after, PAGE);
      setLoaded({ runId, rows: [...current.rows, ...rows], more: rows.length === PAGE, error: null });
    } catch (e) {
      setLoaded({ ...current, error: errorMessage(e) });
    } finally {
      setLoading(false);
    }
  };

  return (
    <section className="panel" aria-label={`Diffs of run ${runId}`} data-testid="run-diffs">
      <h2>
        Dry run #{runId} · {listName}: what it would write
      </h2>
      <p className="small muted">Nothing of this was written to HubSpot. Current value → the AI&apos;s proposal.</p>
      {!current && <Loading />}
      {current?.error && <ErrorPanel message={current.error} />}
      {current && current.rows.length === 0 && !current.error && (
        <p className="muted" data-testid="run-diffs-none">
          No contact of this run has a change to show (unchanged contacts are skipped before the LLM).
        </p>
      )}
      {current && current.rows.length > 0 && (
        <table className="table fixed run-diffs" data-testid="run-diffs-table">
          <thead>
            <tr>
              <th style={{ width: "14%" }}>Contact</th>
              <th style={{ width: "21%" }}>Field</th>
              <th>Now in HubSpot</th>
              <th>AI proposal</th>
              <th style={{ width: "15%" }}>Decision</th>
            </tr>
          </thead>
          {current.rows.map((d) => (
            <tbody key={d.contact_id} data-testid={`run-diff-${d.contact_id}`}>
              {d.diff.fields.map((f, i) => {
                const decision = DECISIONS[f.decision] ?? { label: f.decision, tone: "" };
                return (
                  <tr key={f.property} className={i === 0 ? "first" : undefined}>
                    {i === 0 && (
                      <td rowSpan={d.diff.fields.length}>
                        <button
                          type="button"
                          className="btn link"
                          title="Open this contact"
                          onClick={() => navigate({ screen: "contacts", contactId: d.contact_id })}
                        >
                          {d.contact_id}
                        </button>
                        <div>
                          <span className={`tag ${d.outcome === "dry_run" ? "ai" : outcomeTone(d.outcome)}`}>
                            {OUTCOME_LABELS[d.outcome]}
                          </span>
                        </div>
                      </td>
                    )}
                    <td className="mono">{f.property}</td>
                    <td className="pre">{f.current || <span className="muted">empty</span>}</td>
                    <td className="pre">{f.proposed}</td>
                    <td>
                      <span className={`tag ${decision.tone}`}>{decision.label}</span>
                      {f.blocked_by && <div className="small muted">by {f.blocked_by}</div>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          ))}
        </table>
      )}
      {current?.more && (
        <button type="button" className="btn" disabled={loading} onClick={() => void more()}>
          {loading ? "Loading…" : `Show ${PAGE} more contacts`}
        </button>
      )}
    </section>
  );
}
