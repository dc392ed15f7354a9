import type { ComponentType } from "react";
import type { AppStatus } from "../bindings/AppStatus";
import { ConnectScreen } from "./Connect";
import { ReviewsScreen } from "./Reviews";
import { ContactsScreen } from "./Contacts";
import { ActivityScreen } from "./Activity";
import { BatchRunsScreen } from "./BatchRuns";
import { SettingsScreen } from "./Settings";
import { SandboxScreen } from "./Sandbox";

export type ScreenId = "sandbox" | "connect" | "reviews" | "contacts" | "activity" | "batch" | "settings";

export interface Screen {
  id: ScreenId;
  title: string;
  Component: ComponentType<{ status: AppStatus }>;
  /** Listed only while the sandbox runs. */
  sandboxOnly?: boolean;
}

export const SCREENS: Screen[] = [
  { id: "sandbox", title: "Sandbox", Component: SandboxScreen, sandboxOnly: true },
  { id: "connect", title: "Connect", Component: ConnectScreen },
  { id: "reviews", title: "Reviews", Component: ReviewsScreen },
  { id: "contacts", title: "Contacts", Component: ContactsScreen },
  { id: "activity", title: "Activity", Component: ActivityScreen },
  { id: "batch", title: "Batch runs", Component: BatchRunsScreen },
  { id: "settings", title: "Settings", Component: SettingsScreen },
];
