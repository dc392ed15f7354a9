import { useState } from "react";
import type { ContactDiff } from "../../bindings/ContactDiff";
import type { Onboarding } from "../../bindings/Onboarding";
import * as api from "../../lib/connectApi";
import { Step, when } from "./Step";
import { useAction } from "./useAction";

const DECISION: Record<string, string> = {
  write: "Would write",
  unchanged: "Unchanged",
  keep: "Kept (policy)",
  never: "Never written",
  blocked: "Blocked — a person edited it",
};

/** Step 4: the whole round trip for one contact, showing the diff it would write. */
export function DryRunStep({ state, onChange }: { state: Onboarding; onChange: () => void }) {
  const [contact, setContact] = useState(state.last_dry_run ? String(state.last_dry_run.contact_id) : "");
  const [diff, setDiff] = useState<ContactDiff | null>(null);
  const action = useAction();
  const connected = state.connection !== null;
  const last = state.last_dry_run;
  const run = () =>
    action.run(async () => {
      setDiff(await api.dryRunContact(Number(contact)));
      onChange();
    });

  return (
    <Step n={4} id="dry-run" title="Dry-run one contact" state={state.dry_run}>
      <p className="muted">
        Reads a contact, asks the model and runs the guard — and writes nothing. Use a contact id from the
        contact's HubSpot URL.
      </p>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <label>
          Contact id
          <input
            data-testid="dry-run-contact"
            inputMode="numeric"
            value={contact}
            onChange={(e) => setContact(e.target.value.replace(/\D/g, ""))}
          />
        </label>
        <button type="submit" data-testid="dry-run-start" disabled={!connected || action.busy || contact === ""}>
          {action.busy ? "Running…" : "Run dry run"}
        </button>
      </form>
      {last && !diff && (
        <p data-testid="dry-run-last">
          Last dry run {when(last.at_ms)}: contact {last.contact_id}, {last.would_write} of {last.fields} fields would
          be written.
        </p>
      )}
      {diff && connected && (
        <div data-testid="dry-run-diff">
          <p>
            Contact {diff.contact_id} · correlation <code>{diff.correlation_id}</code> · nothing was written.
          </p>
          <table className="table">
            <thead>
              <tr>
                <th>Property</th>
                <th>Now</th>
                <th>Proposed</th>
                <th>Decision</th>
              </tr>
            </thead>
            <tbody>
              {diff.fields.map((f) => (
                <tr key={f.property} data-testid={`diff-${f.property}`}>
                  <td>
                    <code>{f.property}</code>
                  </td>
                  <td className="muted">{f.current ?? "—"}</td>
                  <td>{f.proposed}</td>
                  <td>
                    {DECISION[f.decision] ?? f.decision}
                    {f.blocked_by && ` (${f.blocked_by})`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {action.error && (
        <p className="inline-error" role="alert" data-testid="dry-run-error">
          {action.error}
        </p>
      )}
    </Step>
  );
}
