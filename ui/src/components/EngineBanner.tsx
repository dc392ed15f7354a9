import type { EngineStatus } from "../bindings/EngineStatus";
import type { Pause } from "../bindings/Pause";
import "./EngineBanner.css";

/** The engine's own words for a pause, and where the admin fixes it. */
function explain(pause: Pause): { text: string; fix: "connect" | "settings" | null } {
  switch (pause.kind) {
    case "reconnect":
      return { text: pause.message, fix: "connect" };
    case "llm_config":
      return { text: pause.message, fix: "settings" };
    case "budget":
      return { text: "the monthly LLM budget is used up: raise it in Settings or wait for next month", fix: "settings" };
    case "daily_limit":
      return { text: "HubSpot's daily API limit is reached: enrichment resumes tomorrow", fix: null };
  }
}

/**
 * The line across the top of every screen while enrichment is paused (a revoked connection,
 * a refused LLM key, the budget, HubSpot's daily limit) or the engine has a problem: nothing is
 * lost meanwhile, and the admin sees why and where to fix it.
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
    const { text, fix } = explain(status.pause);
    return (
      <div className="engine-banner" role="alert" data-testid="engine-banner">
        <strong>Paused</strong>
        <span className="grow">Enrichment is paused, queued work waits: {text}</span>
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
