import { expect, it } from "vitest";
import { isSendShortcut } from "./shortcuts";

it("sends on Ctrl+Enter and Cmd+Enter only", () => {
  expect(isSendShortcut({ key: "Enter", ctrlKey: true, metaKey: false })).toBe(true);
  expect(isSendShortcut({ key: "Enter", ctrlKey: false, metaKey: true })).toBe(true);
  expect(isSendShortcut({ key: "Enter", ctrlKey: false, metaKey: false })).toBe(false);
  expect(isSendShortcut({ key: "e", ctrlKey: true, metaKey: false })).toBe(false);
});
