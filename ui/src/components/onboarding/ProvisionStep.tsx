import { useState } from "react";
import type { ItemStatus } from "../../bindings/ItemStatus";
import type { Onboarding } from "../../bindings/Onboarding";
import type { ProvisionReport } from "../../bindings/ProvisionReport";
import * as api from "../../lib/connectApi";
import { Step, when } from "./Step";
import { useAction } from "./useAction";

const STATUS: Record<ItemStatus["status"], string> = {
  created: "Created",
  would_create: "Would create",
  already_correct: "Already correct",
  conflict: "Conflict — left untouched",
  failed: "Failed",
};

/** Step 2: the ai_enrichment group and the ten ai_* properties, idempotently. */
export function ProvisionStep({ state, onChange }: { state: Onboarding; onChange: () => void }) {
  const [report, setReport] = useState<ProvisionReport | null>(null);
  const action = useAction();
  const connected = state.connection !== null;
  const run = (dryRun: boolean) =>
    action.run(async () => {
      setReport(await api.provision(dryRun));
      onChange();
    });
  const last = state.last_provision;
  const count = (s: ItemStatus["status"]) => report?.items.filter((i) => i.status.status === s).length ?? 0;

  return (
    <Step n={2} id="provision" title="Create the AI properties" state={state.provision}>
      <p className="muted">
        One click creates the <code>ai_enrichment</code> group and the ten <code>ai_*</code> contact properties.
        Running it again creates nothing; a same-name property of another type is reported, never changed.
      </p>
      {last && !report && (
        <p data-testid="provision-last">
          Last run {when(last.at_ms)}: {last.created} created, {last.already_correct} already correct
          {last.conflicts > 0 && `, ${last.conflicts} conflicts`}
          {last.failed > 0 && `, ${last.failed} failed`}.
        </p>
      )}
      <div className="actions">
        <button type="button" data-testid="provision-run" disabled={!connected || action.busy} onClick={() => void run(false)}>
          {last ? "Run again" : "Create properties"}
        </button>
        <button type="button" className="secondary" data-testid="provision-preview" disabled={!connected || action.busy} onClick={() => void run(true)}>
          Preview (dry run)
        </button>
      </div>
      {!connected && <p className="muted small">Connect first.</p>}
      {report && connected && (
        <div data-testid="provision-report">
          <p data-testid="provision-summary">
            {report.dry_run ? "Preview: " : ""}
            {count("created")} created, {count("would_create")} would be created, {count("already_correct")} already
            correct, {count("conflict")} conflicts, {count("failed")} failed.
          </p>
          <table className="table">
            <thead>
              <tr>
                <th>Property</th>
                <th>Status</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              {report.items.map((i) => (
                <tr key={i.name} className={`row-${i.status.status}`} data-testid={`provision-item-${i.name}`}>
                  <td>
                    <code>{i.name}</code>
                  </td>
                  <td>{STATUS[i.status.status]}</td>
                  <td>{"reason" in i.status ? i.status.reason : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {action.error && (
        <p className="inline-error" role="alert" data-testid="provision-error">
          {action.error}
        </p>
      )}
    </Step>
  );
}
