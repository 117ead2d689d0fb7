// "Connect a carrier": the provider list, and what the screen says once connected (or not), in
// words for someone who knows the provider and not OAuth.
import type { Connection } from "./bindings/Connection";
import type { ConnectForm } from "./bindings/ConnectForm";
import type { Environment } from "./bindings/Environment";
import type { PresetView } from "./bindings/PresetView";
import type { ProviderKind } from "./bindings/ProviderKind";
import type { StatusView } from "./bindings/StatusView";

/** What a person types on the Connect form (blank: not given). */
export interface ConnectValues {
  client_id: string;
  client_secret: string;
  /** By the preset's input ids. */
  inputs: Record<string, string>;
  /** Blank: the preset's id (or id-2, ... when taken). */
  name: string;
  environment: Environment;
}

export function emptyValues(preset: PresetView): ConnectValues {
  return { client_id: "", client_secret: "", inputs: Object.fromEntries(preset.inputs.map((i) => [i.id, ""])), name: "", environment: preset.default_env };
}

/** The form as `connect_provider` takes it: only this preset's fields, blank ones left out. */
export function connectForm(preset: PresetView, values: ConnectValues): ConnectForm {
  const given = (text: string | undefined) => (text && text.trim() ? text : null);
  const inputs: Record<string, string> = {};
  for (const input of preset.inputs) {
    const value = given(values.inputs[input.id]);
    if (value !== null) inputs[input.id] = value;
  }
  return {
    preset: preset.id,
    name: given(values.name)?.trim() ?? null,
    environment: values.environment,
    client_id: preset.api_key ? null : given(values.client_id),
    client_secret: preset.api_key ? null : given(values.client_secret),
    inputs,
  };
}

/** Words that belong to the profile form, never to the Connect screens. */
export const TECHNICAL_WORDS = ["grant", "scope", "token url", "client authentication"];

const KINDS: Record<ProviderKind, string> = { carrier: "carrier", marketplace: "marketplace", platform: "platform" };

export function kindLabel(kind: ProviderKind): string {
  return KINDS[kind];
}

/** "sandbox and live" where the provider has both; nothing where it has one. */
export function environmentsLabel(preset: PresetView): string | null {
  return preset.environments.length > 1 ? preset.environments.map((e) => e.env).join(" and ") : null;
}

/** The presets whose name, id or kind holds every word typed, in the list's order. */
export function filterPresets(presets: PresetView[], query: string): PresetView[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return presets;
  return presets.filter((p) => {
    const text = `${p.name} ${p.id} ${p.kind} ${p.own ? "team" : ""}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** A preset's note, unless it speaks of OAuth's machinery (then it belongs under Advanced). */
export function plainNote(note: string | null): string | null {
  if (!note) return null;
  const lower = note.toLowerCase();
  return TECHNICAL_WORDS.some((w) => lower.includes(w)) ? null : note;
}

/** A lifetime rounded the way a person says it: "4 h", "30 min", "45 s", "2 d". */
export function roughDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  if (s < 90) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.round(s / 3600);
  if (h < 48) return `${h} h`;
  return `${Math.round(s / 86400)} d`;
}

/** What the screen says once a connection worked, or was refused. */
export interface Outcome {
  connected: boolean;
  headline: string;
  detail: string | null;
  hint: string | null;
  /** A failure's code, when Rust gave one (`needs_sign_in`, ...). */
  code?: string;
}

/** No check request: connected once the token (or the key) is there. */
export function tokenOutcome(preset: PresetView, status: StatusView | null, now: number): Outcome {
  if (preset.api_key || status?.state === "api_key") {
    return { connected: true, headline: `Saved: ${preset.name}'s API key is in the OS keyring`, detail: `${preset.name} has no request to prove it works; send one from the profile.`, hint: null };
  }
  const expires = status?.expires_at ? (Date.parse(status.expires_at) - now) / 1000 : null;
  const lifetime = expires === null ? " (no expiry given)" : `, valid for ${roughDuration(expires)}`;
  return { connected: true, headline: `Connected: ${preset.name} gave a token${lifetime}`, detail: null, hint: null };
}

/** The preset's check request answered: connected to what it names, or refused in its words. */
export function checkOutcome(preset: PresetView, connection: Connection, environment: string | null): Outcome {
  const answered = `${connection.url} answered ${connection.status}`;
  if (connection.connected) {
    return { connected: true, headline: `Connected to ${connection.names ?? preset.name}`, detail: answered, hint: null };
  }
  return {
    connected: false,
    headline: `Not connected: ${preset.name} refused the check`,
    detail: connection.message ? `${connection.message} (${answered})` : answered,
    hint: refusalHint(preset, connection.status, environment),
  };
}

/** What to fix, from how the provider refused. */
export function refusalHint(preset: PresetView, status: number, environment: string | null): string {
  const env = environment && preset.environments.length > 1 ? ` ${environment}` : "";
  const what = preset.api_key ? "the API key" : "the credentials";
  if (status === 401) {
    const it = preset.api_key ? { is: "it is", was: "it was" } : { is: "they are", was: "they were" };
    const check = env ? `${it.is} for its${env} and copied whole` : `${it.was} copied whole`;
    return `${preset.name} did not accept ${what}: check that ${check}, then try again.`;
  }
  if (status === 403) return `${what[0].toUpperCase()}${what.slice(1)} work${preset.api_key ? "s" : ""}, but this account or app may not be allowed that API: check its access at ${preset.name}.`;
  if (status === 404) return `Nothing is at that address: check the environment${preset.inputs.length ? " and what you typed for " + preset.inputs.map((i) => i.label).join(", ") : ""}.`;
  if (status === 429) return `${preset.name} asks to slow down: wait a minute and try again.`;
  if (status >= 500) return `${preset.name} had a problem of its own: try again later.`;
  return `Check what you typed against what ${preset.name} gave you, and try again.`;
}
