import { useEffect, useState } from "react";
import type { ListSummary } from "../../bindings/ListSummary";
import { errorMessage, isCommandError } from "../../lib/api";
import { searchLists } from "../../lib/batchApi";
import { useDebounced } from "../../lib/useDebounced";
import { ErrorPanel } from "../States";
import { number } from "../../lib/format";

/** One search's answer. */
interface Found {
  query: string;
  lists: ListSummary[];
  error: { message: string; code: string } | null;
}

/** Type-ahead over the portal's HubSpot contact lists: one search per pause in typing. */
export function ListPicker({
  chosen,
  onPick,
}: {
  chosen: ListSummary | null;
  onPick: (list: ListSummary) => void;
}) {
  const [query, setQuery] = useState("");
  const debounced = useDebounced(query.trim(), 300);
  // The last answer stays shown while the next search runs (no flicker while typing).
  const [found, setFound] = useState<Found | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    searchLists(debounced).then(
      (lists) => live && setFound({ query: debounced, lists, error: null }),
      (e: unknown) =>
        live &&
        setFound({ query: debounced, lists: [], error: { message: errorMessage(e), code: isCommandError(e) ? e.code : "" } }),
    );
    return () => {
      live = false;
    };
  }, [debounced, generation]);
  const searching = !found || found.query !== query.trim();
  const lists = found?.lists ?? [];

  return (
    <div className="stack list-picker">
      <div className="row">
        <input
          className="grow"
          type="search"
          aria-label="Search HubSpot lists"
          placeholder="Type part of a HubSpot list's name"
          data-testid="list-search"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <span className="muted small" role="status" data-testid="list-count">
          {searching ? "Searching…" : found.error ? "" : `${lists.length} ${lists.length === 1 ? "list" : "lists"}`}
        </span>
      </div>
      {found?.error &&
        (found.error.code === "not_connected" ? (
          <p className="notice" data-testid="lists-not-connected">
            Connect Steward to HubSpot (the Connect screen) to pick one of its lists.
          </p>
        ) : (
          <ErrorPanel message={found.error.message} onRetry={() => setGeneration((g) => g + 1)} />
        ))}
      {found && !found.error && lists.length === 0 && (
        <p className="muted small" data-testid="lists-none">
          {found.query ? `No contact list's name contains “${found.query}”.` : "This portal has no contact lists yet."}
        </p>
      )}
      {lists.length > 0 && (
        <ul className="list-hits" aria-label="Matching lists">
          {lists.map((l) => {
            const active = chosen?.list_id === l.list_id;
            return (
              <li key={l.list_id}>
                <button
                  type="button"
                  className={active ? "list-hit active" : "list-hit"}
                  aria-pressed={active}
                  data-testid={`list-hit-${l.list_id}`}
                  onClick={() => onPick(l)}
                >
                  <span className="grow ellipsis">{l.name}</span>
                  <span className="muted small">
                    {l.size === null ? "size unknown" : `${number(l.size)} contacts`}
                  </span>
                  {l.processing_type && <span className="tag">{l.processing_type.toLowerCase()}</span>}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
