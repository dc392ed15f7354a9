import type { AppStatus } from "../bindings/AppStatus";
import { NewContactPanel } from "../components/sandbox/NewContactPanel";
import { PersonPanel } from "../components/sandbox/PersonPanel";
import { ProvisionPanel } from "../components/sandbox/ProvisionPanel";

/**
 * The sandbox's guided tour: create the properties, then act as people in the simulated CRM
 * and watch the queue (Activity), the guard (Reviews) and the provenance (Contacts) respond.
 */
export function SandboxScreen({ status }: { status: AppStatus }) {
  return (
    <div className="sandbox-screen">
      <p className="muted">
        Everything on this screen happens in a simulated HubSpot portal running inside Steward, with a simulated
        AI. It behaves like the real one: webhooks arrive through the relay, the guard protects people's edits, and
        every write is audited. {status.overview.audit_rows > 0 && `${status.overview.audit_rows} audit rows so far.`}
      </p>
      <ProvisionPanel />
      <PersonPanel />
      <NewContactPanel />
    </div>
  );
}
