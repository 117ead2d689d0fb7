import { describe, expect, it } from "vitest";
import { jsonProblem, listTime, prettyBody, shortTime } from "./format";

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

it("shows times locally", () => {
  expect(shortTime(new Date(2026, 0, 2, 3, 4, 5).toISOString())).toBe("2026-01-02 03:04:05");
  expect(shortTime("not a time")).toBe("not a time");
  const now = new Date(2026, 10, 22, 18, 0, 0);
  expect(listTime(new Date(2026, 10, 22, 9, 5, 1).toISOString(), now)).toBe("09:05:01");
  expect(listTime(new Date(2026, 10, 21, 9, 5, 1).toISOString(), now)).toBe("2026-11-21 09:05");
});
