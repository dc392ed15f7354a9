import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { AppStatus } from "../bindings/AppStatus";
import type { ReviewQuery } from "../bindings/ReviewQuery";
import { EmptyState, ErrorPanel, Loading } from "../components/States";
import { ReviewCard } from "../components/ReviewCard";
import { approveReview, bulkReview, rejectReview, reviewBoard } from "../lib/admin";
import { errorMessage } from "../lib/api";
import { REVIEWS_CHANGED } from "../lib/events";
import { navigate } from "../lib/nav";
import { useLive } from "../lib/useLive";
import "../components/admin.css";

const PAGE = 20;

const AGES: Array<{ label: string; ms: number | undefined }> = [
  { label: "Any age", ms: undefined },
  { label: "Older than 1 hour", ms: 3_600_000 },
  { label: "Older than 1 day", ms: 86_400_000 },
  { label: "Older than 7 days", ms: 7 * 86_400_000 },
];

function isTyping(target: EventTarget | null) {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
}

/** Pending reviews: filter by field and age, decide one by one (or many at once), by mouse or
 *  keyboard (j/k move, a approve, r reject, e edit, x select). */
export function ReviewsScreen({ status }: { status: AppStatus }) {
  const [property, setProperty] = useState<string>("");
  const [age, setAge] = useState(0);
  // A page of items keeps the screen fast with a backlog of thousands; "Show more" extends it.
  const [limit, setLimit] = useState(PAGE);
  const query: ReviewQuery = useMemo(
    () => ({ property: property || undefined, older_than_ms: AGES[age]?.ms, limit }),
    [property, age, limit],
  );
  const board = useLive(() => reviewBoard(query), [query], [REVIEWS_CHANGED]);
  const items = useMemo(() => board.data?.items ?? [], [board.data]);
  const [focusRaw, setFocus] = useState(0);
  const [selectedRaw, setSelected] = useState<Set<number>>(new Set());
  const [busy, setBusy] = useState<Set<number>>(new Set());
  const [editing, setEditing] = useState<number | null>(null);
  const [errors, setErrors] = useState<Record<number, string>>({});
  const [notice, setNotice] = useState<{ tone: "good" | "bad"; text: string } | null>(null);

  // The focus and the selection only ever point at items that still exist.
  const focus = Math.min(focusRaw, Math.max(0, items.length - 1));
  const selected = useMemo(() => {
    const ids = new Set(items.map((i) => i.id));
    return new Set([...selectedRaw].filter((id) => ids.has(id)));
  }, [items, selectedRaw]);

  const mark = (id: number, on: boolean) =>
    setBusy((b) => {
      const n = new Set(b);
      if (on) n.add(id);
      else n.delete(id);
      return n;
    });

  const act = useCallback(
    async (id: number, what: "approve" | "reject" | "edit", value?: string) => {
      mark(id, true);
      setErrors((all) => {
        const next = { ...all };
        delete next[id];
        return next;
      });
      try {
        if (what === "reject") await rejectReview(id);
        else await approveReview(id, what === "edit" ? value : undefined);
        setEditing(null);
        setNotice({
          tone: "good",
          text: what === "reject" ? `Review ${id}: the person's value stays.` : `Review ${id}: written to HubSpot.`,
        });
        board.reload();
      } catch (e) {
        setErrors((all) => ({ ...all, [id]: errorMessage(e) }));
      } finally {
        mark(id, false);
      }
    },
    [board],
  );

  const bulk = async (action: "approve" | "reject") => {
    const ids = [...selected];
    ids.forEach((id) => mark(id, true));
    try {
      const results = await bulkReview(ids, action);
      const failed = results.filter((r) => !r.ok);
      const done = results.length - failed.length;
      setErrors(Object.fromEntries(failed.map((r) => [r.id, r.error ?? "failed"])));
      setNotice({
        tone: failed.length ? "bad" : "good",
        text: `${done} ${action === "approve" ? "approved" : "rejected"}${failed.length ? `, ${failed.length} not done (see the items)` : ""}.`,
      });
      setSelected(new Set());
      board.reload();
    } catch (e) {
      setNotice({ tone: "bad", text: errorMessage(e) });
    } finally {
      ids.forEach((id) => mark(id, false));
    }
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTyping(e.target) || e.ctrlKey || e.metaKey || e.altKey || items.length === 0) return;
      const item = items[focus];
      switch (e.key) {
        case "j":
        case "ArrowDown":
          moved.current = true;
          setFocus(Math.min(items.length - 1, focus + 1));
          break;
        case "k":
        case "ArrowUp":
          moved.current = true;
          setFocus(Math.max(0, focus - 1));
          break;
        case "a":
          if (item && !busy.has(item.id)) void act(item.id, "approve");
          break;
        case "r":
          if (item && !busy.has(item.id)) void act(item.id, "reject");
          break;
        case "e":
          if (item) setEditing(item.id);
          break;
        case "x":
          if (item)
            setSelected((s) => {
              const n = new Set(s);
              if (n.has(item.id)) n.delete(item.id);
              else n.add(item.id);
              return n;
            });
          break;
        default:
          return;
      }
      e.preventDefault();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [items, focus, busy, act]);

  // Keyboard moves bring the focused item into view (not the first render: no forced layout).
  const moved = useRef(false);
  useEffect(() => {
    if (!moved.current) return;
    moved.current = false;
    document.querySelector('[aria-current="true"].review')?.scrollIntoView?.({ block: "nearest" });
  }, [focus]);

  if (board.state === "error") return <ErrorPanel message={board.error ?? "error"} onRetry={board.reload} />;
  const data = board.data;
  // Until the board arrives, the frame's count decides between the empty state and loading.
  if (!data && status.overview.pending_reviews > 0) return <Loading />;
  const noticeBox = notice && (
    <div className={`notice ${notice.tone}`} role="status" data-testid="reviews-notice">
      {notice.text}
    </div>
  );
  if (!data || data.pending_total === 0) {
    return (
      <div className="stack">
        {noticeBox}
        <EmptyState title="No pending reviews" testId="reviews-empty">
          When a person edits a field the AI also wants to change, Steward keeps the person&apos;s value and asks
          you here.
        </EmptyState>
      </div>
    );
  }
  const allSelected = items.length > 0 && items.every((i) => selected.has(i.id));
  return (
    <div className="stack">
      <div className="toolbar" role="search">
        <label>
          Field
          <select aria-label="Field" value={property} onChange={(e) => setProperty(e.target.value)}>
            <option value="">All fields ({data.pending_total})</option>
            {data.by_field.map((f) => (
              <option key={f.property} value={f.property}>
                {f.label} ({f.pending})
              </option>
            ))}
          </select>
        </label>
        <label>
          Age
          <select aria-label="Age" value={age} onChange={(e) => setAge(Number(e.target.value))}>
            {AGES.map((a, i) => (
              <option key={a.label} value={i}>
                {a.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          <input
            type="checkbox"
            aria-label="Select all"
            checked={allSelected}
            onChange={(e) => setSelected(e.target.checked ? new Set(items.map((i) => i.id)) : new Set())}
          />
          Select all
        </label>
        <span className="grow" />
        <span className="muted small" data-testid="reviews-count">
          {items.length} of {data.pending_total} pending
        </span>
        <button type="button" className="btn primary" disabled={selected.size === 0} onClick={() => void bulk("approve")}>
          Approve {selected.size || ""} selected
        </button>
        <button type="button" className="btn" disabled={selected.size === 0} onClick={() => void bulk("reject")}>
          Reject {selected.size || ""} selected
        </button>
      </div>
      <p className="muted small" style={{ margin: 0 }}>
        Keys: <span className="kbd">j</span>/<span className="kbd">k</span> move · <span className="kbd">a</span> approve ·{" "}
        <span className="kbd">r</span> keep the person&apos;s value · <span className="kbd">e</span> edit ·{" "}
        <span className="kbd">x</span> select
      </p>
      {noticeBox}
      {items.length === 0 && <p className="muted">No pending review matches these filters.</p>}
      {items.map((item, index) => (
        <ReviewCard
          key={item.id}
          item={item}
          focused={index === focus}
          selected={selected.has(item.id)}
          busy={busy.has(item.id)}
          editing={editing === item.id}
          error={errors[item.id]}
          onFocus={() => setFocus(index)}
          onSelect={(on) =>
            setSelected((s) => {
              const n = new Set(s);
              if (on) n.add(item.id);
              else n.delete(item.id);
              return n;
            })
          }
          onApprove={() => void act(item.id, "approve")}
          onReject={() => void act(item.id, "reject")}
          onEdit={(on) => setEditing(on ? item.id : null)}
          onSaveEdit={(value) => void act(item.id, "edit", value)}
          onOpenContact={() => navigate({ screen: "contacts", contactId: item.contact_id })}
        />
      ))}
      {items.length === limit && (
        <button type="button" className="btn" onClick={() => setLimit((l) => l + PAGE)}>
          Show {PAGE} more
        </button>
      )}
    </div>
  );
}
