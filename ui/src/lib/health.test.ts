import { describe, expect, it } from "vitest";
import type { StatusView } from "./bindings/StatusView";
import { formatDuration, healthOf, newlyExpired, spokenDuration, spokenHealth, type Health } from "./health";

const status = (over: Partial<StatusView>): StatusView => ({
  profile: "p",
  state: "valid",
  token_type: "Bearer",
  scope: null,
  obtained_at: "2026-01-01T00:00:00Z",
  expires_at: "2026-01-01T01:00:00Z",
  renews_at: "2026-01-01T00:59:00Z",
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
  it("turns expiring when the core says the next use renews it", () => {
    // A 100 s token: the core's margin is a tenth of it.
    const s = status({ expires_at: "2026-01-01T00:01:40Z", renews_at: "2026-01-01T00:01:30Z" });
    expect(healthOf(s, undefined, at("2026-01-01T00:01:20Z")).health).toBe("valid");
    expect(healthOf(s, undefined, at("2026-01-01T00:01:31Z")).health).toBe("expiring");
  });
  it("shows signed out, no-expiry and errors as such", () => {
    expect(healthOf(undefined, undefined, 0).health).toBe("signed_out");
    expect(healthOf(status({ state: "api_key", expires_at: null, renews_at: null }), undefined, 0)).toEqual({ health: "valid", label: "API key" });
    expect(healthOf(status({ state: "signed_out", expires_at: null }), undefined, 0).label).toBe("signed out");
    expect(healthOf(status({ expires_at: null, renews_at: null }), undefined, 0).label).toBe("valid (no expiry given)");
    expect(healthOf(status({}), { code: "provider_refused", message: "invalid_client" }, 0).health).toBe("error");
    // A refused refresh: the tokens are gone and the user signs in again.
    expect(healthOf(status({ state: "signed_out", expires_at: null }), { code: "needs_sign_in", message: "..." }, 0)).toEqual({
      health: "signed_out",
      label: "signed out: sign in again",
    });
    // The keyring gone: the profile is out of reach, and says why rather than "error".
    expect(healthOf(status({}), { code: "keyring", message: "no OS keyring is reachable" }, 0)).toEqual({
      health: "error",
      label: "keyring unavailable",
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

describe("a profile's health in words for a screen reader", () => {
  it("says the time left in minutes, so it changes once a minute", () => {
    const s = status({});
    expect(spokenHealth(s, undefined, at("2026-01-01T00:00:30Z"))).toBe("valid, 59 minutes left");
    expect(spokenHealth(s, undefined, at("2026-01-01T00:00:31Z"))).toBe("valid, 59 minutes left");
    expect(spokenHealth(s, undefined, at("2026-01-01T00:59:30Z"))).toBe("expiring, less than a minute left");
    expect(spokenHealth(s, undefined, at("2026-01-01T01:00:00Z"))).toBe("expired");
  });
  it("says errors, signed out and keys as the label does", () => {
    expect(spokenHealth(status({}), { code: "provider_refused", message: "invalid_client" }, 0)).toBe("error");
    expect(spokenHealth(undefined, undefined, 0)).toBe("signed out");
    expect(spokenHealth(status({ state: "api_key", expires_at: null, renews_at: null }), undefined, 0)).toBe("API key");
    expect(spokenHealth(status({ expires_at: null, renews_at: null }), undefined, 0)).toBe("valid (no expiry given)");
  });
  it("words durations", () => {
    expect(spokenDuration(59)).toBe("less than a minute");
    expect(spokenDuration(60)).toBe("1 minute");
    expect(spokenDuration(3599)).toBe("59 minutes");
    expect(spokenDuration(3600)).toBe("1 hour");
    expect(spokenDuration(7500)).toBe("2 hours 5 minutes");
    expect(spokenDuration(49 * 3600)).toBe("2 days 1 hour");
    expect(spokenDuration(72 * 3600)).toBe("3 days");
  });
});

it("names the profiles whose token expired since the last look, once", () => {
  const before = new Map<string, Health>([["ship", "valid"], ["web", "expiring"], ["old", "expired"], ["new", "signed_out"]]);
  const after = new Map<string, Health>([["ship", "expired"], ["web", "expired"], ["old", "expired"], ["new", "expired"], ["added", "expired"]]);
  expect(newlyExpired(before, after)).toEqual(["ship", "web"]);
  expect(newlyExpired(after, after)).toEqual([]);
});
