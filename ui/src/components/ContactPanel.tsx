import { useState } from "react";
import type { ContactDetail } from "../bindings/ContactDetail";
import type { DryRunResult } from "../bindings/DryRunResult";
import type { FieldRow } from "../bindings/FieldRow";
import type { TimelineEntry } from "../bindings/TimelineEntry";
import { dryRunContact, openInHubspot, reenrichContact } from "../lib/admin";
import { errorMessage } from "../lib/api";
import { OUTCOME_LABELS, ago, formatTime, money, outcomeTone } from "../lib/format";
import { navigate } from "../lib/nav";
import { DiffTable } from "./DiffTable";
import { WriterBadge } from "./WriterBadge";

function CorrelationLink({ id }: { id: string }) {
  return (
    <button
      type="button"
      className="btn link mono"
      title="Show this round trip in Activity"
      onClick={() => navigate({ screen: "activity", correlationId: id })}
    >
      {id}
    </button>
  );
}

function FieldRows({ rows }: { rows: FieldRow[] }) {
  return (
    <table className="table" data-testid="provenance-fields">
      <thead>
        <tr>
          <th style={{ width: "22%" }}>Field</th>
          <th>Current value</th>
          <th style={{ width: "24%" }}>Written by</th>
          <th style={{ width: "16%" }}>When</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((f) => (
          <tr key={f.property} data-testid={`field-${f.property}`}>
            <td>
              {f.label}
              <div className="small muted mono">{f.property}</div>
            </td>
            <td className="pre">{f.current?.value || <span className="muted">empty</span>}</td>
            <td>
              {f.current ? <WriterBadge writer={f.current.writer} /> : <span className="muted">—</span>}
              {f.run && (
                <div className="small muted">
                  {f.run.model ?? "model ?"} · {f.run.trigger}
                </div>
              )}
              {f.current?.writer.kind === "steward" && (
                <div className="small">
                  <CorrelationLink id={f.current.writer.correlation_id} />
                </div>
              )}
            </td>
            <td className="small" title={formatTime(f.current?.at_ms)}>
              {f.current ? ago(f.current.at_ms) : "—"}
              {f.versions > 1 && <div className="muted">{f.versions} versions</div>}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Timeline({ entries }: { entries: TimelineEntry[] }) {
  if (entries.length === 0) return <p className="muted">No history yet.</p>;
  return (
    <ol className="timeline" data-testid="timeline">
      {entries.map((e, i) =>
        e.kind === "version" ? (
          <li key={i} className={e.writer.kind === "steward" ? "ai" : e.writer.kind === "person" ? "person" : ""}>
            <div className="row small">
              <strong>{e.label}</strong> <WriterBadge writer={e.writer} />
              <span className="muted">{formatTime(e.at_ms)}</span>
            </div>
            <div className="pre">{e.value || <span className="muted">cleared</span>}</div>
          </li>
        ) : (
          <li key={i} className="round">
            <div className="row small">
              <strong>Steward round trip</strong>
              <span className={`tag ${outcomeTone(e.record.outcome)}`}>
                {e.record.outcome ? OUTCOME_LABELS[e.record.outcome] : "?"}
              </span>
              <span className="muted">{formatTime(e.at_ms)}</span>
              <CorrelationLink id={e.record.correlation_id} />
            </div>
            {e.record.reason && <div className="small muted">{e.record.reason}</div>}
            {e.record.fields_written.length > 0 && (
              <div className="small">wrote {e.record.fields_written.join(", ")}</div>
            )}
          </li>
        ),
      )}
    </ol>
  );
}

/** One contact: who wrote each AI value, the merged history, and what the admin can do. */
export function ContactPanel({ detail }: { detail: ContactDetail }) {
  const [busy, setBusy] = useState<"" | "dry" | "enrich" | "open">("");
  const [dry, setDry] = useState<DryRunResult | null>(null);
  const [message, setMessage] = useState<{ tone: "good" | "bad"; text: string } | null>(null);
  const content = detail.fields.filter((f) => f.role === "content");
  const bookkeeping = detail.fields.filter((f) => f.role === "bookkeeping");

  const run = async (what: "dry" | "enrich" | "open") => {
    setBusy(what);
    setMessage(null);
    try {
      if (what === "dry") setDry(await dryRunContact(detail.contact_id));
      if (what === "enrich") {
        await reenrichContact(detail.contact_id);
        setMessage({ tone: "good", text: "Queued: Steward re-enriches this contact now; the page updates when it is done." });
      }
      if (what === "open") await openInHubspot(detail.contact_id);
    } catch (e) {
      setMessage({ tone: "bad", text: errorMessage(e) });
    } finally {
      setBusy("");
    }
  };

  return (
    <div className="stack" data-testid="contact-panel">
      <section className="panel">
        <div className="row spread">
          <div>
            <h2 style={{ margin: 0 }}>{detail.name ?? detail.email ?? `Contact ${detail.contact_id}`}</h2>
            <div className="muted small">
              {[detail.email, detail.company, `id ${detail.contact_id}`].filter(Boolean).join(" · ")}
            </div>
          </div>
          <div className="row">
            <button type="button" className="btn" disabled={busy !== ""} onClick={() => void run("open")} title={detail.hubspot_url}>
              Open in HubSpot
            </button>
            <button type="button" className="btn" disabled={busy !== ""} onClick={() => void run("enrich")}>
              {busy === "enrich" ? "Queueing…" : "Re-enrich now"}
            </button>
            <button type="button" className="btn primary" disabled={busy !== ""} onClick={() => void run("dry")}>
              {busy === "dry" ? "Asking the AI…" : "Dry run"}
            </button>
          </div>
        </div>
        {message && (
          <div className={`notice ${message.tone}`} role="status" style={{ marginTop: 10 }}>
            {message.text}
          </div>
        )}
      </section>
      <section className="panel">
        <h2>AI fields</h2>
        <FieldRows rows={content} />
        {bookkeeping.length > 0 && (
          <details style={{ marginTop: 10 }}>
            <summary className="muted small">Bookkeeping fields (hash, correlation ID, model, run times)</summary>
            <FieldRows rows={bookkeeping} />
          </details>
        )}
      </section>
      {dry && (
        <section className="panel" data-testid="dry-run">
          <h2>Dry run — nothing was written</h2>
          <p className="muted small" style={{ marginTop: 0 }}>
            {dry.outcome ? OUTCOME_LABELS[dry.outcome] : ""} {dry.correlation_id && <>· {dry.correlation_id}</>} · cost{" "}
            {money(dry.cost_micros)}
          </p>
          {dry.diff ? <DiffTable diff={dry.diff} /> : <p>{dry.message ?? "No proposal."}</p>}
        </section>
      )}
      <section className="panel">
        <h2>History</h2>
        <p className="muted small" style={{ marginTop: 0 }}>
          HubSpot&apos;s versions of the AI fields merged with Steward&apos;s round trips, newest first.
        </p>
        <Timeline entries={detail.timeline} />
      </section>
    </div>
  );
}
