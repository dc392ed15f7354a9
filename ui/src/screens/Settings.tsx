import type { AppStatus } from "../bindings/AppStatus";

export function SettingsScreen({ status }: { status: AppStatus }) {
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
