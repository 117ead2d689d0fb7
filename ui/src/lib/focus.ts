// Keyboard focus: panels take it when they open and give it back to what opened them when they
// close (Escape, Cancel); a busy button gets it back when it is done; the tabs move it with the
// arrow keys. The decisions are pure functions (tested in focus.test.ts); the DOM calls are thin.
import type { Attachment } from "svelte/attachments";

/** What focus decisions need of an element (an HTMLElement has all of it). */
export interface FocusTarget {
  readonly id: string;
  readonly isConnected: boolean;
  readonly disabled?: boolean;
  focus(options?: FocusOptions): void;
}

/** An element that can take focus now: on the page and not disabled. */
export function canTakeFocus(el: FocusTarget | null | undefined): el is FocusTarget {
  return !!el && el.isConnected && !el.disabled;
}

/**
 * Where focus goes back to: `remembered` while it is on the page and enabled; else the element
 * that now has its id (the same control, drawn again: the profile view's Edit button after the
 * form closes); else the first of `fallbacks` (ids) that can take focus.
 */
export function restoreTarget(
  remembered: FocusTarget | null,
  byId: (id: string) => FocusTarget | null,
  fallbacks: readonly string[] = [],
): FocusTarget | null {
  const rememberedId = remembered?.id;
  if (canTakeFocus(remembered)) return remembered;
  for (const id of [rememberedId, ...fallbacks]) {
    if (!id) continue;
    const found = byId(id);
    if (canTakeFocus(found)) return found;
  }
  return null;
}

/** Focus was lost: nothing, the body, or an element no longer on the page has it. */
export function focusLost(active: FocusTarget | null, body: unknown): boolean {
  return active === null || active === body || !active.isConnected;
}

/** The next tab for a key of the tabs pattern (Left/Right wrap, Home, End); null: not such a key. */
export function rovingIndex(key: string, at: number, count: number): number | null {
  if (count <= 0) return null;
  switch (key) {
    case "ArrowRight":
      return (at + 1) % count;
    case "ArrowLeft":
      return (at - 1 + count) % count;
    case "Home":
      return 0;
    case "End":
      return count - 1;
    default:
      return null;
  }
}

/** What the key handlers need of a target to tell whether it takes typed text. */
export interface KeyTarget {
  readonly tagName?: string;
  readonly type?: string;
  readonly isContentEditable?: boolean;
  readonly value?: string;
}

const NOT_TEXT = new Set(["button", "checkbox", "radio", "submit", "reset", "range", "color", "file", "image"]);

/** Typing goes into `target`: a text field, a textarea, a select or an editor (CodeMirror). */
export function isTextEntry(target: KeyTarget | null | undefined): boolean {
  if (!target) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName?.toUpperCase();
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  return tag === "INPUT" && !NOT_TEXT.has((target.type ?? "text").toLowerCase());
}

/** What the Escape handler reads of a key event. */
export interface EscapeEvent {
  readonly key: string;
  readonly defaultPrevented: boolean;
  readonly isComposing?: boolean;
  readonly target: unknown;
}

/**
 * Escape closes the panel it was pressed in, unless something inside used it first (CodeMirror's
 * search, a confirmation, a nested sign-in) or it empties a search field, as Escape does there.
 */
export function isEscapeToClose(e: EscapeEvent): boolean {
  if (e.key !== "Escape" || e.defaultPrevented || e.isComposing) return false;
  const t = e.target as KeyTarget | null;
  return !(t?.tagName?.toUpperCase() === "INPUT" && t.type === "search" && !!t.value);
}

/** Remembers the control that opened a panel, and gives focus back to it when the panel closes. */
export interface FocusReturn {
  /** Remember `el` (by default what has focus now). */
  remember(el?: FocusTarget | null): void;
  /** Focus what was remembered, or a fallback (ids); true when something took focus. */
  restore(...fallbacks: string[]): boolean;
}

export interface FocusDom {
  active(): FocusTarget | null;
  body(): unknown;
  byId(id: string): FocusTarget | null;
}

const documentDom: FocusDom = {
  active: () => (typeof document === "undefined" ? null : (document.activeElement as HTMLElement | null)),
  body: () => (typeof document === "undefined" ? null : document.body),
  byId: (id) => (typeof document === "undefined" ? null : document.getElementById(id)),
};

export function createFocusReturn(dom: FocusDom = documentDom): FocusReturn {
  let remembered: FocusTarget | null = null;
  return {
    remember(el) {
      const target = el === undefined ? dom.active() : el;
      remembered = target && target !== dom.body() ? target : null;
    },
    restore(...fallbacks) {
      const target = restoreTarget(remembered, dom.byId, fallbacks);
      remembered = null;
      target?.focus();
      return target !== null;
    },
  };
}

/**
 * After a busy spell (Get token, Send, Replay, Save: their button is disabled meanwhile), focus
 * `target` again when focus fell to the page or is still on it; else a fallback (ids). A person
 * who moved on meanwhile keeps their place.
 */
export function refocus(target: FocusTarget | null, fallbacks: readonly string[] = [], dom: FocusDom = documentDom): void {
  const active = dom.active();
  if (!focusLost(active, dom.body()) && active !== target) return;
  restoreTarget(target, dom.byId, fallbacks)?.focus();
}

/** What has focus now, as a target to give it back to. */
export function focusedNow(dom: FocusDom = documentDom): FocusTarget | null {
  const active = dom.active();
  return active && active !== dom.body() ? active : null;
}

/** Escape pressed inside the element calls `close` (see isEscapeToClose). */
export function onEscape(close: (() => void) | null | undefined): Attachment<HTMLElement> {
  return (node) => {
    if (!close) return;
    const handler = (e: KeyboardEvent) => {
      if (!isEscapeToClose(e)) return;
      e.preventDefault();
      close();
    };
    node.addEventListener("keydown", handler);
    return () => node.removeEventListener("keydown", handler);
  };
}

/** When the element appears, focus it (or its first match of `selector`, when there is one). */
export function focusOnMount(selector?: string): Attachment<HTMLElement> {
  return (node) => {
    const target = (selector ? node.querySelector<HTMLElement>(selector) : null) ?? node;
    // After this render: the element is laid out, and a click that opened it is over.
    queueMicrotask(() => {
      if (target.isConnected) target.focus();
    });
  };
}

/** Tab and Shift+Tab go round the element's own controls (a modal dialog). */
export function trapTab(): Attachment<HTMLElement> {
  return (node) => {
    const handler = (e: KeyboardEvent) => {
      if (e.key !== "Tab") return;
      const all = [...node.querySelectorAll<HTMLElement>("a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])")];
      if (all.length === 0) {
        e.preventDefault();
        return;
      }
      const first = all[0];
      const last = all[all.length - 1];
      const active = document.activeElement;
      if (e.shiftKey && (active === first || active === node)) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && active === last) {
        e.preventDefault();
        first.focus();
      }
    };
    node.addEventListener("keydown", handler);
    return () => node.removeEventListener("keydown", handler);
  };
}
