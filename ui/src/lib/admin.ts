// Typed calls behind the admin screens (Reviews, Contacts, Activity, Settings). Payload types
// are generated from Rust into ../bindings, so a renamed field breaks `npm run typecheck`.
import { invoke } from "@tauri-apps/api/core";
import type { AuditFilter } from "../bindings/AuditFilter";
import type { AuditRecord } from "../bindings/AuditRecord";
import type { BulkAction } from "../bindings/BulkAction";
import type { BulkResult } from "../bindings/BulkResult";
import type { CheckRecord } from "../bindings/CheckRecord";
import type { ContactDetail } from "../bindings/ContactDetail";
import type { ContactSearch } from "../bindings/ContactSearch";
import type { DryRunResult } from "../bindings/DryRunResult";
import type { ExportFormat } from "../bindings/ExportFormat";
import type { ExportSummary } from "../bindings/ExportSummary";
import type { Insights } from "../bindings/Insights";
import type { InsightsQuery } from "../bindings/InsightsQuery";
import type { Review } from "../bindings/Review";
import type { ReviewBoard } from "../bindings/ReviewBoard";
import type { ReviewQuery } from "../bindings/ReviewQuery";
import type { SettingsSaved } from "../bindings/SettingsSaved";
import type { SettingsUpdate } from "../bindings/SettingsUpdate";
import type { SettingsView } from "../bindings/SettingsView";

/** An audit filter with every field present (the Rust side reads missing ones as "any"). */
export function auditFilter(partial: Partial<AuditFilter> = {}): AuditFilter {
  return {
    outcome: null,
    since_ms: null,
    until_ms: null,
    contact_id: null,
    correlation_id: null,
    run_id: null,
    before_id: null,
    limit: null,
    ...partial,
  };
}

// Reviews
export const reviewBoard = (query: ReviewQuery) => invoke<ReviewBoard>("review_board", { query });
export const approveReview = (id: number, edited?: string) =>
  invoke<Review>("approve_review", { id, edited: edited ?? null });
export const rejectReview = (id: number) => invoke<Review>("reject_review", { id });
export const bulkReview = (ids: number[], action: BulkAction) =>
  invoke<BulkResult[]>("bulk_review", { ids, action });

// Contacts
export const searchContacts = (query: string) => invoke<ContactSearch>("search_contacts", { query });
export const contactDetail = (contactId: number) =>
  invoke<ContactDetail>("contact_detail", { contactId });
export const reenrichContact = (contactId: number) => invoke<void>("reenrich_contact", { contactId });
export const dryRunContact = (contactId: number) =>
  invoke<DryRunResult>("dry_run_contact", { contactId });
export const openInHubspot = (contactId: number) => invoke<string>("open_in_hubspot", { contactId });

// Activity
export const auditPage = (filter: AuditFilter) => invoke<AuditRecord[]>("audit_page", { filter });
export const auditCount = (filter: AuditFilter) => invoke<number>("audit_count", { filter });
export const auditInsights = (query: InsightsQuery) => invoke<Insights>("audit_insights", { query });
export const exportAudit = (filter: AuditFilter, format: ExportFormat) =>
  invoke<ExportSummary>("export_audit", { filter, format });
export const revealExport = (path: string) => invoke<void>("reveal_export", { path });

// Settings
export const settingsView = () => invoke<SettingsView>("settings_view");
export const updateSettings = (update: SettingsUpdate) =>
  invoke<SettingsSaved>("update_settings", { update });
export const saveLlmKey = (key: string) => invoke<SettingsView>("save_llm_key", { key });
export const clearLlmKey = () => invoke<SettingsView>("clear_llm_key");
export const testLlm = () => invoke<CheckRecord>("test_llm");
export const previewPrompt = (instructions: string, contactId: number) =>
  invoke<DryRunResult>("preview_prompt", { instructions, contactId });
