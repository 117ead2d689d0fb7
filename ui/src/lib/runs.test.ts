import { expect, it } from "vitest";
import type { RunResult } from "./bindings/RunResult";
import { resultPassed, resultPath, resultStatus, resultTime, runSummary, runTitle } from "./runs";

const result = (over: Partial<RunResult>): RunResult => ({ folder: null, name: "track", status: 200, elapsed_ms: 120, failures: [], error: false, ...over });

it("sums a run up", () => {
  expect(runSummary({ passed: 3, failed: 1 })).toBe("3 passed, 1 failed");
});

it("words each result: path, status or no answer, time", () => {
  expect(resultPath(result({ folder: "Labels", name: "create" }))).toBe("Labels/create");
  expect(resultPath(result({}))).toBe("track");
  expect(resultStatus(result({}))).toBe("200");
  expect(resultStatus(result({ status: null, error: true }))).toBe("no answer");
  expect(resultTime(result({}))).toBe("120 ms");
  expect(resultTime(result({ elapsed_ms: 2430 }))).toBe("2.4 s");
  expect(resultTime(result({ status: null, elapsed_ms: 0 }))).toBe("");
  expect(resultPassed(result({}))).toBe(true);
  expect(resultPassed(result({ failures: ["status 404, expected 2xx"] }))).toBe(false);
});

it("titles a run by what it covered", () => {
  expect(runTitle([])).toBe("Run of all saved requests");
  expect(runTitle(["Labels"])).toBe("Run of folder Labels");
  expect(runTitle([""])).toBe("Run of the requests in no folder");
});
