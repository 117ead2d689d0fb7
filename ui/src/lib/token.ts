// How a profile gets its token (which grants sign a person in) and what its signature check found.
import type { Grant } from "./bindings/Grant";
import type { SignatureCheck } from "./bindings/SignatureCheck";

export function isBrowserGrant(grant: Grant): boolean {
  return grant === "implicit" || grant === "authorization_code";
}

/** A user signs in (browser or device code): the Sign in button, not Get token. */
export function isSignInGrant(grant: Grant): boolean {
  return isBrowserGrant(grant) || grant === "device_code";
}

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
