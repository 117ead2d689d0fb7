// Typed calls to the Rust side. Every type comes from ./bindings, generated from the Rust types.
import { invoke } from "@tauri-apps/api/core";
import type { KeyringTidy } from "./bindings/KeyringTidy";
import type { ApiImportView } from "./bindings/ApiImportView";
import type { AppInfo } from "./bindings/AppInfo";
import type { PresetView } from "./bindings/PresetView";
import type { Profile } from "./bindings/Profile";
import type { ConnectForm } from "./bindings/ConnectForm";
import type { Connection } from "./bindings/Connection";
import type { FormFacts } from "./bindings/FormFacts";
import type { FormInputs } from "./bindings/FormInputs";
import type { NewProfile } from "./bindings/NewProfile";
import type { ProfileList } from "./bindings/ProfileList";
import type { ProfileView } from "./bindings/ProfileView";
import type { ProviderCheckView } from "./bindings/ProviderCheckView";
import type { RequestDraft } from "./bindings/RequestDraft";
import type { Expect } from "./bindings/Expect";
import type { Capture } from "./bindings/Capture";
import type { RunReport } from "./bindings/RunReport";
import type { RequestPreview } from "./bindings/RequestPreview";
import type { ResponseView } from "./bindings/ResponseView";
import type { SavedView } from "./bindings/SavedView";
import type { SignInStarted } from "./bindings/SignInStarted";
import type { StatusView } from "./bindings/StatusView";
import type { TimelineView } from "./bindings/TimelineView";
import type { CasePlanView } from "./bindings/CasePlanView";
import type { CurlPasted } from "./bindings/CurlPasted";
import type { Entry } from "./bindings/Entry";
import type { HistoryPage } from "./bindings/HistoryPage";
import type { HistoryQuery } from "./bindings/HistoryQuery";
import type { HistoryRow } from "./bindings/HistoryRow";
import type { UserVariables } from "./bindings/UserVariables";
import type { JsonValue } from "./bindings/serde_json/JsonValue";

export const api = {
  appInfo: () => invoke<AppInfo>("app_info"),
  listPresets: () => invoke<PresetView[]>("list_presets"),
  listProfiles: () => invoke<ProfileList>("list_profiles"),
  workspaceRevision: () => invoke<string>("workspace_revision"),
  // "Connect a carrier": the profile from the provider's preset and what the person typed.
  connectProvider: (form: ConnectForm) => invoke<ProfileView>("connect_provider", { form }),
  checkConnection: (name: string) => invoke<Connection>("check_connection", { name }),
  // The preset's `docs` page, in the user's browser (the page names the preset, never a URL).
  openPresetDocs: (preset: string) => invoke<void>("open_preset_docs", { preset }),
  // The form of profile `name`, or a new one's (from `preset` when chosen).
  profileForm: (name: string | null, preset: string | null) => invoke<NewProfile>("profile_form", { name, preset }),
  formFacts: (profile: NewProfile) => invoke<FormFacts>("form_facts", { profile }),
  // Editing (`originalName`): `before` is the form as it opened, so only the fields changed in it are applied.
  saveProfile: (originalName: string | null, profile: NewProfile, before: NewProfile | null, inputs: FormInputs) =>
    invoke<Profile>("save_profile", { originalName, profile, before, inputs }),
  duplicateProfile: (name: string, newName: string) => invoke<Profile>("duplicate_profile", { name, newName }),
  deleteProfile: (name: string) => invoke<void>("delete_profile", { name }),
  importApi: (path: string, profile: string | null, live: boolean, environment: string | null, apply: boolean) =>
    invoke<ApiImportView>("import_api", { path, profile, live, environment, apply }),
  generateClientKey: (name: string, replace: boolean) => invoke<JsonValue>("generate_client_key", { name, replace }),
  clientPublicKey: (name: string) => invoke<JsonValue | null>("client_public_key", { name }),
  status: (name: string, verify: boolean) => invoke<StatusView>("profile_status", { name, verify }),
  checkAtProvider: (name: string) => invoke<ProviderCheckView>("check_at_provider", { name }),
  timeline: (name: string) => invoke<TimelineView | null>("timeline", { name }),
  getToken: (name: string, password: string | null) => invoke<StatusView>("get_token", { name, password }),
  startSignIn: (name: string) => invoke<SignInStarted>("start_sign_in", { name }),
  finishSignIn: (attempt: number) => invoke<StatusView>("finish_sign_in", { attempt }),
  cancelSignIn: (attempt: number) => invoke<void>("cancel_sign_in", { attempt }),
  renewToken: (name: string) => invoke<StatusView>("renew_token", { name }),
  revokeTokens: (name: string) => invoke<StatusView>("revoke_tokens", { name }),
  forgetTokens: (name: string) => invoke<StatusView>("forget_tokens", { name }),
  copyToken: (name: string) => invoke<void>("copy_token", { name }),
  previewRequest: (name: string, request: RequestDraft) => invoke<RequestPreview>("preview_request", { name, request }),
  sendRequest: (name: string, request: RequestDraft) => invoke<ResponseView>("send_request", { name, request }),
  copyAsCurl: (name: string, request: RequestDraft, withToken: boolean) => invoke<string>("copy_as_curl", { name, request, withToken }),
  listSavedRequests: (name: string) => invoke<SavedView[]>("list_saved_requests", { name }),
  // `path`: `folder/name` puts it in a folder.
  saveRequest: (name: string, path: string, request: RequestDraft, expect: Expect | null = null, capture: Capture[] = []) =>
    invoke<SavedView[]>("save_request", { name, path, request, expect, capture }),
  runSaved: (name: string, only: string[]) => invoke<RunReport>("run_saved", { name, only }),
  deleteSavedRequest: (name: string, folder: string | null, savedName: string) =>
    invoke<SavedView[]>("delete_saved_request", { name, folder, savedName }),
  pasteCurl: (command: string) => invoke<CurlPasted>("paste_curl", { command }),
  getVariables: () => invoke<UserVariables>("get_variables"),
  // `before` is what the editor showed: only the changes made in it are applied.
  saveVariables: (before: UserVariables, variables: UserVariables) => invoke<UserVariables>("save_variables", { before, variables }),
  listHistory: (query: HistoryQuery) => invoke<HistoryRow[]>("list_history", { query }),
  historyPage: (query: HistoryQuery) => invoke<HistoryPage>("history_page", { query }),
  historyEntry: (id: number) => invoke<Entry>("history_entry", { id }),
  replayHistory: (id: number, name: string | null) => invoke<ResponseView>("replay_history", { id, name }),
  copyHistoryAsCurl: (id: number, withToken: boolean) => invoke<string>("copy_history_as_curl", { id, withToken }),
  clearHistory: () => invoke<void>("clear_history"),
  historyKeep: () => invoke<number>("history_keep"),
  setHistoryKeep: (entries: number) => invoke<number>("set_history_keep", { entries }),
  checkKeyring: () => invoke<void>("check_keyring"),
  keyringOrphans: () => invoke<KeyringTidy>("keyring_orphans"),
  tidyKeyring: () => invoke<KeyringTidy>("tidy_keyring"),
  exportCase: (path: string, ids: number[]) => invoke<string>("export_case", { path, ids }),
  planCaseImport: (path: string) => invoke<CasePlanView>("plan_case_import", { path }),
  importCase: (path: string) => invoke<ProfileList>("import_case", { path }),
};
