// What a token's signature check found, in words; a sign-in under way.
import type { DeviceCodeView } from "./bindings/DeviceCodeView";
import type { SignatureCheck } from "./bindings/SignatureCheck";
import type { SignInStarted } from "./bindings/SignInStarted";

export function signatureLabel(sig: SignatureCheck | null): string {
  if (!sig) return "not checked";
  switch (sig.status) {
    case "checked":
      return `checked (${sig.alg}${sig.kid ? `, key ${sig.kid}` : ""})`;
    case "unchecked":
      return `unchecked: ${sig.reason}`;
    case "invalid":
      return `INVALID: ${sig.reason}`;
  }
}

/** A sign-in under way, as the window shows it while it waits. */
export interface SignInWaiting {
  attempt: number;
  url: string;
  /** When the sign-in times out (ms since the epoch). */
  deadline: number;
  opened: boolean;
  browserError: string | null;
  device: DeviceCodeView | null;
}

export function signInWaiting(started: SignInStarted, now: number): SignInWaiting {
  return {
    attempt: started.attempt,
    url: started.authorize_url,
    deadline: now + started.timeout_secs * 1000,
    opened: started.browser_opened,
    browserError: started.browser_error,
    device: started.device,
  };
}

/**
 * What to say once when a sign-in is about to time out: under a minute left, not yet said. The
 * time left itself is never announced as it counts down.
 */
export function timeLeftWarning(secondsLeft: number, warned: boolean): string | null {
  return !warned && secondsLeft > 0 && secondsLeft < 60 ? "Less than a minute left to finish signing in." : null;
}
