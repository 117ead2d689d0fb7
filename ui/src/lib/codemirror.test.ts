import { historyKeymap } from "@codemirror/commands";
import { expect, it } from "vitest";
import { keys } from "./codemirror";

it("leaves Tab to move focus: the body editors bind neither Tab nor Shift+Tab", () => {
  const bound = [...keys, ...historyKeymap].flatMap((k) => [k.key, k.linux, k.mac, k.win].filter(Boolean));
  expect(bound.some((k) => /(^|-)Tab$/.test(k as string))).toBe(false);
  // Ctrl+Enter is the window's (send), not the editor's.
  expect(keys.some((k) => k.key === "Mod-Enter")).toBe(false);
});
