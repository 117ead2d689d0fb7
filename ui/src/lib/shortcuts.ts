// Keyboard shortcuts.

/** Ctrl+Enter, or Cmd+Enter on a Mac. */
export function isSendShortcut(e: { key: string; ctrlKey: boolean; metaKey: boolean }): boolean {
  return e.key === "Enter" && (e.ctrlKey || e.metaKey);
}
