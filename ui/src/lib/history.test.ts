import { describe, expect, it } from "vitest";
import type { Entry } from "./bindings/Entry";
import { caseFileName, entryDraft } from "./history";

it("names case files by the local time", () => {
  expect(caseFileName(new Date(2026, 10, 22, 9, 5))).toBe("waybill-case-20261122-0905.json");
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
