import type { AppStatus } from "../bindings/AppStatus";
import { EmptyState } from "../components/States";

export function ConnectScreen({ status }: { status: AppStatus }) {
  const connection = status.connection;
  if (connection.state === "connected") {
    return (
      <div className="panel" data-testid="connection">
        <h2>Connected to HubSpot</h2>
        <dl className="facts">
          <dt>Portal</dt>
          <dd>{connection.portal_id}</dd>
          <dt>Domain</dt>
          <dd>{connection.domain}</dd>
        </dl>
      </div>
    );
  }
  return (
    <EmptyState title="Not connected to HubSpot" testId="connection">
      Steward reads contacts from your HubSpot portal and writes only its own <code>ai_*</code>{" "}
      properties back. Until a portal is connected, nothing leaves this computer.
    </EmptyState>
  );
}
