// CodeMirror 6 for request and response bodies. Loaded only when a body editor first mounts
// (CodeEditor.svelte imports this module dynamically), so the window's first paint never pays for it.
//
// The window's CSP has `style-src 'self'` and no nonce (Tauri adds a style nonce only when
// index.html has a <style>). CodeMirror puts its CSS in through style-mod, which for a Document
// root writes a <style> element (blocked by that CSP) and uses a constructable stylesheet
// (`adoptedStyleSheets`, not subject to style-src) only for roots without a `head`, i.e. shadow
// roots. `adoptStylesForDocument` below makes the document's style set the constructable kind
// before any editor mounts, so every module CodeMirror mounts later goes into that sheet.
import { StyleModule } from "style-mod";
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import { EditorView, highlightSpecialChars, keymap, lineNumbers, type KeyBinding } from "@codemirror/view";
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { bracketMatching, defaultHighlightStyle, foldGutter, foldKeymap, HighlightStyle, syntaxHighlighting, type TagStyle } from "@codemirror/language";
import { highlightSelectionMatches, search, searchKeymap } from "@codemirror/search";
import { json } from "@codemirror/lang-json";
import { tags } from "@lezer/highlight";
import { PROPERTY_NAME, syntaxColor } from "./syntax";

export type Language = "json" | "text";

/** true when the document's CodeMirror styles go through a constructable stylesheet. */
export const adoptedStyles = adoptStylesForDocument();

function adoptStylesForDocument(): boolean {
  if (typeof document === "undefined" || !("adoptedStyleSheets" in document) || typeof CSSStyleSheet === "undefined") return false;
  // style-mod keeps one style set per root, under a private symbol on the root. Mounting nothing
  // through a view of `document` that has no `head` creates that set in its adoptedStyleSheets
  // form and stores it on the real document (the proxy forwards writes), where CodeMirror's own
  // StyleModule.mount(document, …) finds and reuses it.
  const root = new Proxy(document, {
    get: (target, key) => (key === "head" ? undefined : Reflect.get(target, key, target)),
    set: (target, key, value) => Reflect.set(target, key, value, target),
  });
  StyleModule.mount(root, []);
  return true;
}

// defaultHighlightStyle leaves JSON keys uncoloured; give them the colour it uses for property
// definitions. Each theme shows the colours as syntax.ts maps them: lighter hues on the dark
// theme's background, darker ones where the default is under 4.5:1 on the light one
// (contrast.test.ts checks every one).
const specs: readonly TagStyle[] = [...defaultHighlightStyle.specs, { tag: tags.propertyName, color: PROPERTY_NAME }];
const themed = (dark: boolean) => specs.map((s) => (typeof s.color === "string" ? { ...s, color: syntaxColor(s.color, dark) } : s));
const lightHighlight = HighlightStyle.define(themed(false), { themeType: "light" });
const darkHighlight = HighlightStyle.define(themed(true), { themeType: "dark" });

// Ctrl+Enter sends the request (RequestPanel); CodeMirror would insert a blank line first.
// Tab is not bound (no indentWithTab): Tab and Shift+Tab move focus in and out of the editor as
// anywhere else, so the editor never traps the keyboard (https://codemirror.net/examples/tab/).
export const keys: readonly KeyBinding[] = [...defaultKeymap.filter((k) => k.key !== "Mod-Enter"), ...searchKeymap, ...foldKeymap];

export interface EditorOptions {
  language: Language;
  readonly: boolean;
  id?: string;
  ariaLabel?: string;
}

export interface Editor {
  view: EditorView;
  /** Replace the whole text unless it already is `text`. */
  setText(text: string): void;
  configure(options: EditorOptions): void;
  destroy(): void;
}

const darkQuery = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;

function languageExtension(language: Language): Extension {
  return language === "json" ? json() : [];
}

function modeExtension({ readonly, id, ariaLabel }: EditorOptions): Extension {
  const attrs: Record<string, string> = {};
  if (id) attrs.id = id;
  if (ariaLabel) attrs["aria-label"] = ariaLabel;
  // Not editable, but focusable and read as a read-only text: the text can be selected, copied,
  // searched with Ctrl+F, and read line by line by a screen reader.
  if (readonly) {
    attrs.tabindex = "0";
    attrs["aria-readonly"] = "true";
  }
  return [
    EditorView.contentAttributes.of(attrs),
    readonly ? [EditorState.readOnly.of(true), EditorView.editable.of(false)] : history(),
    keymap.of(readonly ? keys : [...keys, ...historyKeymap]),
  ];
}

export function createEditor(parent: HTMLElement, text: string, options: EditorOptions, onChange: (text: string) => void): Editor {
  const language = new Compartment();
  const mode = new Compartment();
  const dark = new Compartment();
  let current = { ...options };
  const isDark = () => darkQuery?.matches ?? false;

  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        lineNumbers(),
        foldGutter(),
        highlightSpecialChars(),
        bracketMatching(),
        highlightSelectionMatches(),
        search({ top: true }),
        syntaxHighlighting(lightHighlight),
        syntaxHighlighting(darkHighlight),
        EditorView.lineWrapping,
        dark.of(EditorView.darkTheme.of(isDark())),
        language.of(languageExtension(options.language)),
        mode.of(modeExtension(options)),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) onChange(update.state.doc.toString());
        }),
      ],
    }),
  });

  const onScheme = () => view.dispatch({ effects: dark.reconfigure(EditorView.darkTheme.of(isDark())) });
  darkQuery?.addEventListener("change", onScheme);

  return {
    view,
    setText(next) {
      const doc = view.state.doc;
      if (doc.length === next.length && doc.toString() === next) return;
      view.dispatch({ changes: { from: 0, to: doc.length, insert: next }, selection: { anchor: 0 }, scrollIntoView: true });
    },
    configure(next) {
      const effects = [];
      if (next.language !== current.language) effects.push(language.reconfigure(languageExtension(next.language)));
      if (next.readonly !== current.readonly || next.id !== current.id || next.ariaLabel !== current.ariaLabel) {
        effects.push(mode.reconfigure(modeExtension(next)));
      }
      current = { ...next };
      if (effects.length) view.dispatch({ effects });
    },
    destroy() {
      darkQuery?.removeEventListener("change", onScheme);
      view.destroy();
    },
  };
}
