import type { AppStatus } from "../bindings/AppStatus";
import { EmptyState } from "../components/States";

export function BatchRunsScreen({ status }: { status: AppStatus }) {
  const runs = status.overview.batch_runs;
  if (runs === 0) {
    return (
      <EmptyState title="No batch runs yet" testId="batch-empty">
        Re-enrich a HubSpot list after changing the prompt or the model; each run and its totals
        stay here.
      </EmptyState>
    );
  }
  return <p data-testid="batch-count">{runs} batch runs.</p>;
}
