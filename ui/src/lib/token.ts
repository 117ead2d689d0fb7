// What a token's signature check found, in words.
import type { SignatureCheck } from "./bindings/SignatureCheck";

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
