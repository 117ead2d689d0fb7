// A run of saved requests (`waybill run` from the window): its summary and each row's words.
import type { RunReport } from "./bindings/RunReport";
import type { RunResult } from "./bindings/RunResult";

/** `3 passed, 1 failed`. */
export function runSummary(report: Pick<RunReport, "passed" | "failed">): string {
  return `${report.passed} passed, ${report.failed} failed`;
}

/** Passed: no expectation unmet (as Rust counts it). */
export function resultPassed(result: RunResult): boolean {
  return result.failures.length === 0;
}

/** `folder/name`, or the name alone. */
export function resultPath(result: Pick<RunResult, "folder" | "name">): string {
  return result.folder ? `${result.folder}/${result.name}` : result.name;
}

/** The status, or `no answer`. */
export function resultStatus(result: RunResult): string {
  return result.status === null ? "no answer" : String(result.status);
}

/** How long the answer took (`120 ms`, `2.4 s`); blank when none came. */
export function resultTime(result: RunResult): string {
  if (result.status === null) return "";
  const ms = result.elapsed_ms;
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** What a run covered, for its heading: all saved requests, a folder, or those with none. */
export function runTitle(only: string[]): string {
  if (only.length === 0) return "Run of all saved requests";
  if (only.length === 1 && only[0] === "") return "Run of the requests in no folder";
  return only.length === 1 ? `Run of folder ${only[0]}` : `Run of ${only.join(", ")}`;
}
