import { useMemo, useState } from "react";
import type { AppStatus } from "../bindings/AppStatus";
import type { AuditRecord } from "../bindings/AuditRecord";
import type { ExportFormat } from "../bindings/ExportFormat";
import type { ExportSummary } from "../bindings/ExportSummary";
import type { Outcome } from "../bindings/Outcome";
import { ActivityCharts } from "../components/ActivityCharts";
import { AuditTable } from "../components/AuditTable";
import { EmptyState, ErrorPanel, Loading } from "../components/States";
import { auditCount, auditFilter, auditInsights, exportAudit, revealExport } from "../lib/admin";
import { errorMessage } from "../lib/api";
import { AUDIT_APPENDED } from "../lib/events";
import { formatTime, money, number, OUTCOME_LABELS, OUTCOMES } from "../lib/format";
import { takeIntent } from "../lib/nav";
import { useLive } from "../lib/useLive";
import "../components/admin.css";

const PERIODS: Array<{ label: string; ms: number | null }> = [
  { label: "Any time", ms: null },
  { label: "Last 24 hours", ms: 86_400_000 },
  { label: "Last 7 days", ms: 7 * 86_400_000 },
  { label: "Last 30 days", ms: 30 * 86_400_000 },
];

function RowDetail({ row }: { row: AuditRecord }) {
  return (
    <section className="detail" data-testid="audit-detail">
      <dl className="facts">
        <dt>Correlation ID</dt>
        <dd className="mono">{row.correlation_id}</dd>
        <dt>When</dt>
        <dd>{formatTime(row.created_at)}</dd>
        <dt>Contact</dt>
        <dd>
          {row.contact_id} (portal {row.portal_id})
        </dd>
        <dt>Trigger</dt>
        <dd>
          {row.trigger}
          {row.trigger_ref ? ` · ${row.trigger_ref}` : ""}
          {row.run_id !== null ? ` · run ${row.run_id}` : ""}
        </dd>
        <dt>Model</dt>
        <dd>
          {row.model ?? "—"} {row.prompt_version !== null && `(prompt v${row.prompt_version})`}
        </dd>
        <dt>Fields written</dt>
        <dd>{row.fields_written.length ? row.fields_written.join(", ") : "none"}</dd>
        <dt>Reason</dt>
        <dd>{row.reason ?? "—"}</dd>
        <dt>Cost · time</dt>
        <dd>
          {money(row.cost_micros)} · {row.tokens_in} in / {row.tokens_out} out tokens · fetch {row.fetch_ms} ms, LLM{" "}
          {row.llm_ms} ms, write {row.write_ms} ms
        </dd>
        {row.proposal && (
          <>
            <dt>Proposal</dt>
            <dd>
              <pre className="mono pre">{JSON.stringify(row.proposal, null, 2)}</pre>
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

/** The audit log: charts, filters, a virtualized table and exports. */
export function ActivityScreen({ status }: { status: AppStatus }) {
  const [intent] = useState(() => takeIntent("activity"));
  const [outcome, setOutcome] = useState<Outcome | "">("");
  const [period, setPeriod] = useState(0);
  const [since, setSince] = useState<number | null>(null);
  const [contact, setContact] = useState("");
  const [correlation, setCorrelation] = useState(intent?.correlationId ?? "");
  // Set when a batch run's "Audit rows" link opened the screen.
  const [runId, setRunId] = useState<number | null>(intent?.runId ?? null);
  const [days, setDays] = useState(30);
  const [picked, setPicked] = useState<AuditRecord | null>(null);
  const [exported, setExported] = useState<ExportSummary | null>(null);
  const [exporting, setExporting] = useState<ExportFormat | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);

  const contactId = /^\d+$/.test(contact.trim()) ? Number(contact.trim()) : null;
  const filter = useMemo(
    () =>
      auditFilter({
        outcome: outcome || null,
        since_ms: since,
        contact_id: contactId,
        correlation_id: correlation.trim() || null,
        run_id: runId,
      }),
    [outcome, since, contactId, correlation, runId],
  );
  const total = useLive(() => auditCount(filter), [filter], [AUDIT_APPENDED], 2000);
  const insights = useLive(
    () => auditInsights({ days, utc_offset_minutes: -new Date().getTimezoneOffset() }),
    [days],
    [AUDIT_APPENDED],
    5000,
  );

  const filtered =
    outcome !== "" || since !== null || contactId !== null || correlation.trim() !== "" || runId !== null;
  if (status.overview.audit_rows === 0 && (total.data ?? 0) === 0 && !filtered) {
    return (
      <EmptyState title="No activity yet" testId="activity-empty">
        Every enrichment round trip — written, unchanged, guarded or failed — is recorded here with its correlation
        ID.
      </EmptyState>
    );
  }

  const doExport = async (format: ExportFormat) => {
    setExporting(format);
    setExportError(null);
    try {
      setExported(await exportAudit(filter, format));
    } catch (e) {
      setExportError(errorMessage(e));
    } finally {
      setExporting(null);
    }
  };

  return (
    <div className="stack">
      <div className="row spread">
        <span className="muted small">Charts for</span>
        <select aria-label="Chart period" value={days} onChange={(e) => setDays(Number(e.target.value))}>
          <option value={7}>the last 7 days</option>
          <option value={30}>the last 30 days</option>
          <option value={90}>the last 90 days</option>
        </select>
        <span className="grow" />
      </div>
      {insights.state === "loading" && <Loading />}
      {insights.state === "error" && <ErrorPanel message={insights.error ?? "error"} onRetry={insights.reload} />}
      {insights.data && <ActivityCharts insights={insights.data} />}

      <div className="toolbar" role="search">
        <label>
          Outcome
          <select aria-label="Outcome" value={outcome} onChange={(e) => setOutcome(e.target.value as Outcome | "")}>
            <option value="">Any</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {OUTCOME_LABELS[o]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Time
          <select
            aria-label="Time"
            value={period}
            onChange={(e) => {
              const i = Number(e.target.value);
              setPeriod(i);
              const ms = PERIODS[i]?.ms ?? null;
              setSince(ms === null ? null : Date.now() - ms);
            }}
          >
            {PERIODS.map((p, i) => (
              <option key={p.label} value={i}>
                {p.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Contact
          <input aria-label="Contact id" inputMode="numeric" size={10} placeholder="id" value={contact} onChange={(e) => setContact(e.target.value)} />
        </label>
        <label>
          Correlation ID
          <input aria-label="Correlation ID" className="mono" size={18} value={correlation} onChange={(e) => setCorrelation(e.target.value)} />
        </label>
        {runId !== null && (
          <span className="chip" data-testid="activity-run-filter">
            Batch run #{runId}
            <button type="button" aria-label={`Show all runs, not only run ${runId}`} onClick={() => setRunId(null)}>
              ×
            </button>
          </span>
        )}
        {filtered && (
          <button
            type="button"
            className="btn"
            onClick={() => {
              setOutcome("");
              setPeriod(0);
              setSince(null);
              setContact("");
              setCorrelation("");
              setRunId(null);
            }}
          >
            Clear
          </button>
        )}
        <span className="grow" />
        <span className="muted small" data-testid="activity-count">
          {total.data !== undefined ? `${number(total.data)} rows` : "…"}
        </span>
        <button type="button" className="btn" disabled={exporting !== null} onClick={() => void doExport("csv")}>
          {exporting === "csv" ? "Exporting…" : "Export CSV"}
        </button>
        <button type="button" className="btn" disabled={exporting !== null} onClick={() => void doExport("jsonl")}>
          {exporting === "jsonl" ? "Exporting…" : "Export JSONL"}
        </button>
      </div>
      {exported && (
        <div className="notice good row" role="status" data-testid="export-done">
          <span className="grow">
            Exported {number(exported.rows)} rows to <code data-testid="export-path">{exported.path}</code>
          </span>
          <button type="button" className="btn" onClick={() => void revealExport(exported.path).catch(() => undefined)}>
            Show in folder
          </button>
        </div>
      )}
      {exportError && (
        <div className="notice bad" role="alert">
          {exportError}
        </div>
      )}
      <AuditTable filter={filter} picked={picked?.id ?? null} onPick={setPicked} />
      {picked && <RowDetail row={picked} />}
    </div>
  );
}
