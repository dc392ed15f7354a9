import type { AppStatus } from "../bindings/AppStatus";
import type { SettingsUpdate } from "../bindings/SettingsUpdate";
import {
  BudgetSection,
  ConnectionSection,
  InputsSection,
  LlmSection,
  PromptSection,
} from "../components/SettingsForms";
import { ErrorPanel, Loading } from "../components/States";
import { settingsView, updateSettings } from "../lib/admin";
import { SETTINGS_CHANGED } from "../lib/events";
import { useLive } from "../lib/useLive";
import { useState } from "react";
import type { SettingsView } from "../bindings/SettingsView";
import "../components/admin.css";
import { navigate } from "../lib/nav";

function About({ status }: { status: AppStatus }) {
  return (
    <section className="panel">
      <h2>About this installation</h2>
      <dl className="facts" data-testid="settings-facts">
        <dt>Version</dt>
        <dd data-testid="settings-version">{status.version}</dd>
        <dt>Data directory</dt>
        <dd data-testid="settings-data-dir">
          <code>{status.data_dir}</code>
        </dd>
        <dt>Database</dt>
        <dd>
          <code>{status.database}</code> (schema v{status.schema_version})
        </dd>
        <dt>Logs</dt>
        <dd>
          <code>{status.log_dir}</code>
        </dd>
      </dl>
    </section>
  );
}

/** Every admin choice: the LLM and its key, budget, prompt (versioned), inputs and per-field
 *  policies, relay and connection. */
export function SettingsScreen({ status }: { status: AppStatus }) {
  const live = useLive(settingsView, [], [SETTINGS_CHANGED]);
  // A save shows its result at once; the next engine read (after the settings event) wins.
  const [override, setOverride] = useState<{ base: SettingsView | undefined; view: SettingsView } | null>(null);
  const view = override && override.base === live.data ? override.view : live.data;
  const show = (v: SettingsView) => setOverride({ base: live.data, view: v });
  const save = async (update: SettingsUpdate) => show((await updateSettings(update)).view);
  return (
    <div className="stack">
      {live.state === "loading" && !view && <Loading />}
      {live.state === "error" && !view && <ErrorPanel message={live.error ?? "error"} onRetry={live.reload} />}
      {view && (
        <div className="stack">
          <LlmSection view={view} save={save} onView={show} />
          <BudgetSection view={view} save={save} />
          <PromptSection view={view} save={save} />
          <InputsSection view={view} save={save} />
          <ConnectionSection view={view} save={save} />
        </div>
      )}
      <section className="panel" data-testid="settings-setup">
        <h2>Setup steps</h2>
        <p className="muted">
          Connect, provision the ai_* properties, choose the LLM and dry-run one contact: each step
          can be redone at any time.
        </p>
        <button type="button" onClick={() => navigate({ screen: "connect" })}>
          Open the setup steps
        </button>
      </section>
      <About status={status} />
    </div>
  );
}
