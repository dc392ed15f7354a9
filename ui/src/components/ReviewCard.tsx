import { useState } from "react";
import type { ReviewItem } from "../bindings/ReviewItem";
import { ago, formatTime } from "../lib/format";
import { WriterBadge } from "./WriterBadge";

export interface ReviewCardProps {
  item: ReviewItem;
  focused: boolean;
  selected: boolean;
  busy: boolean;
  editing: boolean;
  error?: string;
  onSelect: (selected: boolean) => void;
  onFocus: () => void;
  onApprove: () => void;
  onReject: () => void;
  onEdit: (editing: boolean) => void;
  onSaveEdit: (value: string) => void;
  onOpenContact: () => void;
}

/** One held-back proposal: the person's value and the AI's, side by side, and the decision. */
export function ReviewCard(p: ReviewCardProps) {
  const { item } = p;
  const [draft, setDraft] = useState(item.proposed_value ?? "");
  return (
    <article
      className={p.focused ? "review focused" : "review"}
      data-testid={`review-${item.id}`}
      aria-current={p.focused ? "true" : undefined}
      onClick={p.onFocus}
    >
      <div className="review-head">
        <input
          type="checkbox"
          aria-label={`Select review ${item.id}`}
          checked={p.selected}
          onChange={(e) => p.onSelect(e.target.checked)}
          onClick={(e) => e.stopPropagation()}
        />
        <h3>{item.field_label}</h3>
        <button type="button" className="btn link" onClick={p.onOpenContact}>
          Contact {item.contact_id}
        </button>
        <span className={item.kind === "conflict" ? "tag bad" : "tag warn"}>
          {item.kind === "conflict" ? "Conflict (restored)" : "Guarded"}
        </span>
        <span className="muted small grow" style={{ textAlign: "right" }} title={formatTime(item.created_at)}>
          raised {ago(item.created_at)}
        </span>
      </div>
      <div className="sides">
        <section className="side human" aria-label="Kept: the person's value">
          <h4>Kept now · the person&apos;s value</h4>
          <div className="value" data-testid="human-value">
            {item.human_value || <span className="muted">empty</span>}
          </div>
          <div className="row small muted">
            <WriterBadge writer={item.human_writer} />
            <span title={formatTime(item.human_at)}>{formatTime(item.human_at)}</span>
          </div>
        </section>
        <section className="side ai" aria-label="Proposed: the AI's value">
          <h4>Proposed · the AI&apos;s value</h4>
          {p.editing ? (
            <textarea
              aria-label="Edited value"
              rows={4}
              value={draft}
              autoFocus
              onChange={(e) => setDraft(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Escape") p.onEdit(false);
                if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) p.onSaveEdit(draft);
              }}
            />
          ) : (
            <div className="value" data-testid="proposed-value">
              {item.proposed_value || <span className="muted">empty</span>}
            </div>
          )}
          <div className="row small muted">
            <span className="tag ai">{item.model ?? "model unknown"}</span>
            <span className="mono" title="Correlation ID: find the round trip in Activity">
              {item.correlation_id}
            </span>
          </div>
        </section>
      </div>
      <p className="why" style={{ margin: 0 }}>
        {item.why_blocked}
      </p>
      {p.error && (
        <div className="notice bad" role="alert">
          {p.error}
        </div>
      )}
      <div className="row">
        {p.editing ? (
          <>
            <button type="button" className="btn primary" disabled={p.busy} onClick={() => p.onSaveEdit(draft)}>
              Save &amp; approve
            </button>
            <button type="button" className="btn" disabled={p.busy} onClick={() => p.onEdit(false)}>
              Cancel
            </button>
          </>
        ) : (
          <>
            <button type="button" className="btn primary" disabled={p.busy} onClick={p.onApprove}>
              Approve AI value
            </button>
            <button type="button" className="btn" disabled={p.busy} onClick={() => p.onEdit(true)}>
              Edit &amp; approve
            </button>
            <button type="button" className="btn" disabled={p.busy} onClick={p.onReject}>
              Keep person&apos;s value
            </button>
          </>
        )}
        {p.busy && <span className="muted small">Writing to HubSpot…</span>}
      </div>
    </article>
  );
}
