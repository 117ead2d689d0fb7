import { describe, expect, it } from "vitest";
import type { PresetView } from "./bindings/PresetView";
import type { StatusView } from "./bindings/StatusView";
import { checkOutcome, connectForm, emptyValues, environmentsLabel, filterPresets, plainNote, roughDuration, tokenOutcome } from "./connect";

const preset = (over: Partial<PresetView>): PresetView => ({
  id: "fedex",
  name: "FedEx",
  kind: "carrier",
  docs: "https://developer.fedex.com/",
  credentials: "Create a project.",
  grants: ["client_credentials"],
  client_auth: "form",
  scope: null,
  default_env: "sandbox",
  environments: [
    { env: "sandbox", token_url: "https://s/t", api_base: "https://s", refresh_url: null },
    { env: "live", token_url: "https://l/t", api_base: "https://l", refresh_url: null },
  ],
  needs_base_url: false,
  inputs: [],
  has_check: false,
  signs_in: false,
  api_key: false,
  own: false,
  note: null,
  ...over,
});

const status = (over: Partial<StatusView>): StatusView => ({
  profile: "fedex",
  state: "valid",
  token_type: "bearer",
  scope: null,
  obtained_at: "2026-01-01T00:00:00Z",
  expires_at: "2026-01-01T04:00:00Z",
  renews_at: null,
  source: "fetched",
  has_refresh_token: false,
  jwt_header: null,
  jwt_claims: null,
  signature: null,
  extra_fields: [],
  ...over,
});

describe("the provider list", () => {
  const all = [preset({}), preset({ id: "etsy", name: "Etsy", kind: "marketplace", environments: [] }), preset({ id: "ups-local", name: "UPS", own: true })];

  it("finds by name, id, kind and team, every word", () => {
    expect(filterPresets(all, "").length).toBe(3);
    expect(filterPresets(all, "FED").map((p) => p.id)).toEqual(["fedex"]);
    expect(filterPresets(all, "market").map((p) => p.id)).toEqual(["etsy"]);
    expect(filterPresets(all, "carrier team").map((p) => p.id)).toEqual(["ups-local"]);
    expect(filterPresets(all, "nothing")).toEqual([]);
  });

  it("names the environments only where there are two", () => {
    expect(environmentsLabel(preset({}))).toBe("sandbox and live");
    expect(environmentsLabel(preset({ environments: [preset({}).environments[1]] }))).toBeNull();
  });
});

describe("what the Connect screens say", () => {
  it("keeps a note that speaks of the machinery off the form", () => {
    expect(plainNote("FedEx calls the client ID the API Key.")).toBe("FedEx calls the client ID the API Key.");
    expect(plainNote("Sign in with the authorization code grant.")).toBeNull();
    expect(plainNote("Add the scope 'payment'.")).toBeNull();
    expect(plainNote(null)).toBeNull();
  });

  it("rounds a lifetime as a person says it", () => {
    expect(roughDuration(14_399)).toBe("4 h");
    expect(roughDuration(3599)).toBe("1 h");
    expect(roughDuration(5400)).toBe("2 h");
    expect(roughDuration(1799)).toBe("30 min");
    expect(roughDuration(45)).toBe("45 s");
    expect(roughDuration(3 * 86400)).toBe("3 d");
  });

  it("says Connected once the token came when there is nothing to check", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(tokenOutcome(preset({ name: "UPS" }), status({}), now).headline).toBe("Connected: UPS gave a token, valid for 4 h");
    expect(tokenOutcome(preset({}), status({ expires_at: null }), now).headline).toBe("Connected: FedEx gave a token (no expiry given)");
  });

  it("names what the check's answer names, or says what to fix", () => {
    const ok = checkOutcome(preset({}), { connected: true, status: 200, url: "https://s/me", names: "Acme Shop", message: null, diagnoses: [] }, "sandbox");
    expect(ok).toMatchObject({ connected: true, headline: "Connected to Acme Shop", detail: "https://s/me answered 200" });
    const unnamed = checkOutcome(preset({}), { connected: true, status: 204, url: "https://s/me", names: null, message: null, diagnoses: [] }, null);
    expect(unnamed.headline).toBe("Connected to FedEx");
    const refused = checkOutcome(preset({}), { connected: false, status: 401, url: "https://s/me", names: null, message: "unauthorized: bad key", diagnoses: [] }, "sandbox");
    expect(refused.connected).toBe(false);
    expect(refused.detail).toBe("unauthorized: bad key (https://s/me answered 401)");
    expect(refused.hint).toBe("FedEx did not accept the credentials: check that they are for its sandbox and copied whole, then try again.");
    const key = preset({ name: "ShipEngine", api_key: true, environments: [preset({}).environments[1]] });
    expect(checkOutcome(key, { connected: false, status: 401, url: "u", names: null, message: null, diagnoses: [] }, "live").hint).toBe(
      "ShipEngine did not accept the API key: check that it was copied whole, then try again.",
    );
    expect(checkOutcome(key, { connected: false, status: 403, url: "u", names: null, message: null, diagnoses: [] }, "live").hint).toContain("The API key works, but");
  });
});

describe("the form sent", () => {
  it("holds only the preset's fields, blank ones left out", () => {
    const ups = preset({ id: "ups", inputs: [{ id: "account_number", label: "Account number", help: null, required: false, secret: false }] });
    const values = { ...emptyValues(ups), client_id: "id", client_secret: "s3cret", inputs: { account_number: "  ", stray: "x" } };
    expect(connectForm(ups, values)).toEqual({ preset: "ups", name: null, environment: "sandbox", client_id: "id", client_secret: "s3cret", inputs: {} });
    const key = preset({ id: "shipengine", api_key: true, default_env: "live", inputs: [{ id: "api_key", label: "API key", help: null, required: true, secret: true }] });
    const typed = { ...emptyValues(key), client_id: "left over", name: " mine ", inputs: { api_key: "TEST_k" } };
    expect(connectForm(key, typed)).toEqual({ preset: "shipengine", name: "mine", environment: "live", client_id: null, client_secret: null, inputs: { api_key: "TEST_k" } });
  });
});
