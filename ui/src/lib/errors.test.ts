import { expect, it } from "vitest";
import { errorText } from "./errors";

it("reads the Rust side's errors, and anything else as its text", () => {
  expect(errorText({ message: "no such profile", hint: "list them with `waybill list`", code: "not_found" })).toEqual({
    message: "no such profile",
    hint: "list them with `waybill list`",
    code: "not_found",
  });
  expect(errorText({ message: "boom" })).toEqual({ message: "boom", hint: null, code: "unknown" });
  expect(errorText("plain text")).toEqual({ message: "plain text", hint: null, code: "unknown" });
  expect(errorText(null)).toEqual({ message: "null", hint: null, code: "unknown" });
});
