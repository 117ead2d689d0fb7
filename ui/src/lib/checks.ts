// A saved request's checks (what its answer must show) and captures (values kept as variables),
// between the builder's editor rows and the bindings. The rules follow Rust's
// (`SavedRequest::validate`), so that what the editor accepts is saved; a regular expression is
// left to Rust, whose syntax is not JavaScript's.
import type { Capture } from "./bindings/Capture";
import type { Expect } from "./bindings/Expect";
import type { ExpectedStatus } from "./bindings/ExpectedStatus";
import type { JsonCheck } from "./bindings/JsonCheck";
import type { JsonValue } from "./bindings/serde_json/JsonValue";

export type JsonKind = "exists" | "equals" | "matches";
export const JSON_KINDS: JsonKind[] = ["exists", "equals", "matches"];

/** One JSON check as typed: `exists` takes `true` (or nothing) or `false`; `equals` JSON or text. */
export type JsonRow = { pointer: string; kind: JsonKind; value: string };

/** The editor's fields, as typed. `maxMs` is `?` when the number field holds no number. */
export type ExpectRows = { status: string; maxMs: string; headers: string; json: JsonRow[] };

export type JsonRowErrors = { pointer?: string; value?: string };

/** What is wrong with each field (absent: nothing); `json` goes with the rows, one for one. */
export type ExpectErrors = { status?: string; maxMs?: string; headers?: string; json: JsonRowErrors[] };

export type CaptureFrom = "json" | "header";

/** One capture as typed: the variable's name, and a JSON pointer or a header's name. */
export type CaptureRow = { name: string; from: CaptureFrom; source: string };

export type CaptureErrors = { name?: string; source?: string };

export const STATUS_ERROR = "a status is a code such as 200, or a class such as 2xx";
export const MAX_MS_ERROR = "a time limit is a whole number of milliseconds, such as 2000";
const U32_MAX = 4_294_967_295;

export function emptyExpectRows(): ExpectRows {
  return { status: "", maxMs: "", headers: "", json: [] };
}

export function emptyJsonRow(): JsonRow {
  return { pointer: "", kind: "exists", value: "" };
}

export function emptyCaptureRow(): CaptureRow {
  return { name: "", from: "json", source: "" };
}

/** `201` or `2xx` (any case); blank is none. */
export function parseStatus(text: string): { status: ExpectedStatus | null; error?: string } {
  const t = text.trim();
  if (t === "") return { status: null };
  if (/^[1-5]xx$/i.test(t)) return { status: t.toLowerCase() };
  if (/^\d{3}$/.test(t)) {
    const code = Number(t);
    if (code >= 100 && code <= 599) return { status: code };
  }
  return { status: null, error: STATUS_ERROR };
}

/** A whole number of milliseconds, at least 1; blank is none. */
export function parseMaxMs(text: string): { maxMs: number | null; error?: string } {
  const t = text.trim();
  if (t === "") return { maxMs: null };
  const n = Number(t);
  if (!/^[0-9.e+]+$/i.test(t) || !Number.isInteger(n) || n < 1 || n > U32_MAX) return { maxMs: null, error: MAX_MS_ERROR };
  return { maxMs: n };
}

/** RFC 7230's token: what Rust's `http` takes as a header name. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function headerProblem(name: string): string | undefined {
  return HEADER_NAME.test(name) ? undefined : `"${name}" is not a header name`;
}

/** Header names separated by commas or lines, blanks left out. */
export function splitHeaders(text: string): string[] {
  return text
    .split(/[,\n]/)
    .map((h) => h.trim())
    .filter(Boolean);
}

/** What is wrong with a JSON pointer as the editor takes it (it starts with `/`). */
export function pointerProblem(pointer: string): string | undefined {
  if (pointer === "") return "a JSON pointer starts with /, such as /shipment/0/status";
  if (!pointer.startsWith("/")) return `a JSON pointer starts with /: /${pointer}`;
  if (pointer.split("~").slice(1).some((rest) => !/^[01]/.test(rest))) return 'in a JSON pointer "~" is written ~0, and a "/" in a name ~1';
  return undefined;
}

/** Whether `text` is JSON on its own (`42`, `true`, `"x"`, `{"a":1}`). */
function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function holdsNull(value: JsonValue | undefined): boolean {
  if (value === null) return true;
  if (Array.isArray(value)) return value.some(holdsNull);
  if (typeof value === "object") return Object.values(value).some(holdsNull);
  return false;
}

/** An `equals` value as typed: JSON when it parses (`42`, `true`, `"x"`), else the text itself. */
export function parseEquals(text: string): { value: JsonValue; error?: string } {
  if (text.trim() === "") return { value: "", error: 'give the value it must equal ("" for an empty text)' };
  const value: JsonValue = isJson(text) ? JSON.parse(text) : text;
  if (holdsNull(value)) return { value, error: "a null cannot be saved; to check that nothing is there, use exists with false" };
  return { value };
}

/** An `equals` value as the editor shows it: text as itself unless it would read as JSON. */
export function showEquals(value: JsonValue): string {
  if (typeof value === "string" && value.trim() !== "" && !isJson(value)) return value;
  return JSON.stringify(value);
}

function isBlankRow(row: JsonRow): boolean {
  return row.pointer.trim() === "" && row.value.trim() === "";
}

function jsonCheck(row: JsonRow): { check: JsonCheck | null; errors: JsonRowErrors } {
  const pointer = row.pointer.trim();
  const errors: JsonRowErrors = {};
  if (isBlankRow(row)) return { check: null, errors };
  const pointerError = pointerProblem(pointer);
  if (pointerError) errors.pointer = pointerError;
  let check: JsonCheck | null = null;
  if (row.kind === "exists") {
    const v = row.value.trim().toLowerCase();
    if (v === "" || v === "true") check = { pointer, exists: true };
    else if (v === "false") check = { pointer, exists: false };
    else errors.value = "exists takes true (or nothing) or false";
  } else if (row.kind === "equals") {
    const { value, error } = parseEquals(row.value);
    if (error) errors.value = error;
    else check = { pointer, equals: value };
  } else {
    if (row.value === "") errors.value = "give a regular expression, such as ^1Z";
    else check = { pointer, matches: row.value };
  }
  return { check: errors.pointer || errors.value ? null : check, errors };
}

/** The editor's fields as an `Expect` (null when nothing is set), and what is wrong with them. */
export function toExpect(rows: ExpectRows): { expect: Expect | null; errors: ExpectErrors } {
  const errors: ExpectErrors = { json: [] };
  const expect: Expect = {};
  const { status, error: statusError } = parseStatus(rows.status);
  if (statusError) errors.status = statusError;
  else if (status !== null) expect.status = status;
  const { maxMs, error: maxMsError } = parseMaxMs(rows.maxMs);
  if (maxMsError) errors.maxMs = maxMsError;
  else if (maxMs !== null) expect.max_ms = maxMs;
  const headers = splitHeaders(rows.headers);
  const badHeader = headers.map(headerProblem).find(Boolean);
  if (badHeader) errors.headers = badHeader;
  else if (headers.length) expect.headers = headers;
  const json: JsonCheck[] = [];
  for (const row of rows.json) {
    const { check, errors: rowErrors } = jsonCheck(row);
    errors.json.push(rowErrors);
    if (check) json.push(check);
  }
  if (json.length) expect.json = json;
  return { expect: Object.keys(expect).length ? expect : null, errors };
}

/** A saved request's `Expect` as the editor's fields. */
export function fromExpect(expect: Expect | null | undefined): ExpectRows {
  if (!expect) return emptyExpectRows();
  return {
    status: expect.status == null ? "" : String(expect.status),
    maxMs: expect.max_ms == null ? "" : String(expect.max_ms),
    headers: (expect.headers ?? []).join(", "),
    json: (expect.json ?? []).map((check): JsonRow => {
      if ("exists" in check) return { pointer: check.pointer, kind: "exists", value: check.exists ? "" : "false" };
      if ("equals" in check) return { pointer: check.pointer, kind: "equals", value: showEquals(check.equals) };
      if ("matches" in check) return { pointer: check.pointer, kind: "matches", value: check.matches };
      return { pointer: (check as { pointer: string }).pointer, kind: "exists", value: "" };
    }),
  };
}

const VARIABLE_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** The capture rows as `Capture`s (rows left blank are dropped), and what is wrong with each row. */
export function toCaptures(rows: CaptureRow[]): { capture: Capture[]; errors: CaptureErrors[] } {
  const capture: Capture[] = [];
  const errors = rows.map((row): CaptureErrors => {
    const name = row.name.trim();
    const source = row.source.trim();
    if (name === "" && source === "") return {};
    const e: CaptureErrors = {};
    if (!VARIABLE_NAME.test(name)) e.name = "a variable name is letters, digits, _, - and . (64 at most)";
    if (row.from === "json") e.source = pointerProblem(source);
    else e.source = source === "" ? "give the header's name, such as Location" : headerProblem(source);
    if (!e.source) delete e.source;
    if (!e.name && !e.source) capture.push(row.from === "json" ? { name, json: source } : { name, header: source });
    return e;
  });
  return { capture, errors };
}

/** A saved request's captures as the editor's rows. */
export function fromCaptures(capture: Capture[] | null | undefined): CaptureRow[] {
  return (capture ?? []).map((c) =>
    c.header != null ? { name: c.name, from: "header", source: c.header } : { name: c.name, from: "json", source: c.json ?? "" },
  );
}

/** Every problem of the editor, labelled with its field, in the editor's order. */
export function checkProblems(expectErrors: ExpectErrors, captureErrors: CaptureErrors[]): string[] {
  const problems: string[] = [];
  if (expectErrors.status) problems.push(`Status: ${expectErrors.status}`);
  if (expectErrors.maxMs) problems.push(`Within (ms): ${expectErrors.maxMs}`);
  if (expectErrors.headers) problems.push(`Required headers: ${expectErrors.headers}`);
  expectErrors.json.forEach((e, i) => {
    for (const message of [e.pointer, e.value]) if (message) problems.push(`JSON check ${i + 1}: ${message}`);
  });
  captureErrors.forEach((e, i) => {
    for (const message of [e.name, e.source]) if (message) problems.push(`Capture ${i + 1}: ${message}`);
  });
  return problems;
}

/** Why Save waits, in one sentence; null when the checks can be saved. */
export function saveBlocked(problems: string[]): string | null {
  if (problems.length === 0) return null;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
  return `Fix the checks to save: ${problems[0]}${more}.`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** One line for a saved request: `expects 2xx · 2 JSON checks · captures tracking_number`. */
export function checksSummary(expect: Expect | null | undefined, capture: Capture[] | null | undefined): string {
  const parts: string[] = [];
  if (expect?.status != null) parts.push(`expects ${expect.status}`);
  if (expect?.max_ms != null) parts.push(`within ${expect.max_ms} ms`);
  if (expect?.headers?.length) parts.push(plural(expect.headers.length, "required header", "required headers"));
  if (expect?.json?.length) parts.push(plural(expect.json.length, "JSON check", "JSON checks"));
  if (capture?.length) parts.push(`captures ${capture.map((c) => c.name).join(", ")}`);
  return parts.join(" · ");
}
