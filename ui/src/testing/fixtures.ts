// Test data shaped like the generated Rust types, and a mock of the Tauri IPC by command name.
import { mockIPC } from "@tauri-apps/api/mocks";
import type { AppStatus } from "../bindings/AppStatus";
import type { AuditRecord } from "../bindings/AuditRecord";
import type { ContactDetail } from "../bindings/ContactDetail";
import type { Insights } from "../bindings/Insights";
import type { LlmPresetInfo } from "../bindings/LlmPresetInfo";
import type { Onboarding } from "../bindings/Onboarding";
import type { ReviewBoard } from "../bindings/ReviewBoard";
import type { ReviewItem } from "../bindings/ReviewItem";
import type { SettingsView } from "../bindings/SettingsView";

export const STATUS: AppStatus = {
  version: "0.1.0",
  data_dir: "/home/admin/.local/share/dev.steward.desktop",
  database: "/home/admin/.local/share/dev.steward.desktop/steward.sqlite3",
  log_dir: "/home/admin/.local/share/dev.steward.desktop/logs",
  schema_version: 4,
  connection: { state: "connected", portal_id: 62515, domain: "app.hubspot.com" },
  overview: { pending_reviews: 0, audit_rows: 0, batch_runs: 0, contacts_enriched: 0, queued_jobs: 0 },
};

export function withOverview(o: Partial<AppStatus["overview"]>): AppStatus {
  return { ...STATUS, overview: { ...STATUS.overview, ...o } };
}

export function reviewItem(id: number, over: Partial<ReviewItem> = {}): ReviewItem {
  return {
    id,
    portal_id: 62515,
    contact_id: 100 + id,
    property: "ai_summary",
    kind: "guarded",
    human_value: `Ann's words ${id}`,
    human_writer: { kind: "person", user_id: 42, source_type: "CRM_UI" },
    human_at: Date.now() - 3_600_000,
    proposed_value: `AI summary ${id}`,
    correlation_id: `c0ffee${id}`,
    input_hash: "h",
    model: "gpt-4o-mini@prompt-v1",
    status: "pending",
    resolved_value: null,
    resolved_at: null,
    created_at: Date.now() - 60_000,
    field_label: "AI summary",
    human_label: "user 42 (CRM_UI)",
    why_blocked: "user 42 (CRM_UI) changed this field after Steward's last write.",
    ...over,
  };
}

export function board(items: ReviewItem[]): ReviewBoard {
  return {
    items,
    pending_total: items.length,
    by_field: items.length ? [{ property: "ai_summary", label: "AI summary", pending: items.length }] : [],
  };
}

export function auditRow(id: number, over: Partial<AuditRecord> = {}): AuditRecord {
  return {
    id,
    correlation_id: `cid${id}`,
    portal_id: 62515,
    contact_id: 1000 + (id % 7),
    trigger: "live",
    trigger_ref: null,
    run_id: null,
    input_hash: "h",
    prompt_version: 1,
    model: "sim-model@prompt-v1",
    tokens_in: 300,
    tokens_out: 80,
    cost_micros: 93,
    fetch_ms: 12,
    llm_ms: 240,
    write_ms: 30,
    outcome: id % 5 === 0 ? "guarded" : "written",
    reason: id % 5 === 0 ? "kept the newer human value of ai_summary; review raised" : null,
    fields_written: ["ai_summary"],
    proposal: { summary: "s" },
    hubspot_correlation_id: null,
    created_at: 1_710_072_000_000 - id * 1000,
    ...over,
  };
}

export function insights(days = 7): Insights {
  const start = 1_710_028_800_000;
  return {
    days: Array.from({ length: days }, (_, i) => ({
      date: `2024-03-${String(4 + i).padStart(2, "0")}`,
      start_ms: start + i * 86_400_000,
      enriched: i * 10,
      rows: i * 12,
      tokens_in: i * 3000,
      tokens_out: i * 800,
      cost_micros: i * 900,
    })),
    outcomes: [
      { outcome: "written", rows: 210 },
      { outcome: "guarded", rows: 42 },
    ],
    total_rows: 252,
    total_tokens: 79_800,
    total_cost_micros: 18_900,
  };
}

export function contactDetail(): ContactDetail {
  const ai = { kind: "steward" as const, correlation_id: "9f86d081884c7d65" };
  const ann = { kind: "person" as const, user_id: 42, source_type: "CRM_UI" };
  return {
    portal_id: 62515,
    contact_id: 101,
    name: "Ann Lee",
    email: "ann@acme.example",
    company: "Acme",
    hubspot_url: "https://app.hubspot.com/contacts/62515/record/0-1/101",
    fields: [
      {
        property: "ai_summary",
        label: "AI summary",
        role: "content",
        current: { value: "Ann's own words.", at_ms: 1_710_072_000_000, writer: ann },
        run: null,
        versions: 2,
      },
      {
        property: "ai_generated_score",
        label: "AI score",
        role: "content",
        current: { value: "72", at_ms: 1_710_071_000_000, writer: ai },
        run: {
          audit_id: 7,
          model: "sim-model@prompt-v1",
          prompt_version: 1,
          trigger: "live",
          outcome: "written",
          at_ms: 1_710_071_000_000,
        },
        versions: 1,
      },
      {
        property: "ai_input_hash",
        label: "AI input hash",
        role: "bookkeeping",
        current: { value: "abc", at_ms: 1_710_071_000_000, writer: ai },
        run: null,
        versions: 1,
      },
    ],
    timeline: [
      { kind: "version", at_ms: 1_710_072_000_000, property: "ai_summary", label: "AI summary", value: "Ann's own words.", writer: ann },
      { kind: "round", at_ms: 1_710_071_000_000, record: auditRow(7, { correlation_id: "9f86d081884c7d65" }) },
    ],
  };
}

/** The engine's presets (crates/llm/src/presets.rs), as `SettingsView.llm_presets` lists them. */
export const LLM_PRESETS: LlmPresetInfo[] = [
  { id: "openai", label: "OpenAI", provider: "openai_compatible", base_url: "https://api.openai.com/v1", default_model: "gpt-6-luna", needs_key: true, input_price_per_million_micros: 100_000, output_price_per_million_micros: 500_000, structured_output: "strict_json_schema", timeout_secs: 60, max_concurrency: 8 },
  { id: "anthropic", label: "Anthropic", provider: "anthropic", base_url: "https://api.anthropic.com/v1", default_model: "claude-haiku-4-5", needs_key: true, input_price_per_million_micros: 1_000_000, output_price_per_million_micros: 5_000_000, structured_output: "forced_tool", timeout_secs: 60, max_concurrency: 8 },
  { id: "ollama", label: "Ollama (local)", provider: "openai_compatible", base_url: "http://localhost:11434/v1", default_model: "llama3.1:8b", needs_key: false, input_price_per_million_micros: 0, output_price_per_million_micros: 0, structured_output: "grammar", timeout_secs: 180, max_concurrency: 2 },
  { id: "lm_studio", label: "LM Studio (local)", provider: "openai_compatible", base_url: "http://localhost:1234/v1", default_model: "qwen2.5-7b-instruct", needs_key: false, input_price_per_million_micros: 0, output_price_per_million_micros: 0, structured_output: "grammar", timeout_secs: 180, max_concurrency: 2 },
  { id: "llama_cpp", label: "llama.cpp server (local)", provider: "openai_compatible", base_url: "http://localhost:8080/v1", default_model: "local-model", needs_key: false, input_price_per_million_micros: 0, output_price_per_million_micros: 0, structured_output: "grammar", timeout_secs: 180, max_concurrency: 2 },
];

/** The setup wizard on a fresh install: nothing done yet, the default LLM settings, no key
 *  stored. */
export function onboarding(over: Partial<Onboarding> = {}): Onboarding {
  return {
    connect: "todo",
    connection: null,
    connect_pending: false,
    relay_url: "https://relay.example.com",
    provision: "todo",
    last_provision: null,
    llm: "todo",
    llm_settings: { ...settings().llm },
    llm_presets: LLM_PRESETS,
    key_source: "none",
    last_llm_test: null,
    dry_run: "todo",
    last_dry_run: null,
    ...over,
  };
}

export function settings(): SettingsView {
  return {
    llm: {
      provider: "openai_compatible",
      base_url: "https://api.openai.com/v1",
      model: "gpt-4o-mini",
      timeout_secs: 60,
      max_concurrency: 8,
      max_retries: 3,
      input_price_per_million_micros: 150_000,
      output_price_per_million_micros: 600_000,
      preset: null,
    },
    llm_key: "keyring",
    llm_presets: LLM_PRESETS,
    prompt_version: 3,
    prompt_instructions: "Summarise the contact.",
    prompt_is_default: false,
    default_instructions: "Built-in instructions.",
    input_properties: ["email", "company", "jobtitle"],
    field_policies: [
      { property: "ai_summary", label: "AI summary", description: "Summary", policy: "ai_owned" },
      { property: "ai_generated_score", label: "AI score", description: "Score", policy: "fill_empty" },
    ],
    monthly_budget_micros: 50_000_000,
    spent_this_month_micros: 12_500_000,
    max_activities: 5,
    relay_url: "https://relay.example.com",
    hubspot_api_base: "https://api.hubapi.com",
    connection: {
      portal_id: 62515,
      app_id: 1234567,
      ui_domain: "app.hubspot.com",
      auth: "private_app",
      relay_url: null,
      scopes: [],
    },
  };
}

export type Handler = (args: Record<string, unknown>) => unknown;

/** Answers Tauri commands by name; an unknown command fails the test loudly. Events are
 *  mocked too, so tests can `emit` engine events. */
export function serve(handlers: Record<string, Handler>) {
  const calls: Array<{ cmd: string; args: Record<string, unknown> }> = [];
  mockIPC(
    (cmd, args) => {
      const handler = handlers[cmd];
      calls.push({ cmd, args: (args ?? {}) as Record<string, unknown> });
      if (!handler) return Promise.reject({ code: "internal", message: `unexpected command ${cmd}` });
      try {
        return Promise.resolve(handler((args ?? {}) as Record<string, unknown>));
      } catch (e) {
        return Promise.reject(e);
      }
    },
    { shouldMockEvents: true },
  );
  return calls;
}

/** A promise that never settles: the loading state. */
export const never = () => new Promise<never>(() => undefined);

/** A command error as Rust sends it. */
export function fail(code: string, message: string): never {
  throw { code, message };
}
