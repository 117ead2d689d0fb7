// Values as the window shows them: sizes, JSON bodies (pretty, or what is wrong with them), times.

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** A response body for display: JSON pretty-printed, anything else as the text it is. */
export function prettyBody(body: string, contentType: string | undefined): { text: string; json: boolean } {
  const looksJson = (contentType ?? "").toLowerCase().includes("json") || /^\s*[[{]/.test(body);
  if (looksJson) {
    try {
      return { text: JSON.stringify(JSON.parse(body), null, 2), json: true };
    } catch {
      // Said JSON, is not: show it as it came.
    }
  }
  return { text: body, json: false };
}

/** `null` when `text` is JSON (or empty), else what is wrong with it. */
export function jsonProblem(text: string): string | null {
  if (text.trim() === "") return null;
  try {
    JSON.parse(text);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

export function formatJson(text: string): string {
  return JSON.stringify(JSON.parse(text), null, 2);
}

/** An RFC 3339 time as the history list shows it: local, to the second. */
export function shortTime(rfc3339: string): string {
  const at = new Date(rfc3339);
  if (Number.isNaN(at.getTime())) return rfc3339;
  const two = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())} ${two(at.getHours())}:${two(at.getMinutes())}:${two(at.getSeconds())}`;
}

/** The history list's time: the clock time for today's entries, else the date and the minute
 *  (the second is in the row's title). */
export function listTime(rfc3339: string, now: Date): string {
  const full = shortTime(rfc3339);
  const at = new Date(rfc3339);
  return at.toDateString() === now.toDateString() ? full.slice(11) : full.slice(0, 16);
}
