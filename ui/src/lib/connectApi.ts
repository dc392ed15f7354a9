// Typed calls for Connect and the setup wizard (src-tauri/src/commands/connect.rs). Kept apart
// from api.ts so the screens' engineers can edit theirs without touching these.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import type { AuthorizeStart } from "../bindings/AuthorizeStart";
import type { CheckRecord } from "../bindings/CheckRecord";
import type { ConnectionInfo } from "../bindings/ConnectionInfo";
import type { ContactDiff } from "../bindings/ContactDiff";
import type { DisconnectReport } from "../bindings/DisconnectReport";
import type { EngineStatus } from "../bindings/EngineStatus";
import type { LinkOutcome } from "../bindings/LinkOutcome";
import type { LlmChoice } from "../bindings/LlmChoice";
import type { LlmSettings } from "../bindings/LlmSettings";
import type { Onboarding } from "../bindings/Onboarding";
import type { ProvisionReport } from "../bindings/ProvisionReport";

/** Sent by the shell after each steward:// link (connected, or refused with the reason). */
export const CONNECT_OUTCOME = "steward://connect-outcome";

export const onboardingState = () => invoke<Onboarding>("onboarding_state");
export const lastLinkOutcome = () => invoke<LinkOutcome | null>("last_link_outcome");
export const engineStatus = () => invoke<EngineStatus>("engine_status");
export const connectStart = (relayUrl: string) =>
  invoke<AuthorizeStart>("connect_start", { relayUrl });
export const connectCancel = () => invoke<void>("connect_cancel");
export const connectPrivateApp = (token: string, appId: number) =>
  invoke<ConnectionInfo>("connect_private_app", { token, appId });
export const disconnect = (force: boolean) => invoke<DisconnectReport>("disconnect", { force });
export const provision = (dryRun: boolean) =>
  invoke<ProvisionReport>("onboarding_provision", { dryRun });
export const saveLlm = (choice: LlmChoice, apiKey: string | null) =>
  invoke<LlmSettings>("onboarding_save_llm", { choice, apiKey });
export const testLlm = () => invoke<CheckRecord>("onboarding_test_llm");
export const dryRunContact = (contactId: number) =>
  invoke<ContactDiff>("onboarding_dry_run", { contactId });

/** Calls `handler` for every deep-link outcome; resolves to the unlisten function (a no-op when
 * events are unavailable, e.g. in component tests without event mocks). */
export async function onConnectOutcome(handler: (o: LinkOutcome) => void): Promise<UnlistenFn> {
  try {
    return await listen<LinkOutcome>(CONNECT_OUTCOME, (e) => handler(e.payload));
  } catch {
    return () => {};
  }
}
