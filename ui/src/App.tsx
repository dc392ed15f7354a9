import { useState } from "react";
import { appStatus } from "./lib/api";
import { useCommand } from "./lib/useCommand";
import { SCREENS, type ScreenId } from "./screens";
import { Loading, ErrorPanel } from "./components/States";
import { REVIEWS_CHANGED, useEvents } from "./lib/events";
import { useNavigation } from "./lib/nav";
import type { ReviewsChanged } from "./bindings/ReviewsChanged";

/** The app frame: navigation on the left, the chosen screen on the right. */
export function App() {
  const [screen, setScreen] = useState<ScreenId>("connect");
  const [status, reload] = useCommand(appStatus);
  // The engine pushes the pending count as reviews are raised and resolved.
  const [livePending, setLivePending] = useState<number | null>(null);
  useEvents<ReviewsChanged>([REVIEWS_CHANGED], (r) => setLivePending(r.pending));
  useNavigation((id) => setScreen(id));
  const pending = livePending ?? (status.state === "ready" ? status.data.overview.pending_reviews : 0);
  const current = SCREENS.find((s) => s.id === screen) ?? SCREENS[0]!;

  return (
    <div className="frame">
      <nav className="nav" aria-label="Main">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">S</span>
          <span>Steward</span>
        </div>
        <ul>
          {SCREENS.map((s) => (
            <li key={s.id}>
              <button
                type="button"
                data-testid={`nav-${s.id}`}
                className={s.id === screen ? "nav-item active" : "nav-item"}
                aria-current={s.id === screen ? "page" : undefined}
                onClick={() => setScreen(s.id)}
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
        <h1>{current.title}</h1>
        {status.state === "loading" && <Loading />}
        {status.state === "error" && <ErrorPanel message={status.message} onRetry={reload} />}
        {status.state === "ready" && <current.Component status={status.data} />}
      </main>
    </div>
  );
}
