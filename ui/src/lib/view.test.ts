import { describe, expect, it } from "vitest";
import type { Entry } from "./bindings/Entry";
import type { PresetView } from "./bindings/PresetView";
import type { Profile } from "./bindings/Profile";
import type { StatusView } from "./bindings/StatusView";
import type { Param } from "./bindings/Param";
import type { RequestDraft } from "./bindings/RequestDraft";
import {
  applyParams,
  initialParamValue,
  caseFileName,
  copyName,
  entryDraft,
  listTime,
  mapToPairs,
  pairsToMap,
  proxyChoice,
  withProxyChoice,
  placeholders,
  savedPath,
  splitSavedPath,
  shortTime,
  formForPreset,
  formForProfile,
  formatDuration,
  healthOf,
  isSendShortcut,
  jsonProblem,
  prettyBody,
  presetUrls,
  signatureLabel,
  switchEnvironment,
  requestsByFolder,
  searchSaved,
} from "./view";

const status = (over: Partial<StatusView>): StatusView => ({
  profile: "p",
  state: "valid",
  token_type: "Bearer",
  scope: null,
  obtained_at: "2026-01-01T00:00:00Z",
  expires_at: "2026-01-01T01:00:00Z",
  source: "fetched",
  has_refresh_token: false,
  jwt_header: null,
  jwt_claims: null,
  signature: null,
  extra_fields: [],
  ...over,
});
const at = (iso: string) => Date.parse(iso);

describe("a profile's health, live against the clock", () => {
  it("counts down while valid, then turns expiring inside the renewal margin, then expired", () => {
    const s = status({});
    expect(healthOf(s, undefined, at("2026-01-01T00:30:00Z"))).toEqual({ health: "valid", label: "valid, 30 min 0 s left" });
    expect(healthOf(s, undefined, at("2026-01-01T00:59:30Z"))).toEqual({ health: "expiring", label: "expiring, 30 s left" });
    expect(healthOf(s, undefined, at("2026-01-01T01:00:00Z")).health).toBe("expired");
  });
  it("uses a tenth of a short lifetime as the margin", () => {
    const s = status({ expires_at: "2026-01-01T00:01:40Z" }); // 100 s life: 10 s margin
    expect(healthOf(s, undefined, at("2026-01-01T00:01:20Z")).health).toBe("valid");
    expect(healthOf(s, undefined, at("2026-01-01T00:01:31Z")).health).toBe("expiring");
  });
  it("shows signed out, no-expiry and errors as such", () => {
    expect(healthOf(undefined, undefined, 0).health).toBe("signed_out");
    expect(healthOf(status({ state: "signed_out", expires_at: null }), undefined, 0).label).toBe("signed out");
    expect(healthOf(status({ expires_at: null }), undefined, 0).label).toBe("valid (no expiry given)");
    expect(healthOf(status({}), { code: "provider_refused", message: "invalid_client" }, 0).health).toBe("error");
    // A refused refresh: the tokens are gone and the user signs in again.
    expect(healthOf(status({ state: "signed_out", expires_at: null }), { code: "needs_sign_in", message: "..." }, 0)).toEqual({
      health: "signed_out",
      label: "signed out: sign in again",
    });
  });
});

it("formats durations a person reads at a glance", () => {
  expect(formatDuration(0)).toBe("0 s");
  expect(formatDuration(59.9)).toBe("59 s");
  expect(formatDuration(61)).toBe("1 min 1 s");
  expect(formatDuration(3 * 3600 + 120)).toBe("3 h 2 min");
  expect(formatDuration(3 * 86400 + 3600)).toBe("3 d 1 h");
  expect(formatDuration(-5)).toBe("0 s");
});

describe("response bodies", () => {
  it("pretty-prints JSON, by content type or by shape", () => {
    expect(prettyBody('{"a":[1,2]}', "application/vnd.api+json")).toEqual({ text: '{\n  "a": [\n    1,\n    2\n  ]\n}', json: true });
    expect(prettyBody('[{"x":1}]', undefined).json).toBe(true);
  });
  it("shows HTML and broken JSON as the text they are", () => {
    const html = "<html><script>alert(1)</script></html>";
    expect(prettyBody(html, "text/html")).toEqual({ text: html, json: false });
    expect(prettyBody('{"cut', "application/json")).toEqual({ text: '{"cut', json: false });
  });
});

it("says what is wrong with a JSON body, and nothing when it is fine or empty", () => {
  expect(jsonProblem('{"a": 1}')).toBeNull();
  expect(jsonProblem("  ")).toBeNull();
  expect(jsonProblem('{"a": }')).toMatch(/JSON|token|Unexpected/i);
});

it("sends on Ctrl+Enter and Cmd+Enter only", () => {
  expect(isSendShortcut({ key: "Enter", ctrlKey: true, metaKey: false })).toBe(true);
  expect(isSendShortcut({ key: "Enter", ctrlKey: false, metaKey: true })).toBe(true);
  expect(isSendShortcut({ key: "Enter", ctrlKey: false, metaKey: false })).toBe(false);
  expect(isSendShortcut({ key: "e", ctrlKey: true, metaKey: false })).toBe(false);
});

it("labels signature checks", () => {
  expect(signatureLabel({ status: "checked", alg: "RS256", kid: "k1" })).toBe("checked (RS256, key k1)");
  expect(signatureLabel({ status: "unchecked", reason: "no JWKS" })).toBe("unchecked: no JWKS");
  expect(signatureLabel({ status: "invalid", reason: "bad sig" })).toBe("INVALID: bad sig");
  expect(signatureLabel(null)).toBe("not checked");
});

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

describe("variables and history helpers", () => {
  it("turns variable tables into rows and back, dropping blank names", () => {
    const rows = mapToPairs({ shipment: "S-1", tenant: "acme" });
    expect(rows).toEqual([["shipment", "S-1"], ["tenant", "acme"]]);
    expect(pairsToMap([...rows, ["", "lost"], [" city ", "Oslo"]])).toEqual({ shipment: "S-1", tenant: "acme", city: "Oslo" });
  });

  it("finds the placeholders a request uses, once each", () => {
    expect(placeholders("/s/{{ shipment }}?t={{tenant}}&again={{shipment}} {{ }} {x}")).toEqual(["shipment", "tenant"]);
  });

  it("names case files by the local time and shows times locally", () => {
    expect(caseFileName(new Date(2026, 10, 22, 9, 5))).toBe("waybill-case-20261122-0905.json");
    expect(shortTime(new Date(2026, 0, 2, 3, 4, 5).toISOString())).toBe("2026-01-02 03:04:05");
    expect(shortTime("not a time")).toBe("not a time");
    const now = new Date(2026, 10, 22, 18, 0, 0);
    expect(listTime(new Date(2026, 10, 22, 9, 5, 1).toISOString(), now)).toBe("09:05:01");
    expect(listTime(new Date(2026, 10, 21, 9, 5, 1).toISOString(), now)).toBe("2026-11-21 09:05:01");
  });
});

describe("history entries in the builder", () => {
  const entry = (body: string | null): Entry => ({
    id: 1, at: "2026-01-01T00:00:00Z", profile: "p", environment: null, method: "POST", url: "https://api/x",
    request_headers: [["Authorization", "Bearer [redacted]"], ["Accept", "application/json"]],
    request_body: body, status: 201, response_headers: [], response_body: null, truncated: false, elapsed_ms: 3, error: null,
  });
  it("leaves out the redacted Authorization and keeps a JSON body as JSON", () => {
    const draft = entryDraft(entry('{"to":"Oslo"}'));
    expect(draft.headers).toEqual([["Accept", "application/json"]]);
    expect(draft.body).toEqual({ kind: "json", value: '{"to":"Oslo"}' });
    expect(entryDraft(entry("a=1&b=2")).body).toEqual({ kind: "raw", value: "a=1&b=2" });
    expect(entryDraft(entry(null)).body).toEqual({ kind: "none" });
  });
});

describe("saved request names", () => {
  it("reads folder/name as typed, the way `waybill send` names them", () => {
    expect(splitSavedPath(" orders/list ")).toEqual({ folder: "orders", name: "list" });
    expect(splitSavedPath("a/b/GET x")).toEqual({ folder: "a/b", name: "GET x" });
    expect(splitSavedPath("ping")).toEqual({ folder: null, name: "ping" });
    expect(splitSavedPath("/odd")).toEqual({ folder: null, name: "/odd" });
    expect(splitSavedPath("odd/")).toEqual({ folder: null, name: "odd/" });
    expect(savedPath({ folder: "orders", name: "list" })).toBe("orders/list");
    expect(savedPath({ folder: null, name: "ping" })).toBe("ping");
    expect(savedPath(splitSavedPath("a/b/c"))).toBe("a/b/c");
  });
});

it("groups a plan's requests by folder, folders in order", () => {
  const r = (folder: string | null, name: string) => ({ folder, name });
  expect(requestsByFolder([r("b", "1"), r(null, "2"), r("a", "3"), r("b", "4")])).toEqual([
    ["", [r(null, "2")]],
    ["a", [r("a", "3")]],
    ["b", [r("b", "1"), r("b", "4")]],
  ]);
});

it("finds saved requests by any words of their folder, name, method or URL", () => {
  const s = (folder: string | null, name: string, method: string, url: string) => ({ folder, name, request: { method, url } });
  const all = [s("Labels", "createLabel", "POST", "/labels"), s(null, "track", "GET", "/track/{{id}}"), s("Labels", "void", "DELETE", "/labels/{{id}}")];
  expect(searchSaved(all, "")).toEqual(all);
  expect(searchSaved(all, "labels delete").map((x) => x.name)).toEqual(["void"]);
  expect(searchSaved(all, "TRACK").map((x) => x.name)).toEqual(["track"]);
  expect(searchSaved(all, "nothing")).toEqual([]);
});

describe("an imported operation's parameter form", () => {
  const template: RequestDraft = {
    method: "GET",
    url: "/track/v1/details/{{inquiryNumber}}",
    query: [["service", "express"]],
    headers: [["transId", "{{transId}}"]],
    body: { kind: "none" },
  };
  const params: Param[] = [
    { name: "inquiryNumber", place: "path", required: true },
    { name: "service", place: "query", required: true, choices: ["express", "economy"] },
    { name: "locale", place: "query", required: false, default: "en_US" },
    { name: "transId", place: "header", required: true },
  ];

  it("starts from the template's rows, not its placeholders", () => {
    expect(params.map((p) => initialParamValue(template, p))).toEqual(["", "express", "", ""]);
  });

  it("fills the URL, query and headers as values are typed", () => {
    const draft = applyParams(template, params, { inquiryNumber: "1Z 999/AA", service: "economy", locale: "de_DE", transId: "t-1" });
    expect(draft.url).toBe("/track/v1/details/1Z%20999%2FAA");
    expect(draft.query).toEqual([["service", "economy"], ["locale", "de_DE"]]);
    expect(draft.headers).toEqual([["transId", "t-1"]]);
    // The template is left as it was: clearing a field brings its placeholder back.
    expect(template.url).toContain("{{inquiryNumber}}");
    const cleared = applyParams(template, params, { inquiryNumber: "", locale: "" });
    expect(cleared.url).toBe(template.url);
    expect(cleared.query).toEqual([["service", "express"]]);
    expect(cleared.headers).toEqual([["transId", "{{transId}}"]]);
  });
});
