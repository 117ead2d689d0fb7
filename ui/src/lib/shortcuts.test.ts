import { describe, expect, it } from "vitest";
import { isHelpShortcut, isSendShortcut, SHORTCUTS } from "./shortcuts";

it("sends on Ctrl+Enter and Cmd+Enter only", () => {
  expect(isSendShortcut({ key: "Enter", ctrlKey: true, metaKey: false })).toBe(true);
  expect(isSendShortcut({ key: "Enter", ctrlKey: false, metaKey: true })).toBe(true);
  expect(isSendShortcut({ key: "Enter", ctrlKey: false, metaKey: false })).toBe(false);
  expect(isSendShortcut({ key: "e", ctrlKey: true, metaKey: false })).toBe(false);
});

describe("the help shortcut", () => {
  const key = (over: Partial<Parameters<typeof isHelpShortcut>[0]>) => ({ key: "?", ctrlKey: false, metaKey: false, altKey: false, target: { tagName: "BUTTON" }, ...over });
  it("is ? outside text fields", () => {
    expect(isHelpShortcut(key({}))).toBe(true);
    expect(isHelpShortcut(key({ target: null }))).toBe(true);
  });
  it("is typed as a character in fields and editors", () => {
    expect(isHelpShortcut(key({ target: { tagName: "INPUT", type: "text" } }))).toBe(false);
    expect(isHelpShortcut(key({ target: { tagName: "TEXTAREA" } }))).toBe(false);
    expect(isHelpShortcut(key({ target: { tagName: "DIV", isContentEditable: true } }))).toBe(false);
  });
  it("is not ? with a modifier, or one already handled", () => {
    expect(isHelpShortcut(key({ ctrlKey: true }))).toBe(false);
    expect(isHelpShortcut(key({ altKey: true }))).toBe(false);
    expect(isHelpShortcut(key({ defaultPrevented: true }))).toBe(false);
    expect(isHelpShortcut(key({ key: "/" }))).toBe(false);
  });
});

it("lists the send, help, Escape and tab keys", () => {
  const all = SHORTCUTS.flatMap((g) => g.shortcuts.flatMap((s) => s.keys.map((k) => k.join("+"))));
  for (const k of ["Ctrl+Enter", "?", "Esc", "←", "→", "Home", "End"]) expect(all).toContain(k);
});
