// A profile's token health, live against the clock: what the sidebar dot and the token panel say.
import type { StatusView } from "./bindings/StatusView";

/** What the sidebar dot and label say about a profile. */
export type Health = "signed_out" | "valid" | "expiring" | "expired" | "error";

export interface HealthView {
  health: Health;
  label: string;
}

/** The last failure of a profile's token, as the sidebar keeps it. */
export interface ProfileFailure {
  code: string;
  message: string;
}

/** A profile's state now: the last status, recomputed against the clock so the countdown is live. */
export function healthOf(status: StatusView | undefined, error: ProfileFailure | undefined, now: number): HealthView {
  // The provider no longer accepts its sign-in (or there is none to renew): not a fault to fix.
  if (error?.code === "needs_sign_in") return { health: "signed_out", label: "signed out: sign in again" };
  // Its secrets are out of reach, not wrong: said as such (the banner says more).
  if (error?.code === "keyring") return { health: "error", label: "keyring unavailable" };
  if (error) return { health: "error", label: "error" };
  if (status?.state === "api_key") return { health: "valid", label: "API key" };
  if (!status || status.state === "signed_out") return { health: "signed_out", label: "signed out" };
  if (!status.expires_at) {
    return status.state === "expired"
      ? { health: "expired", label: "expired" }
      : { health: "valid", label: "valid (no expiry given)" };
  }
  const left = Math.floor((Date.parse(status.expires_at) - now) / 1000);
  if (left <= 0) return { health: "expired", label: "expired" };
  // From `renews_at` (the core's renewal margin) the next use renews it.
  const renewing = status.renews_at !== null && now >= Date.parse(status.renews_at);
  const text = `${formatDuration(left)} left`;
  return renewing ? { health: "expiring", label: `expiring, ${text}` } : { health: "valid", label: `valid, ${text}` };
}

export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/**
 * The state in words for a screen reader, coarser than the visible label so that it changes once
 * a minute, not every second: "valid, 59 minutes left", "expiring, less than a minute left",
 * "expired", "error", "signed out".
 */
export function spokenHealth(status: StatusView | undefined, error: ProfileFailure | undefined, now: number): string {
  const h = healthOf(status, error, now);
  if ((h.health !== "valid" && h.health !== "expiring") || !status?.expires_at || status.state === "api_key") return h.label;
  const left = Math.floor((Date.parse(status.expires_at) - now) / 1000);
  return `${h.health}, ${spokenDuration(left)} left`;
}

/** "less than a minute", "1 minute", "59 minutes", "2 hours 5 minutes", "3 days 4 hours". */
export function spokenDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const n = (count: number, unit: string) => `${count} ${unit}${count === 1 ? "" : "s"}`;
  if (s < 60) return "less than a minute";
  const m = Math.floor(s / 60);
  if (m < 60) return n(m, "minute");
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${n(h, "hour")} ${n(m % 60, "minute")}` : n(h, "hour");
  return h % 24 ? `${n(Math.floor(h / 24), "day")} ${n(h % 24, "hour")}` : n(Math.floor(h / 24), "day");
}

/**
 * The profiles whose token expired between two looks (valid or expiring before, expired now):
 * what the window says aloud, once, when it happens without a click.
 */
export function newlyExpired(before: ReadonlyMap<string, Health>, after: ReadonlyMap<string, Health>): string[] {
  return [...after].filter(([name, h]) => h === "expired" && (before.get(name) === "valid" || before.get(name) === "expiring")).map(([name]) => name);
}
