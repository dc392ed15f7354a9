import { useEffect, useState } from "react";
import { appStatus } from "./lib/api";
import { SANDBOX_OFF, WORKSPACE_CHANGED, sandboxStatus } from "./lib/sandboxApi";
import { SandboxBanner } from "./components/sandbox/SandboxBanner";
import { EngineBanner } from "./components/EngineBanner";
import type { EngineStatus } from "./bindings/EngineStatus";
import { engineStatus } from "./lib/connectApi";
import type { SandboxStatus } from "./bindings/SandboxStatus";
import { useCommand } from "./lib/useCommand";
import { SCREENS, type ScreenId } from "./screens";
import { Loading, ErrorPanel } from "./components/States";
import { ENGINE_STATUS, REVIEWS_CHANGED, useEvents } from "./lib/events";
import { useNavigation } from "./lib/nav";
import type { ReviewsChanged } from "./bindings/ReviewsChanged";

/** The app frame: navigation on the left, the chosen screen on the right. */
export function App() {
  const [screen, setScreen] = useState<ScreenId>("connect");
  const [navigated, setNavigated] = useState(false);
  const [status, reload] = useCommand(appStatus);
  const [sandbox, setSandbox] = useState<SandboxStatus>(SANDBOX_OFF);
  // Bumped when the screens switch between the sandbox and the real portal: they remount.
  const [workspace, setWorkspace] = useState(0);
  // The engine pushes the pending count as reviews are raised and resolved.
  const [livePending, setLivePending] = useState<number | null>(null);
  useEvents<ReviewsChanged>([REVIEWS_CHANGED], (r) => setLivePending(r.pending));
  // Why enrichment pauses (a revoked connection, a refused LLM key…), pushed as it changes.
  const [engine, setEngine] = useState<EngineStatus | null>(null);
  useEvents<EngineStatus>([ENGINE_STATUS], setEngine);
  useEffect(() => {
    let live = true;
    void sandboxStatus().then((s) => live && setSandbox(s));
    engineStatus().then(
      (s) => live && setEngine(s),
      () => undefined, // the banner waits for the first pushed status
    );
    return () => {
      live = false;
    };
  }, []);
  useEvents<SandboxStatus>([WORKSPACE_CHANGED], (s) => {
    setSandbox(s);
    setLivePending(null);
    setWorkspace((w) => w + 1);
    reload();
  });
  const go = (id: ScreenId) => {
    setNavigated(true);
    setScreen(id);
  };
  useNavigation((id) => go(id));
  const inSandbox = sandbox.state !== "off";
  // A newcomer lands on the sandbox tour; someone who already moved on stays where they are.
  const shown: ScreenId = inSandbox && !navigated && screen === "connect" ? "sandbox" : screen;
  const screens = SCREENS.filter((s) => inSandbox || !s.sandboxOnly);
  const pending = livePending ?? (status.state === "ready" ? status.data.overview.pending_reviews : 0);
  const current = screens.find((s) => s.id === shown) ?? screens.find((s) => s.id === "connect") ?? SCREENS[0]!;

  return (
    <div className="frame">
      <nav className="nav" aria-label="Main">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">S</span>
          <span>Steward</span>
        </div>
        <ul>
          {screens.map((s) => (
            <li key={s.id}>
              <button
                type="button"
                data-testid={`nav-${s.id}`}
                className={s.id === current.id ? "nav-item active" : "nav-item"}
                aria-current={s.id === current.id ? "page" : undefined}
                onClick={() => go(s.id)}
              >
                <span>{s.title}</span>
                {s.id === "reviews" && pending > 0 && (
                  <span className="badge" aria-label={`${pending} pending`}>
                    {pending}
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
        {status.state === "ready" && (
          <div className="nav-footer" data-testid="nav-version">
            v{status.data.version}
          </div>
        )}
      </nav>
      <main className="content" data-testid={`screen-${current.id}`}>
        <SandboxBanner status={sandbox} onOpen={() => go("sandbox")} onConnect={() => go("connect")} />
        <EngineBanner status={engine} onConnect={() => go("connect")} onSettings={() => go("settings")} />
        <h1>{current.title}</h1>
        {status.state === "loading" && <Loading />}
        {status.state === "error" && <ErrorPanel message={status.message} onRetry={reload} />}
        {status.state === "ready" && (sandbox.state === "starting" && current.id !== "connect" ? (
          <Loading />
        ) : (
          <current.Component key={`${current.id}-${workspace}`} status={status.data} />
        ))}
      </main>
    </div>
  );
}
