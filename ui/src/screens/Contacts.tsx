import { useState } from "react";
import type { AppStatus } from "../bindings/AppStatus";
import { ContactPanel } from "../components/ContactPanel";
import { EmptyState, ErrorPanel, Loading } from "../components/States";
import { contactDetail, searchContacts } from "../lib/admin";
import { AUDIT_APPENDED } from "../lib/events";
import { OUTCOME_LABELS, ago, outcomeTone } from "../lib/format";
import { takeIntent } from "../lib/nav";
import { useDebounced } from "../lib/useDebounced";
import { useLive } from "../lib/useLive";
import "../components/admin.css";

function Detail({ contactId }: { contactId: number }) {
  // New audit rows may concern this contact (a re-enrichment finished): refresh quietly, at
  // most every few seconds, since each refresh reads the contact from HubSpot.
  const detail = useLive(() => contactDetail(contactId), [contactId], [AUDIT_APPENDED], 4000);
  if (detail.state === "loading") return <Loading />;
  if (detail.state === "error" || !detail.data)
    return <ErrorPanel message={detail.error ?? "error"} onRetry={detail.reload} />;
  return <ContactPanel detail={detail.data} />;
}

/** Find a contact (name, email, company or id) and see who wrote each of its AI values. */
export function ContactsScreen({ status }: { status: AppStatus }) {
  const [intent] = useState(() => takeIntent("contacts"));
  const [query, setQuery] = useState(intent?.contactId ? String(intent.contactId) : "");
  const [chosen, setChosen] = useState<number | null>(intent?.contactId ?? null);
  const debounced = useDebounced(query, 300);
  const results = useLive(() => searchContacts(debounced), [debounced]);
  const hits = results.data?.hits ?? [];

  if (results.state === "error" && results.code === "not_connected") {
    return (
      <EmptyState title="No contacts enriched yet" testId="contacts-empty">
        Connect Steward to HubSpot first; then search any contact here and see, for every AI field, who wrote
        the current value: the AI or a person.
      </EmptyState>
    );
  }
  const noneYet =
    !debounced.trim() &&
    ((results.state === "ready" && hits.length === 0) ||
      (results.state === "loading" && !results.data && status.overview.contacts_enriched === 0));
  return (
    <div className="stack">
      <div className="toolbar" role="search">
        <input
          className="grow"
          type="search"
          aria-label="Search contacts"
          placeholder="Search HubSpot by name, email, company or contact id"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        {results.state === "ready" && results.data && (
          <span className="muted small" data-testid="contacts-count">
            {results.data.source === "recent"
              ? `${hits.length} recently enriched`
              : `${results.data.total} found`}{" "}
            · {status.overview.contacts_enriched} enriched in all
          </span>
        )}
      </div>
      {noneYet && !chosen ? (
        <EmptyState title="No contacts enriched yet" testId="contacts-empty">
          Each contact the AI enriches appears here with, for every AI field, who wrote the current value: the AI
          or a person. Search above to look up any contact in HubSpot.
        </EmptyState>
      ) : (
        <div className="contacts">
          <div>
            {results.state === "loading" && <Loading />}
            {results.state === "error" && <ErrorPanel message={results.error ?? "error"} onRetry={results.reload} />}
            {results.state === "ready" && hits.length === 0 && <p className="muted">No contact matches “{debounced}”.</p>}
            <ul className="hits" data-testid="contact-hits">
              {hits.map((h) => (
                <li key={h.contact_id}>
                  <button
                    type="button"
                    className={h.contact_id === chosen ? "hit active" : "hit"}
                    data-testid={`hit-${h.contact_id}`}
                    onClick={() => setChosen(h.contact_id)}
                  >
                    <strong className="ellipsis">{h.name ?? h.email ?? `Contact ${h.contact_id}`}</strong>
                    <span className="small muted ellipsis">
                      {[h.email, h.company].filter(Boolean).join(" · ") || `id ${h.contact_id}`}
                    </span>
                    {h.last_round ? (
                      <span className="small">
                        <span className={`tag ${outcomeTone(h.last_round.outcome)}`}>
                          {OUTCOME_LABELS[h.last_round.outcome]}
                        </span>{" "}
                        <span className="muted">{ago(h.last_round.at_ms)}</span>
                      </span>
                    ) : (
                      <span className="small muted">not enriched yet</span>
                    )}
                  </button>
                </li>
              ))}
            </ul>
          </div>
          <div>
            {chosen !== null ? (
              <Detail key={chosen} contactId={chosen} />
            ) : (
              <p className="muted">Choose a contact to see who wrote each AI value.</p>
            )}
          </div>
        </div>
      )}
    </div>
  );
}
