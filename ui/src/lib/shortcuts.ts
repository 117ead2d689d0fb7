// Keyboard shortcuts, and the list the help overlay (`?`) shows.
import { isTextEntry, type KeyTarget } from "./focus";

/** Ctrl+Enter, or Cmd+Enter on a Mac. */
export function isSendShortcut(e: { key: string; ctrlKey: boolean; metaKey: boolean }): boolean {
  return e.key === "Enter" && (e.ctrlKey || e.metaKey);
}

/** `?` opens the shortcuts help, unless it is being typed into a field or an editor. */
export function isHelpShortcut(e: { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean; defaultPrevented?: boolean; target: unknown }): boolean {
  return e.key === "?" && !e.ctrlKey && !e.metaKey && !e.altKey && !e.defaultPrevented && !isTextEntry(e.target as KeyTarget | null);
}

export interface Shortcut {
  /** The keys, each as it is written on the keyboard; alternatives are separate entries. */
  keys: string[][];
  /** What they do, and where. */
  action: string;
}

export interface ShortcutGroup {
  title: string;
  shortcuts: Shortcut[];
}

/** Every shortcut the window has. */
export const SHORTCUTS: ShortcutGroup[] = [
  {
    title: "Anywhere",
    shortcuts: [
      { keys: [["?"]], action: "Show this list of shortcuts (not while typing in a field)" },
      { keys: [["Esc"]], action: "Close the open panel, form or list: Connect, Import, the profile form, Paste curl, a sign-in, run results, this list; focus goes back to what opened it" },
      { keys: [["Tab"], ["Shift", "Tab"]], action: "Move to the next or previous control, in and out of the body editors too" },
    ],
  },
  {
    title: "Profile tabs (Token, Request, History, Variables)",
    shortcuts: [
      { keys: [["←"], ["→"]], action: "Previous or next tab" },
      { keys: [["Home"], ["End"]], action: "First or last tab" },
    ],
  },
  {
    title: "Request",
    shortcuts: [
      { keys: [["Ctrl", "Enter"], ["⌘", "Enter"]], action: "Send the request" },
      { keys: [["Ctrl", "F"]], action: "Search in a body (request or response)" },
      { keys: [["Ctrl", "Z"], ["Ctrl", "Shift", "Z"]], action: "Undo or redo in the request body" },
      { keys: [["Ctrl", "Shift", "["], ["Ctrl", "Shift", "]"]], action: "Fold or unfold the JSON block at the cursor" },
    ],
  },
  {
    title: "Connect a carrier",
    shortcuts: [
      { keys: [["Enter"]], action: "In the search: pick the first provider it finds" },
      { keys: [["↓"]], action: "From the search into the provider list" },
      { keys: [["↑"], ["↓"], ["Home"], ["End"]], action: "Move through the providers" },
    ],
  },
];

/** Keys written as symbols, in words for a screen reader. */
export const KEY_NAMES: Record<string, string> = {
  "←": "Left arrow",
  "→": "Right arrow",
  "↑": "Up arrow",
  "↓": "Down arrow",
  "⌘": "Command",
  Esc: "Escape",
  "?": "Question mark",
};
