// The window's view logic, kept out of components so Vitest can check it without a webview.
import type { Entry } from "./bindings/Entry";
import type { Environment } from "./bindings/Environment";
import type { Grant } from "./bindings/Grant";
import type { PresetView } from "./bindings/PresetView";
import type { Profile } from "./bindings/Profile";
import type { Param } from "./bindings/Param";
import type { ProfileForm } from "./bindings/ProfileForm";
import type { RequestDraft } from "./bindings/RequestDraft";
import type { SignatureCheck } from "./bindings/SignatureCheck";
import type { StatusView } from "./bindings/StatusView";

export type Pair = [string, string];

/** What the sidebar dot and label say about a profile. */
export type Health = "signed_out" | "valid" | "expiring" | "expired" | "error";

export interface HealthView {
  health: Health;
  label: string;
}

/** Renewal starts this close to expiry (the core's rule: min(60 s, a tenth of the lifetime)). */
export function renewalMarginSeconds(obtainedAt: string | null, expiresAt: string): number {
  if (!obtainedAt) return 60;
  const life = (Date.parse(expiresAt) - Date.parse(obtainedAt)) / 1000;
  return Math.min(60, Math.max(0, life / 10));
}

/** The last failure of a profile's token, as the sidebar keeps it. */
export interface ProfileFailure {
  code: string;
  message: string;
}

/** A profile's state now: the last status, recomputed against the clock so the countdown is live. */
export function healthOf(status: StatusView | undefined, error: ProfileFailure | undefined, now: number): HealthView {
  // The provider no longer accepts its sign-in (or there is none to renew): not a fault to fix.
  if (error?.code === "needs_sign_in") return { health: "signed_out", label: "signed out: sign in again" };
  if (error) return { health: "error", label: "error" };
  if (!status || status.state === "signed_out") return { health: "signed_out", label: "signed out" };
  if (!status.expires_at) {
    return status.state === "expired"
      ? { health: "expired", label: "expired" }
      : { health: "valid", label: "valid (no expiry given)" };
  }
  const left = Math.floor((Date.parse(status.expires_at) - now) / 1000);
  if (left <= 0) return { health: "expired", label: "expired" };
  const margin = renewalMarginSeconds(status.obtained_at, status.expires_at);
  const text = `${formatDuration(left)} left`;
  return left <= margin ? { health: "expiring", label: `expiring, ${text}` } : { health: "valid", label: `valid, ${text}` };
}

export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function headerValue(headers: Pair[], name: string): string | undefined {
  return headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

/** A response body for display: JSON pretty-printed, anything else as the text it is. */
export function prettyBody(body: string, contentType: string | undefined): { text: string; json: boolean } {
  const looksJson = (contentType ?? "").toLowerCase().includes("json") || /^\s*[[{]/.test(body);
  if (looksJson) {
    try {
      return { text: JSON.stringify(JSON.parse(body), null, 2), json: true };
    } catch {
      // Said JSON, is not: show it as it came.
    }
  }
  return { text: body, json: false };
}

/** `null` when `text` is JSON (or empty), else what is wrong with it. */
export function jsonProblem(text: string): string | null {
  if (text.trim() === "") return null;
  try {
    JSON.parse(text);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export function formatJson(text: string): string {
  return JSON.stringify(JSON.parse(text), null, 2);
}

export function isBrowserGrant(grant: Grant): boolean {
  return grant === "implicit" || grant === "authorization_code";
}

/** A user signs in (browser or device code): the Sign in button, not Get token. */
export function isSignInGrant(grant: Grant): boolean {
  return isBrowserGrant(grant) || grant === "device_code";
}

/** Ctrl+Enter, or Cmd+Enter on a Mac. */
export function isSendShortcut(e: { key: string; ctrlKey: boolean; metaKey: boolean }): boolean {
  return e.key === "Enter" && (e.ctrlKey || e.metaKey);
}

export function signatureLabel(sig: SignatureCheck | null): string {
  if (!sig) return "not checked";
  switch (sig.status) {
    case "checked":
      return `checked (${sig.alg}${sig.kid ? `, key ${sig.kid}` : ""})`;
    case "unchecked":
      return `unchecked: ${sig.reason}`;
    case "invalid":
      return `INVALID: ${sig.reason}`;
  }
}

/** A preset's URLs for one environment, with a self-hosted base URL filled in. */
export function presetUrls(preset: PresetView, env: Environment, baseUrl: string): { token_url: string; api_base: string } | undefined {
  const e = preset.environments.find((x) => x.env === env);
  if (!e) return undefined;
  const base = baseUrl.trim().replace(/\/+$/, "");
  const fill = (u: string) => (base ? u.replaceAll("{base_url}", base) : u);
  return { token_url: fill(e.token_url), api_base: fill(e.api_base) };
}

export function blankForm(): ProfileForm {
  return {
    original_name: null,
    name: "",
    preset: null,
    environment: null,
    base_url: null,
    grant: "client_credentials",
    token_url: null,
    client_id: null,
    client_auth: "form",
    assertion_audience: null,
    scope: null,
    params: [],
    api_base: null,
    headers: [],
    username: null,
    remember_password: false,
    authorize_url: null,
    redirect_uri: null,
    authorize_params: [],
    issuer: null,
    revocation_url: null,
    jwks_url: null,
    introspection_url: null,
    userinfo_url: null,
    device_authorization_url: null,
    par: false,
    par_url: null,
    client_secret: null,
    password: null,
    ca_certs: null,
    ca_file: null,
    tls_client_cert: null,
    tls_cert_file: null,
    tls_passphrase: null,
    tls_key_file: null,
    client_key_file: null,
    proxy: null,
    no_proxy: false,
    dpop: false,
  };
}

/** A new profile from a preset: its default grant, dialect, scope and environment; URLs come from it. */
export function formForPreset(preset: PresetView | undefined): ProfileForm {
  const form = blankForm();
  if (!preset) return form;
  return {
    ...form,
    preset: preset.id,
    environment: preset.default_env,
    grant: preset.grants[0],
    client_auth: preset.client_auth,
    scope: preset.scope,
  };
}

const pairs = (map: { [key in string]?: string } | undefined): Pair[] => Object.entries(map ?? {}).map(([k, v]) => [k, v ?? ""]);

/** The form that edits `profile` (its secret is never read back: blank keeps it). */
export function formForProfile(profile: Profile): ProfileForm {
  return {
    ...blankForm(),
    original_name: profile.name,
    name: profile.name,
    preset: profile.preset ?? null,
    environment: profile.environment ?? null,
    grant: profile.grant,
    token_url: profile.token_url ?? null,
    client_id: profile.client_id,
    client_auth: profile.client_auth,
    assertion_audience: profile.assertion_audience ?? null,
    scope: profile.scope ?? null,
    params: pairs(profile.params),
    api_base: profile.api_base ?? null,
    headers: pairs(profile.headers),
    username: profile.username ?? null,
    remember_password: profile.remember_password ?? false,
    authorize_url: profile.authorize_url ?? null,
    redirect_uri: profile.redirect_uri ?? null,
    authorize_params: pairs(profile.authorize_params),
    issuer: profile.issuer ?? null,
    revocation_url: profile.revocation_url ?? null,
    jwks_url: profile.jwks_url ?? null,
    introspection_url: profile.introspection_url ?? null,
    userinfo_url: profile.userinfo_url ?? null,
    device_authorization_url: profile.device_authorization_url ?? null,
    par: !!profile.par_url,
    par_url: profile.par_url ?? null,
    ca_certs: profile.ca_certs ?? null,
    tls_client_cert: profile.tls_client_cert ?? null,
    proxy: profile.proxy ?? null,
    no_proxy: profile.no_proxy ?? false,
    dpop: profile.dpop ?? false,
  };
}

/** How a profile reaches its servers, for the form's proxy choice. */
export type ProxyChoice = "env" | "none" | "own";

export function proxyChoice(form: ProfileForm): ProxyChoice {
  return form.no_proxy ? "none" : form.proxy !== null ? "own" : "env";
}

export function withProxyChoice(form: ProfileForm, choice: ProxyChoice): ProfileForm {
  return { ...form, no_proxy: choice === "none", proxy: choice === "own" ? form.proxy ?? "" : null };
}

/**
 * Switch a preset profile between sandbox and live. URLs that were the preset's for the old
 * environment follow it; URLs the person typed themselves stay.
 */
export function switchEnvironment(form: ProfileForm, preset: PresetView, env: Environment): ProfileForm {
  const base = form.base_url ?? "";
  const before = form.environment ? presetUrls(preset, form.environment, base) : undefined;
  const after = presetUrls(preset, env, base);
  // Blank stays blank (the preset fills it when saved); the old environment's URL becomes the new one's.
  const follow = (current: string | null, old: string | undefined, next: string | undefined) =>
    current && current === old ? (next ?? current) : current;
  return {
    ...form,
    environment: env,
    token_url: follow(form.token_url, before?.token_url, after?.token_url),
    api_base: follow(form.api_base, before?.api_base, after?.api_base),
  };
}

/** The next free "name-copy", "name-copy-2", ... */
export function copyName(name: string, taken: string[]): string {
  let candidate = `${name}-copy`;
  for (let i = 2; taken.includes(candidate); i++) candidate = `${name}-copy-${i}`;
  return candidate;
}

export function errorText(e: unknown): { message: string; hint: string | null; code: string } {
  if (e && typeof e === "object" && "message" in e) {
    const err = e as { message: unknown; hint?: unknown; code?: unknown };
    return {
      message: String(err.message),
      hint: typeof err.hint === "string" ? err.hint : null,
      code: typeof err.code === "string" ? err.code : "unknown",
    };
  }
  return { message: String(e), hint: null, code: "unknown" };
}

/** A variables table as editable rows, and back (rows with a blank name are dropped). */
export function mapToPairs(map: { [key in string]?: string }): Pair[] {
  return Object.entries(map).map(([name, value]) => [name, value ?? ""]);
}
export function pairsToMap(rows: Pair[]): { [key in string]?: string } {
  const map: { [key in string]?: string } = {};
  for (const [name, value] of rows) if (name.trim()) map[name.trim()] = value;
  return map;
}

/** `{{name}}` placeholders in a text, in order, each once (what the Variables tab lists as used). */
export function placeholders(text: string): string[] {
  const names = [...text.matchAll(/\{\{\s*([A-Za-z0-9_.-]+)\s*\}\}/g)].map((m) => m[1]);
  return [...new Set(names)];
}

/** The history list's time filter. */
export const SINCE_CHOICES: { label: string; minutes: number | null }[] = [
  { label: "any time", minutes: null },
  { label: "last 15 minutes", minutes: 15 },
  { label: "last hour", minutes: 60 },
  { label: "last 24 hours", minutes: 24 * 60 },
  { label: "last 7 days", minutes: 7 * 24 * 60 },
];

/** A new case file's name: `waybill-case-20261122-1405.json` (local time). */
export function caseFileName(at: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const day = `${at.getFullYear()}${two(at.getMonth() + 1)}${two(at.getDate())}`;
  return `waybill-case-${day}-${two(at.getHours())}${two(at.getMinutes())}.json`;
}

/** An RFC 3339 time as the history list shows it: local, to the second. */
export function shortTime(rfc3339: string): string {
  const at = new Date(rfc3339);
  if (Number.isNaN(at.getTime())) return rfc3339;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())} ${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
}

/** A history entry as the builder's draft: its `Authorization` left out (the profile's token goes
 *  instead), a JSON body as JSON. */
export function entryDraft(entry: Entry): RequestDraft {
  const body = entry.request_body;
  return {
    method: entry.method,
    url: entry.url,
    query: [],
    headers: entry.request_headers.filter(([n]) => n.toLowerCase() !== "authorization") as Pair[],
    body: body == null || body === "" ? { kind: "none" } : jsonProblem(body) === null ? { kind: "json", value: body } : { kind: "raw", value: body },
  };
}

/** The history list's time: the clock time for today's entries, else the date too. */
export function listTime(rfc3339: string, now: Date): string {
  const full = shortTime(rfc3339);
  const at = new Date(rfc3339);
  return at.toDateString() === now.toDateString() ? full.slice(11) : full;
}

/** A saved request as `waybill send` names it: `folder/name`, or the name alone. */
export function savedPath(saved: { folder?: string | null; name: string }): string {
  return saved.folder ? `${saved.folder}/${saved.name}` : saved.name;
}

/** What a person typed as a saved request's name: `folder/name` puts it in a folder. */
export function splitSavedPath(text: string): { folder: string | null; name: string } {
  const trimmed = text.trim();
  const cut = trimmed.lastIndexOf("/");
  if (cut <= 0 || cut === trimmed.length - 1) return { folder: null, name: trimmed };
  return { folder: trimmed.slice(0, cut).trim(), name: trimmed.slice(cut + 1).trim() };
}

/** Requests grouped by folder (`""` for none), folders in name order: the plan's tree. */
export function requestsByFolder<T extends { folder?: string | null }>(requests: T[]): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const r of requests) {
    const key = r.folder ?? "";
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

/** Saved requests whose folder, name, method or URL holds every word of `search` (any case). */
export function searchSaved<T extends { folder?: string | null; name: string; request: { method: string; url: string } }>(saved: T[], search: string): T[] {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  return saved.filter((s) => {
    const text = `${s.folder ?? ""} ${s.name} ${s.request.method} ${s.request.url}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** A declared parameter's starting value in the form: the template's row for it (not its
 * `{{name}}` placeholder); path parameters start empty. */
export function initialParamValue(template: RequestDraft, param: Param): string {
  const rows = param.place === "query" ? template.query : param.place === "header" ? template.headers : [];
  const row = rows.find(([n]) => n.toLowerCase() === param.name.toLowerCase());
  return row && row[1] !== `{{${param.name}}}` ? row[1] : "";
}

/**
 * The draft with the form's values put in: a path parameter replaces its `{{name}}` in the
 * template's URL (encoded), a query or header parameter sets its row (added when missing). An
 * empty value leaves what the template has (its `{{name}}` placeholder, or no row).
 */
export function applyParams(template: RequestDraft, params: Param[], values: Record<string, string>): RequestDraft {
  let url = template.url;
  const query: Pair[] = template.query.map(([n, v]) => [n, v]);
  const headers: Pair[] = template.headers.map(([n, v]) => [n, v]);
  for (const param of params) {
    const value = (values[param.name] ?? "").trim();
    if (!value) continue;
    if (param.place === "path") {
      url = url.split(`{{${param.name}}}`).join(encodeURIComponent(value));
      continue;
    }
    const rows = param.place === "query" ? query : param.place === "header" ? headers : null;
    if (!rows) continue;
    const same = (n: string) => (param.place === "header" ? n.toLowerCase() === param.name.toLowerCase() : n === param.name);
    const row = rows.find(([n]) => same(n));
    if (row) row[1] = value;
    else rows.push([param.name, value]);
  }
  return { ...template, url, query, headers };
}
