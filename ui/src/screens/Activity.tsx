import type { AppStatus } from "../bindings/AppStatus";
import { EmptyState } from "../components/States";

export function ActivityScreen({ status }: { status: AppStatus }) {
  const rows = status.overview.audit_rows;
  if (rows === 0) {
    return (
      <EmptyState title="No activity yet" testId="activity-empty">
        Every enrichment round trip — written, unchanged, guarded or failed — is recorded here with
        its correlation ID.
      </EmptyState>
    );
  }
  return <p data-testid="activity-count">{rows} audit rows.</p>;
}
