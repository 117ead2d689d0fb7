import { describe, expect, it } from "vitest";
import type { PresetView } from "./bindings/PresetView";
import type { Profile } from "./bindings/Profile";
import { copyName, formForPreset, formForProfile, presetUrls, proxyChoice, switchEnvironment, withProxyChoice } from "./profileForm";

const packly: PresetView = {
  id: "packly",
  name: "Packly",
  docs: "",
  grants: ["client_credentials"],
  client_auth: "basic",
  scope: null,
  default_env: "sandbox",
  environments: [
    { env: "live", token_url: "https://api.packly/oauth/token", api_base: "https://api.packly/v1" },
    { env: "sandbox", token_url: "https://sandbox.packly/oauth/token", api_base: "https://sandbox.packly/v1" },
  ],
  needs_base_url: false,
  note: null,
};

describe("presets in the profile form", () => {
  it("start a new profile with the preset's grant, dialect and default environment", () => {
    const form = formForPreset(packly);
    expect(form).toMatchObject({ preset: "packly", grant: "client_credentials", client_auth: "basic", environment: "sandbox", token_url: null });
  });
  it("move the preset's URLs to the other environment and keep typed ones", () => {
    const edited = { ...formForPreset(packly), token_url: "https://sandbox.packly/oauth/token", api_base: "https://proxy.example/v1" };
    const live = switchEnvironment(edited, packly, "live");
    expect(live.environment).toBe("live");
    expect(live.token_url).toBe("https://api.packly/oauth/token");
    expect(live.api_base).toBe("https://proxy.example/v1");
    expect(switchEnvironment(formForPreset(packly), packly, "live").token_url).toBeNull();
  });
  it("fill a self-hosted base URL", () => {
    const oro = { ...packly, environments: [{ env: "live" as const, token_url: "{base_url}/oauth2-token", api_base: "{base_url}/admin/api" }] };
    expect(presetUrls(oro, "live", "https://shop.example/")).toEqual({ token_url: "https://shop.example/oauth2-token", api_base: "https://shop.example/admin/api" });
  });
});

it("edits a profile without ever holding its secret", () => {
  const profile: Profile = {
    name: "acme",
    keyring_id: "acme-x1",
    grant: "password",
    token_url: "https://t.example/token",
    client_id: "cid",
    client_auth: "json",
    scope: "read",
    params: { audience: "api" },
    api_base: null,
    headers: { Accept: "application/json" },
    username: "ann",
    remember_password: true,
    authorize_url: null,
    redirect_uri: null,
    authorize_params: {},
    issuer: null,
    revocation_url: null,
    jwks_url: null,
    preset: null,
    environment: null,
    ca_certs: "-----BEGIN CERTIFICATE-----\n...",
    tls_client_cert: null,
    proxy: "http://proxy.corp:3128",
    no_proxy: false,
  };
  const form = formForProfile(profile);
  expect(form).toMatchObject({ original_name: "acme", name: "acme", params: [["audience", "api"]], headers: [["Accept", "application/json"]], client_secret: null, password: null });
  // The CA stays unless removed; no file is read again unless one is named.
  expect(form).toMatchObject({ ca_certs: profile.ca_certs, ca_file: null, tls_key_file: null, proxy: "http://proxy.corp:3128" });
  expect(proxyChoice(form)).toBe("own");
  const direct = withProxyChoice(form, "none");
  expect(direct).toMatchObject({ no_proxy: true, proxy: null });
  expect(proxyChoice(direct)).toBe("none");
  expect(withProxyChoice(direct, "env")).toMatchObject({ no_proxy: false, proxy: null });
  expect(withProxyChoice(direct, "own")).toMatchObject({ no_proxy: false, proxy: "" });
});

it("names copies so they never collide", () => {
  expect(copyName("acme", ["acme"])).toBe("acme-copy");
  expect(copyName("acme", ["acme", "acme-copy", "acme-copy-2"])).toBe("acme-copy-3");
});
