// The sandbox: its status for the frame's banner, and the "simulate a person" panel's actions
// (src-tauri/src/commands/sandbox.rs).
import { invoke } from "@tauri-apps/api/core";
import type { ProvisionReport } from "../bindings/ProvisionReport";
import type { SandboxStatus } from "../bindings/SandboxStatus";

/** The screens must reload: they now show the sandbox, or the real portal. */
export const WORKSPACE_CHANGED = "steward://workspace-changed";

export const SANDBOX_OFF: SandboxStatus = { state: "off", info: null, problem: null };

/** The sandbox's status; an app without the command (an older build, tests) has none. */
export function sandboxStatus(): Promise<SandboxStatus> {
  return invoke<SandboxStatus>("sandbox_status").catch(() => SANDBOX_OFF);
}

export function sandboxProvision(): Promise<ProvisionReport> {
  return invoke<ProvisionReport>("sandbox_provision");
}

export function sandboxEdit(contactId: number, property: string, value: string): Promise<void> {
  return invoke<void>("sandbox_edit", { contactId, property, value });
}

export interface NewContact {
  firstname: string;
  lastname: string;
  email: string;
  company: string;
  jobtitle: string;
}

export function sandboxCreateContact(contact: NewContact): Promise<number> {
  return invoke<number>("sandbox_create_contact", { contact });
}
