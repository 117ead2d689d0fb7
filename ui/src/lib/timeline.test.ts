import { describe, expect, it } from "vitest";
import type { HopView } from "./bindings/HopView";
import { actorLabel, actorParts, answerError, foldHops, formatElapsed, hopPath, statusLabel, stepLabel, summaryLine } from "./timeline";

const hop = (over: Partial<HopView>): HopView => ({
  step: "token", actor: "provider", method: "POST", url: "https://idp.example/oauth/token", status: 200, elapsed_ms: 35,
  request: { headers: [["Content-Type", "application/x-www-form-urlencoded"]], body: "grant_type=client_credentials&client_secret=[redacted]" },
  response: { headers: [["Content-Type", "application/json"]], body: '{"access_token":"[redacted]","token_type":"Bearer"}' },
  note: null, failed: false, ...over,
});

const poll = (error: string | null, status = 400, elapsed_ms = 20): HopView =>
  hop({
    step: "device poll", url: "https://idp.example/oauth/device/token", status, elapsed_ms,
    response: { headers: [], body: error ? JSON.stringify({ error }) : '{"access_token":"[redacted]"}' },
  });

describe("step labels", () => {
  it("names each step in words", () => {
    expect(stepLabel(hop({}))).toBe("Token request");
    expect(stepLabel(hop({ step: "discovery" }))).toBe("Discovery");
    expect(stepLabel(hop({ step: "authorize", actor: "browser" }))).toBe("Sign-in page opened in the browser");
    expect(stepLabel(hop({ step: "redirect", actor: "browser" }))).toBe("Redirect back to Waybill");
    expect(stepLabel(hop({ step: "device authorization" }))).toBe("Device code requested");
    expect(stepLabel(hop({ step: "device poll" }))).toBe("Device code polled");
    expect(stepLabel(hop({ step: "call", actor: "api" }))).toBe("API call");
    expect(stepLabel(hop({ step: "refresh" }))).toBe("Token refresh");
    expect(stepLabel(hop({ step: "jwks" }))).toBe("Signing keys (JWKS) fetched");
  });
  it("counts folded steps and keeps a step it does not know", () => {
    expect(stepLabel(hop({ step: "device poll" }), 4)).toBe("Device code polled ×4");
    expect(stepLabel(hop({ step: "ciba" }))).toBe("Ciba");
  });
});

it("says what answered: a status, a failure, or nothing", () => {
  expect(statusLabel(hop({}))).toBe("200");
  expect(statusLabel(hop({ status: 401, failed: true }))).toBe("401");
  expect(statusLabel(hop({ status: null, failed: true, response: null }))).toBe("failed");
  expect(statusLabel(hop({ step: "authorize", actor: "browser", status: null, response: null }))).toBe("no answer");
});

it("says who talked to whom", () => {
  expect(actorLabel(hop({}))).toBe("Waybill → provider");
  expect(actorLabel(hop({ step: "authorize", actor: "browser" }))).toBe("Waybill → browser");
  expect(actorLabel(hop({ step: "call", actor: "api" }))).toBe("Waybill → API");
  expect(actorParts(hop({ step: "redirect", actor: "browser" }))).toEqual({ from: "browser", to: "Waybill" });
});

describe("the one-line summary", () => {
  it("keeps the path only, then the answer and the time", () => {
    expect(summaryLine(hop({ status: 401, failed: true }))).toBe("POST /oauth/token → 401 · 35 ms");
    expect(summaryLine(hop({ step: "authorize", method: "GET", url: "https://idp.example/authorize?client_id=c&state=s", status: null, elapsed_ms: 0 })))
      .toBe("GET /authorize → no answer · 0 ms");
    expect(summaryLine(hop({ url: "https://idp.example/oauth/token", status: null, failed: true, elapsed_ms: 1530 }))).toBe("POST /oauth/token → failed · 1.5 s");
    expect(summaryLine(poll("authorization_pending"), 80)).toBe("POST /oauth/device/token → 400 · 80 ms");
  });
  it("keeps the path of a URL, without host or query, even of one it cannot parse", () => {
    expect(hopPath("https://api.example")).toBe("/");
    expect(hopPath("/callback?code=[redacted]")).toBe("/callback");
  });
  it("writes durations short", () => {
    expect(formatElapsed(999)).toBe("999 ms");
    expect(formatElapsed(1234)).toBe("1.2 s");
    expect(formatElapsed(125_000)).toBe("2 min 5 s");
  });
});

describe("device polls", () => {
  it("reads the OAuth error of an answer", () => {
    expect(answerError(poll("slow_down"))).toBe("slow_down");
    expect(answerError(hop({}))).toBeNull();
    expect(answerError(hop({ response: { headers: [], body: "<html>" } }))).toBeNull();
    expect(answerError(hop({ response: null }))).toBeNull();
  });

  it("folds polls in a row that got the same answer into one row with a count", () => {
    const hops = [
      hop({ step: "device authorization", url: "https://idp.example/oauth/device/code" }),
      poll("authorization_pending"), poll("authorization_pending"), poll("authorization_pending"), poll("authorization_pending"),
      poll("slow_down"),
      poll("authorization_pending"), poll("authorization_pending"),
      poll(null, 200),
      hop({ step: "userinfo", url: "https://idp.example/userinfo", method: "GET" }),
    ];
    const rows = foldHops(hops);
    expect(rows.map((r) => stepLabel(r.hop, r.count))).toEqual([
      "Device code requested", "Device code polled ×4", "Device code polled", "Device code polled ×2", "Device code polled", "User info request",
    ]);
    expect(rows.map((r) => r.first)).toEqual([0, 1, 5, 6, 8, 9]);
    expect(rows[1].elapsedMs).toBe(80);
    expect(answerError(rows[1].hop)).toBe("authorization_pending");
  });

  it("leaves other steps alone, even alike ones", () => {
    const rows = foldHops([hop({}), hop({})]);
    expect(rows.map((r) => r.count)).toEqual([1, 1]);
    expect(foldHops([])).toEqual([]);
  });

  it("does not fold a failed poll into pending ones", () => {
    const failed = { ...poll("authorization_pending"), status: null, response: null, failed: true, note: "The connection was reset." };
    expect(foldHops([poll("authorization_pending"), failed, failed]).map((r) => r.count)).toEqual([1, 2]);
  });
});
