// Formatting shared by the admin screens.
import type { Writer } from "../bindings/Writer";
import type { Outcome } from "../bindings/Outcome";

/**
 * The locale to format with: the system's, except a C/POSIX one (LANG=C.UTF-8 on a minimal
 * install resolves to "en-US-u-va-posix"), whose numbers have no thousands separators
 * ("25342 tokens"); plain English reads better there.
 */
export function displayLocale(resolved: string): string {
  return /(^|-)(posix|c)($|-)/i.test(resolved) ? "en-US" : resolved;
}

const LOCALE = displayLocale(new Intl.NumberFormat().resolvedOptions().locale);
const integer = new Intl.NumberFormat(LOCALE);

/** A count as people read it ("25,342"). */
export function number(n: number): string {
  return integer.format(n);
}

/** A date and time in the display locale (for a one-off, full timestamp). */
export function dateAndTime(ms: number): string {
  return new Date(ms).toLocaleString(LOCALE);
}

const dateTime = new Intl.DateTimeFormat(LOCALE, {
  year: "numeric",
  month: "short",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

const short = new Intl.DateTimeFormat(LOCALE, {
  month: "numeric",
  day: "numeric",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hourCycle: "h23",
});

/** A compact time for dense tables ("11/26, 21:42:08"). */
export function formatShort(ms: number): string {
  return short.format(new Date(ms));
}

export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  return dateTime.format(new Date(ms));
}

/** "3 min ago", "2 h ago", "5 d ago". */
export function ago(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined) return "—";
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return "just now";
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} d ago`;
}

export function money(micros: number): string {
  const dollars = micros / 1_000_000;
  if (dollars === 0) return "$0";
  if (dollars < 0.01) return `$${dollars.toFixed(4)}`;
  return `$${dollars.toLocaleString(LOCALE, { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function count(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(n >= 10_000_000 ? 0 : 1)}M`;
  if (n >= 10_000) return `${Math.round(n / 1000)}k`;
  return number(n);
}

/** Who wrote a value, in words an admin reads at a glance. */
export function writerLabel(w: Writer | null | undefined): string {
  if (!w) return "unknown";
  switch (w.kind) {
    case "steward":
      return "AI (Steward)";
    case "person":
      return w.user_id !== null ? `User ${w.user_id}` : "A person";
    case "other":
      return w.source_id ? `${w.source_type} (${w.source_id})` : w.source_type;
  }
}

export const OUTCOME_LABELS: Record<Outcome, string> = {
  written: "Written",
  unchanged: "Unchanged",
  guarded: "Guarded",
  invalid_output: "Invalid output",
  failed: "Failed",
  dry_run: "Dry run",
  approved: "Approved",
  rejected: "Rejected",
  conflict: "Conflict",
  in_flight: "Write in flight",
};

export const OUTCOMES = Object.keys(OUTCOME_LABELS) as Outcome[];

/** The CSS class (and chart colour) of an outcome. */
export function outcomeTone(o: Outcome | null | undefined): string {
  switch (o) {
    case "written":
    case "approved":
      return "good";
    case "guarded":
    case "conflict":
      return "warn";
    case "failed":
    case "invalid_output":
      return "bad";
    default:
      return "neutral";
  }
}

/** A distinct colour per outcome for charts (CSS variables, so dark mode follows). */
export const OUTCOME_COLORS: Record<Outcome, string> = {
  written: "var(--good)",
  approved: "var(--chart-3)",
  unchanged: "var(--muted)",
  guarded: "var(--warn)",
  conflict: "var(--chart-1)",
  failed: "var(--bad)",
  invalid_output: "#9b5de5",
  dry_run: "var(--info)",
  rejected: "#8a94a6",
  in_flight: "var(--info)",
};

/** A wait in words: "45 s", "3 min 05 s", "2 h 10 min". */
export function duration(secs: number): string {
  const s = Math.max(0, Math.round(secs));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}
