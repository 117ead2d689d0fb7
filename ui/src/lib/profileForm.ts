// The profile form: a blank one, one from a preset or an existing profile, its proxy choice,
// switching a preset's environment, and names for copies.
import type { Environment } from "./bindings/Environment";
import type { PresetView } from "./bindings/PresetView";
import type { Profile } from "./bindings/Profile";
import type { ProfileForm } from "./bindings/ProfileForm";
import type { Pair } from "./pairs";

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
