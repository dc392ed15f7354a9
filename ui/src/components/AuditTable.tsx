import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import type { AuditFilter } from "../bindings/AuditFilter";
import type { AuditRecord } from "../bindings/AuditRecord";
import { auditPage } from "../lib/admin";
import { errorMessage } from "../lib/api";
import { AUDIT_APPENDED, useEvents } from "../lib/events";
import { formatShort, formatTime, money, number, OUTCOME_LABELS, outcomeTone } from "../lib/format";

const PAGE = 200;
const ROW_HEIGHT = 34;

/** Rows loaded so far for one filter. */
interface Loaded {
  key: string;
  rows: AuditRecord[];
  hasMore: boolean;
  error: string | null;
}

/** The audit rows of a filter, loaded page by page backwards (`before_id`) as the admin
 *  scrolls, with new rows merged on top as the engine writes them. */
function useAuditRows(filter: AuditFilter) {
  const key = JSON.stringify(filter);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const busy = useRef<string | null>(null);

  useEffect(() => {
    let live = true;
    busy.current = key;
    auditPage({ ...filter, before_id: null, limit: PAGE }).then(
      (page) => live && setLoaded({ key, rows: page, hasMore: page.length === PAGE, error: null }),
      (e: unknown) => live && setLoaded({ key, rows: [], hasMore: false, error: errorMessage(e) }),
    ).finally(() => {
      if (busy.current === key) busy.current = null;
    });
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` is the filter's identity
  }, [key]);

  const current = loaded?.key === key ? loaded : null;
  const rows = useMemo(() => current?.rows ?? [], [current]);
  const hasMore = current?.hasMore ?? false;

  const loadMore = useCallback(() => {
    const last = rows[rows.length - 1];
    if (busy.current !== null || !hasMore || !last) return;
    busy.current = key;
    auditPage({ ...filter, before_id: last.id, limit: PAGE }).then(
      (page) =>
        setLoaded((l) =>
          l && l.key === key ? { ...l, rows: [...l.rows, ...page], hasMore: page.length === PAGE } : l,
        ),
      (e: unknown) => setLoaded((l) => (l && l.key === key ? { ...l, hasMore: false, error: errorMessage(e) } : l)),
    ).finally(() => {
      busy.current = null;
    });
  }, [rows, hasMore, filter, key]);

  useEvents([AUDIT_APPENDED], () => {
    auditPage({ ...filter, before_id: null, limit: PAGE }).then(
      (page) =>
        setLoaded((l) => {
          if (!l || l.key !== key) return l;
          const top = l.rows[0]?.id ?? 0;
          const fresh = page.filter((x) => x.id > top);
          // More new rows than one page: start over from the newest (the gap is not loaded).
          if (fresh.length === PAGE) return { ...l, rows: page, hasMore: true };
          return fresh.length ? { ...l, rows: [...fresh, ...l.rows] } : l;
        }),
      () => undefined,
    );
  });

  return { rows, hasMore, error: current?.error ?? null, loaded: current !== null, loadMore };
}

/** A virtualized audit table: only the visible rows are in the DOM, so 100,000+ rows scroll
 *  as smoothly as 100. */
export function AuditTable({
  filter,
  onPick,
  picked,
}: {
  filter: AuditFilter;
  onPick: (row: AuditRecord) => void;
  picked: number | null;
}) {
  const { rows, hasMore, error, loaded, loadMore } = useAuditRows(filter);
  const scroller = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library -- the virtualizer is used as documented
  const virtual = useVirtualizer({
    count: rows.length + (hasMore && rows.length > 0 ? 1 : 0),
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    initialRect: { width: 900, height: 440 },
  });
  const items = virtual.getVirtualItems();
  const lastIndex = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (lastIndex >= rows.length - 40) loadMore();
  }, [lastIndex, rows.length, loadMore]);

  return (
    <div className="audit" data-testid="audit-table">
      <div className="audit-head" role="row">
        <span>Time</span>
        <span>Outcome</span>
        <span>Contact</span>
        <span>Correlation ID</span>
        <span>Trigger</span>
        <span>Tokens</span>
        <span>Cost</span>
        <span>Reason</span>
      </div>
      {error && (
        <div className="notice bad" role="alert">
          {error}
        </div>
      )}
      {loaded && rows.length === 0 && !error && (
        <p className="muted" style={{ padding: "12px" }} data-testid="audit-none">
          No audit row matches these filters.
        </p>
      )}
      <div
        className="audit-scroll"
        ref={scroller}
        data-testid="audit-scroll"
        style={{ height: Math.min(440, virtual.getTotalSize()) }}
      >
        <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
          {items.map((item) => {
            const r = rows[item.index];
            const style = { position: "absolute" as const, top: 0, left: 0, transform: `translateY(${item.start}px)` };
            if (!r) {
              return (
                <div key="more" className="audit-row muted" style={style}>
                  <span>Loading more…</span>
                </div>
              );
            }
            return (
              <div
                key={r.id}
                role="row"
                tabIndex={0}
                data-testid="audit-row"
                className={picked === r.id ? "audit-row selected" : "audit-row"}
                style={style}
                onClick={() => onPick(r)}
                onKeyDown={(e) => e.key === "Enter" && onPick(r)}
              >
                <span title={formatTime(r.created_at)}>{formatShort(r.created_at)}</span>
                <span>
                  <span className={`tag ${outcomeTone(r.outcome)}`}>{r.outcome ? OUTCOME_LABELS[r.outcome] : "?"}</span>
                </span>
                <span>{r.contact_id}</span>
                <span className="mono">{r.correlation_id}</span>
                <span>{r.trigger}</span>
                <span>{number(r.tokens_in + r.tokens_out)}</span>
                <span>{money(r.cost_micros)}</span>
                <span className="muted" title={r.reason ?? undefined}>
                  {r.reason ?? ""}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
