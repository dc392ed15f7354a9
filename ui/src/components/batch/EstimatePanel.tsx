import { useState } from "react";
import type { Estimate } from "../../bindings/Estimate";
import type { ListSummary } from "../../bindings/ListSummary";
import type { RunSummary } from "../../bindings/RunSummary";
import { errorMessage } from "../../lib/api";
import { estimateRun } from "../../lib/batchApi";
import { money, number } from "../../lib/format";
import { useLive } from "../../lib/useLive";
import { ErrorPanel } from "../States";

/** What a run over the chosen list would cost, the run's options, and the confirm button.
 *  Nothing starts before the admin has seen the estimate. */
export function EstimatePanel({
  list,
  blockedBy,
  onStart,
  onClose,
}: {
  list: ListSummary;
  /** An unfinished run: the engine runs one at a time. */
  blockedBy: RunSummary | null;
  onStart: (dryRun: boolean, force: boolean, estimate: Estimate) => Promise<void>;
  onClose: () => void;
}) {
  const estimate = useLive(() => estimateRun(list.list_id), [list.list_id]);
  const [dryRun, setDryRun] = useState(false);
  const [force, setForce] = useState(false);
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const e = estimate.data;

  const confirm = async () => {
    if (!e) return;
    setStarting(true);
    setError(null);
    try {
      await onStart(dryRun, force, e);
    } catch (err) {
      setError(errorMessage(err));
      setStarting(false);
    }
  };

  return (
    <section className="estimate" aria-label={`Estimate for ${list.name}`} data-testid="estimate">
      <div className="row">
        <h3 className="grow">{list.name}</h3>
        <span className="muted small mono">list {list.list_id}</span>
      </div>
      {estimate.state === "loading" && (
        <p className="muted" role="status" data-testid="estimate-loading">
          Estimating… Steward builds the prompts of a sample of the list&apos;s contacts (no LLM call).
        </p>
      )}
      {estimate.state === "error" && <ErrorPanel message={estimate.error ?? "error"} onRetry={estimate.reload} />}
      {e && (
        <>
          <dl className="estimate-facts">
            <div>
              <dt>Contacts</dt>
              <dd data-testid="estimate-contacts">{number(e.contacts)}</dd>
            </div>
            <div>
              <dt>LLM tokens, at most</dt>
              <dd data-testid="estimate-tokens">{number(e.input_tokens + e.output_tokens)}</dd>
              <span className="small muted">
                {number(e.input_tokens)} in · {number(e.output_tokens)} out
              </span>
            </div>
            <div>
              <dt>Cost, at most</dt>
              <dd data-testid="estimate-cost">{money(e.cost_micros)}</dd>
              <span className="small muted mono">{e.model}</span>
            </div>
          </dl>
          <p className="small muted">
            Measured on {e.sampled} sampled {e.sampled === 1 ? "contact" : "contacts"}. Contacts whose inputs did
            not change since their last enrichment make no LLM call and cost nothing
            {force ? ", but Force asks again for every one" : ""}.
          </p>
          {/* A group, not a fieldset: WebKit sizes a fieldset's legend twice in a flex column. */}
          <div className="options" role="group" aria-labelledby="run-options-title">
            <span id="run-options-title" className="small muted">
              Options
            </span>
            <label>
              <input
                type="checkbox"
                data-testid="opt-dry-run"
                checked={dryRun}
                onChange={(ev) => setDryRun(ev.target.checked)}
              />
              <span>
                <strong>Dry run</strong> — compute every change and show it here; write nothing to HubSpot.
              </span>
            </label>
            <label>
              <input
                type="checkbox"
                data-testid="opt-force"
                checked={force}
                onChange={(ev) => setForce(ev.target.checked)}
              />
              <span>
                <strong>Force</strong> — ignore the input hash and ask the LLM again for unchanged contacts. A
                person&apos;s newer value is still never overwritten.
              </span>
            </label>
          </div>
        </>
      )}
      {blockedBy && (
        <p className="notice bad" role="alert" data-testid="estimate-blocked">
          Run #{blockedBy.id} on “{blockedBy.list_name}” is not finished: let it finish or cancel it before starting
          another.
        </p>
      )}
      {error && (
        <p className="notice bad" role="alert" data-testid="start-error">
          {error}
        </p>
      )}
      <div className="row">
        <button
          type="button"
          className="btn primary"
          data-testid="confirm-run"
          disabled={!e || starting || blockedBy !== null}
          onClick={() => void confirm()}
        >
          {starting
            ? "Starting…"
            : `${dryRun ? "Start dry run" : "Start run"}${e ? ` on ${number(e.contacts)} contacts` : ""}`}
        </button>
        <button type="button" className="btn" onClick={onClose}>
          Choose another list
        </button>
      </div>
    </section>
  );
}
