import { expect, it } from "vitest";
import { signatureLabel } from "./token";

it("labels signature checks", () => {
  expect(signatureLabel({ status: "checked", alg: "RS256", kid: "k1" })).toBe("checked (RS256, key k1)");
  expect(signatureLabel({ status: "unchecked", reason: "no JWKS" })).toBe("unchecked: no JWKS");
  expect(signatureLabel({ status: "invalid", reason: "bad sig" })).toBe("INVALID: bad sig");
  expect(signatureLabel(null)).toBe("not checked");
});
