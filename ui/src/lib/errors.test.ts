import { expect, it } from "vitest";
import { errorText } from "./errors";

it("reads the Rust side's errors, and anything else as its text", () => {
  expect(errorText({ message: "no such profile", hint: "list them with `waybill list`", code: "not_found" })).toEqual({
    message: "no such profile",
    hint: "list them with `waybill list`",
    code: "not_found",
    diagnoses: [],
  });
  expect(errorText({ message: "boom" })).toEqual({ message: "boom", hint: null, code: "unknown", diagnoses: [] });
  expect(errorText("plain text")).toEqual({ message: "plain text", hint: null, code: "unknown", diagnoses: [] });
  expect(errorText(null)).toEqual({ message: "null", hint: null, code: "unknown", diagnoses: [] });
});

it("keeps the causes the Rust side diagnosed", () => {
  const diagnoses = [{ finding: "The provider refused client app.", fix: "Check the secret." }];
  expect(errorText({ message: "refused", hint: null, code: "provider_refused", diagnoses }).diagnoses).toEqual(diagnoses);
});
