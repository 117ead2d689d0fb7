// Typed calls to the Rust side. Every type comes from ./bindings, generated from the Rust types.
import { invoke } from "@tauri-apps/api/core";
import type { AppInfo } from "./bindings/AppInfo";
import type { PresetView } from "./bindings/PresetView";
import type { Profile } from "./bindings/Profile";
import type { ProfileForm } from "./bindings/ProfileForm";
import type { ProfileList } from "./bindings/ProfileList";
import type { RequestDraft } from "./bindings/RequestDraft";
import type { RequestPreview } from "./bindings/RequestPreview";
import type { ResponseView } from "./bindings/ResponseView";
import type { SavedRequest } from "./bindings/SavedRequest";
import type { SignInStarted } from "./bindings/SignInStarted";
import type { StatusView } from "./bindings/StatusView";

export const api = {
  appInfo: () => invoke<AppInfo>("app_info"),
  listPresets: () => invoke<PresetView[]>("list_presets"),
  listProfiles: () => invoke<ProfileList>("list_profiles"),
  saveProfile: (form: ProfileForm) => invoke<Profile>("save_profile", { form }),
  duplicateProfile: (name: string, newName: string) => invoke<Profile>("duplicate_profile", { name, newName }),
  deleteProfile: (name: string) => invoke<void>("delete_profile", { name }),
  status: (name: string, verify: boolean) => invoke<StatusView>("profile_status", { name, verify }),
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
  listSavedRequests: (name: string) => invoke<SavedRequest[]>("list_saved_requests", { name }),
  saveRequest: (name: string, saved: SavedRequest) => invoke<SavedRequest[]>("save_request", { name, saved }),
  deleteSavedRequest: (name: string, savedName: string) => invoke<SavedRequest[]>("delete_saved_request", { name, savedName }),
};
