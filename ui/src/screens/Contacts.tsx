import type { AppStatus } from "../bindings/AppStatus";
import { EmptyState } from "../components/States";

export function ContactsScreen({ status }: { status: AppStatus }) {
  const enriched = status.overview.contacts_enriched;
  if (enriched === 0) {
    return (
      <EmptyState title="No contacts enriched yet" testId="contacts-empty">
        Each contact the AI enriches appears here with, for every AI field, who wrote the current
        value: the AI or a person.
      </EmptyState>
    );
  }
  return <p data-testid="contacts-count">{enriched} contacts enriched.</p>;
}
