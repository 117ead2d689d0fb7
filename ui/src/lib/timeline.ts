// The last sign-in or token fetch as a list of steps: what each step is called, who answered,
// its one-line summary, and the polls of a device sign-in folded into one row per answer.
import type { HopView } from "./bindings/HopView";

/** One row of the timeline: a step, or several device polls in a row that got the same answer. */
export type TimelineRow = {
  /** The step shown (the first of the folded polls). */
  hop: HopView;
  /** How many steps the row stands for (1 unless polls were folded). */
  count: number;
  /** The index of `hop` in the timeline's hops. */
  first: number;
  /** The steps' time together. */
  elapsedMs: number;
};

const STEP_LABELS: Record<string, string> = {
  discovery: "Discovery",
  jwks: "Signing keys (JWKS) fetched",
  par: "Pushed authorization request",
  authorize: "Sign-in page opened in the browser",
  redirect: "Redirect back to Waybill",
  "device authorization": "Device code requested",
  "device poll": "Device code polled",
  token: "Token request",
  refresh: "Token refresh",
  revocation: "Token revocation",
  introspection: "Token introspection",
  userinfo: "User info request",
  call: "API call",
};

const ACTOR_NAMES: Record<string, string> = { browser: "browser", provider: "provider", api: "API" };

/** What a step is, in words ("Token request"); `count` > 1 for folded polls ("Device code polled ×4"). */
export function stepLabel(hop: HopView, count = 1): string {
  const label = STEP_LABELS[hop.step] ?? (hop.step ? hop.step[0].toUpperCase() + hop.step.slice(1) : "Step");
  return count > 1 ? `${label} ×${count}` : label;
}

/** The step's answer: its HTTP status ("200"), else "failed" (a network failure) or "no answer"
 *  (the hand-off to the browser). */
export function statusLabel(hop: HopView): string {
  if (hop.status !== null) return String(hop.status);
  return hop.failed ? "failed" : "no answer";
}

/** Who talked to whom: Waybill and the one who answered, or the browser coming back to Waybill. */
export function actorParts(hop: HopView): { from: string; to: string } {
  if (hop.step === "redirect") return { from: "browser", to: "Waybill" };
  return { from: "Waybill", to: ACTOR_NAMES[hop.actor] ?? hop.actor };
}

/** `actorParts` as one line: "Waybill → provider". */
export function actorLabel(hop: HopView): string {
  const { from, to } = actorParts(hop);
  return `${from} → ${to}`;
}

/** A duration as the timeline shows it: "35 ms", "1.2 s", "2 min 5 s". */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const secs = Math.round(ms / 1000);
  return `${Math.floor(secs / 60)} min ${secs % 60} s`;
}

/** The path of a step's URL (host and query are left for the expanded view). */
export function hopPath(url: string): string {
  try {
    return new URL(url).pathname || "/";
  } catch {
    return url.split(/[?#]/)[0] || url;
  }
}

/** A step on one line: "POST /oauth/token → 401 · 35 ms". */
export function summaryLine(hop: HopView, elapsedMs = hop.elapsed_ms): string {
  const request = [hop.method, hopPath(hop.url)].filter((s) => s !== "").join(" ");
  return `${request} → ${statusLabel(hop)} · ${formatElapsed(elapsedMs)}`;
}

/** The OAuth `error` a step's answer names ("authorization_pending", "slow_down"), if any. */
export function answerError(hop: HopView): string | null {
  const body = hop.response?.body;
  if (!body) return null;
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === "object" && "error" in parsed && typeof parsed.error === "string") return parsed.error;
  } catch {
    // Not JSON: no error code to read.
  }
  return null;
}

/** What a poll got back, to tell whether two polls got the same answer. */
function pollAnswer(hop: HopView): string {
  return JSON.stringify([hop.status, hop.failed, answerError(hop) ?? hop.response?.body ?? null]);
}

/** The hops as rows, device polls in a row that got the same answer folded into one. */
export function foldHops(hops: HopView[]): TimelineRow[] {
  const rows: TimelineRow[] = [];
  hops.forEach((hop, i) => {
    const last = rows[rows.length - 1];
    if (last && hop.step === "device poll" && last.hop.step === "device poll" && pollAnswer(hop) === pollAnswer(last.hop)) {
      last.count += 1;
      last.elapsedMs += hop.elapsed_ms;
    } else {
      rows.push({ hop, count: 1, first: i, elapsedMs: hop.elapsed_ms });
    }
  });
  return rows;
}
