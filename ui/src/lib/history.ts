// The History tab: its time filter, case file names, and an entry opened in the builder.
import type { Entry } from "./bindings/Entry";
import type { RequestDraft } from "./bindings/RequestDraft";
import { jsonProblem } from "./format";
import type { Pair } from "./pairs";

/** The history list's time filter. */
export const SINCE_CHOICES: { label: string; minutes: number | null }[] = [
  { label: "any time", minutes: null },
  { label: "last 15 minutes", minutes: 15 },
  { label: "last hour", minutes: 60 },
  { label: "last 24 hours", minutes: 24 * 60 },
  { label: "last 7 days", minutes: 7 * 24 * 60 },
];

/** A new case file's name: `waybill-case-20261122-1405.json` (local time). */
export function caseFileName(at: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const day = `${at.getFullYear()}${two(at.getMonth() + 1)}${two(at.getDate())}`;
  return `waybill-case-${day}-${two(at.getHours())}${two(at.getMinutes())}.json`;
}

/** A history entry as the builder's draft: its `Authorization` left out (the profile's token goes
 *  instead), a JSON body as JSON. */
export function entryDraft(entry: Entry): RequestDraft {
  const body = entry.request_body;
  return {
    method: entry.method,
    url: entry.url,
    query: [],
    headers: entry.request_headers.filter(([n]) => n.toLowerCase() !== "authorization") as Pair[],
    body: body == null || body === "" ? { kind: "none" } : jsonProblem(body) === null ? { kind: "json", value: body } : { kind: "raw", value: body },
  };
}
