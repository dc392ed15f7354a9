import { useState } from "react";
import type { AuthorizeStart } from "../../bindings/AuthorizeStart";
import type { Onboarding } from "../../bindings/Onboarding";
import * as api from "../../lib/connectApi";
import { Step } from "./Step";
import { useAction } from "./useAction";

/** Step 1: connect through OAuth (the browser, then the steward:// link) or a private-app token. */
export function ConnectStep({ state, onChange }: { state: Onboarding; onChange: () => void }) {
  const view = state.connection;
  const [relayUrl, setRelayUrl] = useState(state.relay_url ?? "");
  const [started, setStarted] = useState<AuthorizeStart | null>(null);
  const [reconnect, setReconnect] = useState(false);
  const [token, setToken] = useState("");
  const [appId, setAppId] = useState("");
  const [revokeFailed, setRevokeFailed] = useState(false);
  const action = useAction();
  // A new connection (the deep link arrived) ends a reconnect or a wait.
  const connectedKey = view ? `${view.info.portal_id}|${view.info.scopes.join(" ")}` : "";
  const [seenKey, setSeenKey] = useState(connectedKey);
  if (seenKey !== connectedKey) {
    setSeenKey(connectedKey);
    setReconnect(false);
    setStarted(null);
  }

  const start = () =>
    action.run(async () => {
      setStarted(await api.connectStart(relayUrl));
      onChange();
    });
  const cancel = () =>
    action.run(async () => {
      await api.connectCancel();
      setStarted(null);
      onChange();
    });
  const connectWithToken = () =>
    action.run(async () => {
      await api.connectPrivateApp(token, Number(appId || "0"));
      setToken("");
      setReconnect(false);
      onChange();
    });
  const doDisconnect = async (force: boolean) => {
    const report = await action.run(() => api.disconnect(force));
    setRevokeFailed(report === undefined && !force);
    if (report) {
      setStarted(null);
      onChange();
    }
  };

  const waiting = started !== null && state.connect_pending;
  const showForm = !view || reconnect;
  return (
    <Step n={1} id="connect" title="Connect to HubSpot" state={state.connect}>
      <div data-testid="connection">
        {view ? (
          <div data-testid="connected-portal">
            <h3>Connected to HubSpot</h3>
            <dl className="facts">
              <dt>Portal</dt>
              <dd data-testid="portal-id">{view.info.portal_id}</dd>
              <dt>Domain</dt>
              <dd>{view.info.ui_domain ?? "—"}</dd>
              <dt>Sign-in</dt>
              <dd>{view.info.auth === "oauth" ? `OAuth through ${view.info.relay_url ?? "the relay"}` : "Private-app token"}</dd>
              {view.info.auth === "oauth" && (
                <>
                  <dt>Granted scopes</dt>
                  <dd data-testid="granted-scopes">
                    <ul className="scopes">
                      {view.info.scopes.map((s) => (
                        <li key={s}>
                          <code>{s}</code>
                        </li>
                      ))}
                    </ul>
                  </dd>
                </>
              )}
              <dt>Token</dt>
              <dd>{view.token_available ? "In the OS keyring" : "Missing from the keyring: reconnect"}</dd>
            </dl>
            {view.missing_scopes.length > 0 && (
              <div className="callout warn" role="alert" data-testid="missing-scopes">
                <strong>Missing scopes — reconnect and grant them:</strong>
                <ul>
                  {view.missing_scopes.map((m) => (
                    <li key={m.scope}>
                      <code>{m.scope}</code>: {m.breaks}
                    </li>
                  ))}
                </ul>
              </div>
            )}
            <div className="actions">
              <button type="button" className="secondary" onClick={() => setReconnect((r) => !r)}>
                {reconnect ? "Keep this connection" : "Reconnect…"}
              </button>
              <button type="button" className="danger" data-testid="disconnect" disabled={action.busy} onClick={() => doDisconnect(false)}>
                Disconnect
              </button>
              {revokeFailed && (
                <button type="button" className="danger" data-testid="disconnect-force" disabled={action.busy} onClick={() => doDisconnect(true)}>
                  Disconnect anyway
                </button>
              )}
            </div>
          </div>
        ) : (
          <>
            <h3>Not connected to HubSpot</h3>
            <p className="muted">
              Steward reads contacts from your HubSpot portal and writes only its own <code>ai_*</code>{" "}
              properties back. Until a portal is connected, nothing leaves this computer.
            </p>
          </>
        )}
      </div>

      {showForm && !waiting && (
        <form
          className="connect-form"
          onSubmit={(e) => {
            e.preventDefault();
            void start();
          }}
        >
          <label>
            Relay URL
            <input
              data-testid="relay-url"
              type="url"
              required
              placeholder="https://relay.example.com"
              value={relayUrl}
              onChange={(e) => setRelayUrl(e.target.value)}
            />
          </label>
          <button type="submit" data-testid="connect-start" disabled={action.busy || relayUrl.trim() === ""}>
            {action.busy ? "Starting…" : "Connect with HubSpot"}
          </button>
          <p className="muted small">
            Your browser opens HubSpot; after you approve, HubSpot sends you back to Steward through a{" "}
            <code>steward://</code> link. The refresh token is kept in the OS keyring only.
          </p>
        </form>
      )}

      {waiting && started && (
        <div className="callout" data-testid="connect-waiting">
          <p>
            <strong>Waiting for HubSpot…</strong> Approve Steward in the browser window. If no browser opened,
            open this address:
          </p>
          <p className="authorize-url" data-testid="authorize-url">
            {started.authorize_url}
          </p>
          <button type="button" className="secondary" data-testid="connect-cancel" onClick={() => void cancel()}>
            Cancel
          </button>
        </div>
      )}

      {showForm && (
        <details className="private-app">
          <summary>Use a private-app token instead</summary>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void connectWithToken();
            }}
          >
            <label>
              Private-app token
              <input data-testid="pat-token" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} />
            </label>
            <label>
              HubSpot app id (optional)
              <input data-testid="pat-app-id" inputMode="numeric" value={appId} onChange={(e) => setAppId(e.target.value.replace(/\D/g, ""))} />
            </label>
            <button type="submit" disabled={action.busy || token.trim() === ""}>
              Connect with the token
            </button>
          </form>
        </details>
      )}

      {action.error && (
        <p className="inline-error" role="alert" data-testid="connect-error">
          {action.error}
        </p>
      )}
    </Step>
  );
}
