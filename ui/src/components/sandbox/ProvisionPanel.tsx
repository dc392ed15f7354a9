import { useState } from "react";
import type { ProvisionReport } from "../../bindings/ProvisionReport";
import { sandboxProvision } from "../../lib/sandboxApi";
import { useAction } from "../onboarding/useAction";

/** Step one in the sandbox, as in a real portal: create the `ai_*` properties. */
export function ProvisionPanel() {
  const { busy, error, run } = useAction();
  const [report, setReport] = useState<ProvisionReport | null>(null);
  const created = report?.items.filter((i) => i.status.status === "created").length ?? 0;
  const ready = report?.items.filter((i) => i.status.status === "already_correct").length ?? 0;
  const problems = report?.items.filter((i) => i.status.status === "conflict" || i.status.status === "failed") ?? [];
  return (
    <section className="panel sandbox-step" aria-labelledby="sandbox-provision">
      <h2 id="sandbox-provision">1. Create the AI properties</h2>
      <p className="muted">
        Steward writes only to its own <code>ai_*</code> properties, in the <code>ai_enrichment</code> group. One
        click creates them in the simulated portal, as it does in yours.
      </p>
      <div className="actions">
        <button
          type="button"
          className="btn primary"
          disabled={busy}
          onClick={() => void run(async () => setReport(await sandboxProvision()))}
          data-testid="sandbox-provision"
        >
          {busy ? "Creating…" : "Create the properties"}
        </button>
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {report && (
        <p data-testid="sandbox-provision-report" role="status">
          {created} created, {ready} already there
          {problems.length > 0 && `, ${problems.length} with problems: ${problems.map((p) => p.name).join(", ")}`}.
        </p>
      )}
    </section>
  );
}
