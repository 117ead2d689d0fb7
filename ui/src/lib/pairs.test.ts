import { expect, it } from "vitest";
import { headerValue } from "./pairs";

it("finds a header by its name in any case", () => {
  const headers: [string, string][] = [["Content-Type", "application/json"], ["content-type", "text/plain"]];
  expect(headerValue(headers, "content-type")).toBe("application/json");
  expect(headerValue(headers, "Accept")).toBeUndefined();
});
