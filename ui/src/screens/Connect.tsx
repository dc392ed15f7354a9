import { useCallback, useEffect, useState } from "react";
import type { AppStatus } from "../bindings/AppStatus";
import type { LinkOutcome } from "../bindings/LinkOutcome";
import type { Onboarding } from "../bindings/Onboarding";
import { errorMessage } from "../lib/api";
import * as api from "../lib/connectApi";
import { ErrorPanel, Loading } from "../components/States";
import { OnboardingWizard } from "../components/onboarding/Wizard";

type Load = { state: "loading" } | { state: "error"; message: string } | { state: "ready"; data: Onboarding };

/** The wizard's state, refreshed in place (the steps keep their reports while it reloads). */
function useOnboarding(): [Load, () => void] {
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const refresh = useCallback(() => {
    api.onboardingState().then(
      (data) => setLoad({ state: "ready", data }),
      (e: unknown) => setLoad((prev) => (prev.state === "ready" ? prev : { state: "error", message: errorMessage(e) })),
    );
  }, []);
  useEffect(refresh, [refresh]);
  return [load, refresh];
}

/** Before the wizard's state arrives (or if it cannot): what the frame already knows. */
function ConnectionSummary({ status }: { status: AppStatus }) {
  const c = status.connection;
  return (
    <div className="panel" data-testid="connection">
      {c.state === "connected" ? (
        <>
          <h2>Connected to HubSpot</h2>
          <p>
            Portal {c.portal_id} ({c.domain || "unknown domain"})
          </p>
        </>
      ) : (
        <h2>Not connected to HubSpot</h2>
      )}
    </div>
  );
}

/** What became of the last steward:// link: connected, or refused with the reason. */
function OutcomeBanner({ outcome, onClose }: { outcome: LinkOutcome; onClose: () => void }) {
  return (
    <div
      className={outcome.ok ? "callout ok" : "callout bad"}
      role={outcome.ok ? "status" : "alert"}
      data-testid="link-outcome"
    >
      <p>
        <strong>{outcome.ok ? "Connected." : outcome.refused ? "Link refused." : "Connect failed."}</strong>{" "}
        {outcome.message}
      </p>
      <button type="button" className="link" onClick={onClose} aria-label="Dismiss">
        Dismiss
      </button>
    </div>
  );
}

export function ConnectScreen({ status }: { status: AppStatus }) {
  const [load, refresh] = useOnboarding();
  const [outcome, setOutcome] = useState<LinkOutcome | null>(null);

  useEffect(() => {
    let live = true;
    api.lastLinkOutcome().then(
      (o) => live && o && setOutcome(o),
      () => {},
    );
    const unlisten = api.onConnectOutcome((o) => {
      setOutcome(o);
      refresh();
    });
    return () => {
      live = false;
      // The event system may already be gone (window closing, test mocks cleared).
      unlisten.then((f) => f()).catch(() => {});
    };
  }, [refresh]);

  return (
    <div className="connect-screen">
      {outcome && <OutcomeBanner outcome={outcome} onClose={() => setOutcome(null)} />}
      {load.state === "ready" ? (
        <OnboardingWizard state={load.data} onChange={refresh} />
      ) : (
        <>
          <ConnectionSummary status={status} />
          {load.state === "loading" ? <Loading /> : <ErrorPanel message={load.message} onRetry={refresh} />}
        </>
      )}
    </div>
  );
}
