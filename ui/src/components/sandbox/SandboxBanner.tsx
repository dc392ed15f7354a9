import type { SandboxStatus } from "../../bindings/SandboxStatus";
import "./sandbox.css";

/**
 * The line across the top of every screen while the sandbox runs, so nobody mistakes the
 * simulated portal for their CRM.
 */
export function SandboxBanner({
  status,
  onOpen,
  onConnect,
}: {
  status: SandboxStatus;
  onOpen: () => void;
  onConnect: () => void;
}) {
  if (status.state === "off") return null;
  if (status.state === "failed") {
    return (
      <div className="sandbox-banner failed" role="alert" data-testid="sandbox-banner">
        <strong>Sandbox</strong>
        <span>The sandbox could not start: {status.problem}</span>
        <button type="button" className="btn" onClick={onConnect}>
          Connect HubSpot
        </button>
      </div>
    );
  }
  const info = status.info;
  return (
    <div className="sandbox-banner" role="status" data-testid="sandbox-banner">
      <strong>Sandbox</strong>
      {status.state === "starting" || !info ? (
        <span className="sandbox-text">Starting a simulated HubSpot portal…</span>
      ) : (
        <span className="sandbox-text">
          Simulated portal {info.portal_id} · {info.contacts} contacts · nothing here touches HubSpot.
        </span>
      )}
      <span className="sandbox-actions">
        <button type="button" className="btn" onClick={onOpen} data-testid="sandbox-open">
          Simulate a person
        </button>
        <button type="button" className="btn primary" onClick={onConnect} data-testid="sandbox-connect">
          Connect HubSpot
        </button>
      </span>
    </div>
  );
}
