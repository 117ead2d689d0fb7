import { expect, it } from "vitest";
import { signatureLabel, signInWaiting, timeLeftWarning } from "./token";

it("labels signature checks", () => {
  expect(signatureLabel({ status: "checked", alg: "RS256", kid: "k1" })).toBe("checked (RS256, key k1)");
  expect(signatureLabel({ status: "unchecked", reason: "no JWKS" })).toBe("unchecked: no JWKS");
  expect(signatureLabel({ status: "invalid", reason: "bad sig" })).toBe("INVALID: bad sig");
  expect(signatureLabel(null)).toBe("not checked");
});

it("keeps a started sign-in's deadline against the clock", () => {
  const started = { attempt: 3, authorize_url: "https://idp/authorize", redirect_uri: null, timeout_secs: 300, browser_opened: true, browser_error: null, device: null };
  expect(signInWaiting(started, 1000)).toEqual({ attempt: 3, url: "https://idp/authorize", deadline: 301_000, opened: true, browserError: null, device: null });
});

it("warns once, under a minute before a sign-in times out, and never counts down aloud", () => {
  expect(timeLeftWarning(299, false)).toBeNull();
  expect(timeLeftWarning(60, false)).toBeNull();
  expect(timeLeftWarning(59, false)).toBe("Less than a minute left to finish signing in.");
  expect(timeLeftWarning(30, true)).toBeNull();
  expect(timeLeftWarning(0, false)).toBeNull();
});
