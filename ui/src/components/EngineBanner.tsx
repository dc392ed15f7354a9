import type { EngineStatus } from "../bindings/EngineStatus";
import type { Pause } from "../bindings/Pause";
import "./EngineBanner.css";

/** Where the admin fixes a pause (HubSpot's daily limit resets by itself). */
function fixFor(pause: Pause): "connect" | "settings" | null {
  switch (pause.kind) {
    case "reconnect":
      return "connect";
    case "llm_config":
    case "budget":
      return "settings";
    case "daily_limit":
      return null;
  }
}

/**
 * The line across the top of every screen while enrichment is paused (a revoked connection,
 * a refused LLM key, the budget, HubSpot's daily limit) or the engine has a problem: nothing is
 * lost meanwhile, and the admin sees why (in the engine's words, as the CLI prints them) and
 * where to fix it.
 */
export function EngineBanner({
  status,
  onConnect,
  onSettings,
}: {
  status: EngineStatus | null;
  onConnect: () => void;
  onSettings: () => void;
}) {
  if (!status) return null;
  if (status.pause) {
    const fix = fixFor(status.pause);
    return (
      <div className="engine-banner" role="alert" data-testid="engine-banner">
        <strong>Paused</strong>
        <span className="grow">Enrichment is paused, queued work waits: {status.pause_message}</span>
        {fix === "connect" && (
          <button type="button" className="btn primary" onClick={onConnect}>
            Reconnect
          </button>
        )}
        {fix === "settings" && (
          <button type="button" className="btn" onClick={onSettings}>
            Open Settings
          </button>
        )}
      </div>
    );
  }
  if (status.problem) {
    return (
      <div className="engine-banner" role="alert" data-testid="engine-banner">
        <strong>Engine</strong>
        <span className="grow">{status.problem}</span>
        <button type="button" className="btn" onClick={onConnect}>
          Open Connect
        </button>
      </div>
    );
  }
  return null;
}
