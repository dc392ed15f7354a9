// Typed calls into the Rust engine. The payload types are generated from Rust (ui/src/bindings),
// so a renamed field breaks `npm run typecheck` instead of rendering `undefined`.
import { invoke } from "@tauri-apps/api/core";
import type { AppStatus } from "../bindings/AppStatus";

/** The error shape every Tauri command returns: `code` is what the UI switches on. */
export interface CommandError {
  code: string;
  message: string;
}

export function isCommandError(value: unknown): value is CommandError {
  return (
    typeof value === "object" &&
    value !== null &&
    "code" in value &&
    "message" in value &&
    typeof (value as CommandError).message === "string"
  );
}

/** A message an admin can read, whatever the command threw. */
export function errorMessage(error: unknown): string {
  if (isCommandError(error)) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

export function appStatus(): Promise<AppStatus> {
  return invoke<AppStatus>("app_status");
}
