import type { ContactDiff } from "../bindings/ContactDiff";

/** How each guard decision reads, and its tone (shared with a batch run's diffs). */
export const DECISIONS: Record<string, { label: string; tone: string }> = {
  write: { label: "Would write", tone: "good" },
  unchanged: { label: "Unchanged", tone: "" },
  keep: { label: "Kept (fill empty only)", tone: "" },
  never: { label: "Never written", tone: "" },
  blocked: { label: "Blocked: review", tone: "warn" },
};

/** What a round trip would do, field by field: current value, the AI's proposal, decision. */
export function DiffTable({ diff }: { diff: ContactDiff }) {
  return (
    <table className="table fixed" data-testid="diff-table">
      <thead>
        <tr>
          <th style={{ width: "24%" }}>Field</th>
          <th>Now in HubSpot</th>
          <th>AI proposal</th>
          <th style={{ width: "19%" }}>Decision</th>
        </tr>
      </thead>
      <tbody>
        {diff.fields.map((f) => {
          const d = DECISIONS[f.decision] ?? { label: f.decision, tone: "" };
          return (
            <tr key={f.property}>
              <td className="mono">{f.property}</td>
              <td className="pre">{f.current || <span className="muted">empty</span>}</td>
              <td className="pre">{f.proposed}</td>
              <td>
                <span className={`tag ${d.tone}`}>{d.label}</span>
                {f.blocked_by && <div className="small muted">by {f.blocked_by}</div>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
