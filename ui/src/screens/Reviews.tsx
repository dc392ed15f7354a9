import type { AppStatus } from "../bindings/AppStatus";
import { EmptyState } from "../components/States";

export function ReviewsScreen({ status }: { status: AppStatus }) {
  const pending = status.overview.pending_reviews;
  if (pending === 0) {
    return (
      <EmptyState title="No pending reviews" testId="reviews-empty">
        When a person edits a field the AI also wants to change, Steward keeps the person&apos;s
        value and asks you here.
      </EmptyState>
    );
  }
  return (
    <p data-testid="reviews-count">
      {pending} {pending === 1 ? "review is" : "reviews are"} waiting.
    </p>
  );
}
