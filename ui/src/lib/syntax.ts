// The body editors' syntax colours (CodeMirror's defaultHighlightStyle, re-coloured where a colour
// is hard to read). Kept apart from codemirror.ts so contrast.test.ts checks them without loading
// CodeMirror: every colour here is at least 4.5:1 on the editor's backgrounds in its theme.

/** The colours defaultHighlightStyle uses, as it writes them. */
export const DEFAULT_SYNTAX = ["#404740", "#708", "#219", "#164", "#a11", "#e40", "#00f", "#30a", "#085", "#167", "#256", "#00c", "#940", "#f00"] as const;

/** JSON keys: the colour defaultHighlightStyle gives property definitions. */
export const PROPERTY_NAME = "#00c";

/** Light theme: darker versions of the default colours under 4.5:1 on --code (regexp/escape, type names, invalid). */
export const LIGHT_SYNTAX: Record<string, string> = { "#e40": "#b83600", "#085": "#006b44", "#f00": "#c00000" };

/**
 * Dark theme: the default's dark-red, dark-blue and green are hard to read on the dark theme's
 * background (app.css follows prefers-color-scheme), so it gets lighter versions of the same hues.
 */
export const DARK_SYNTAX: Record<string, string> = {
  "#404740": "#a8b0a8", "#708": "#d28ef0", "#219": "#8cb4ff", "#164": "#7ee08f", "#a11": "#ff9d8f",
  "#e40": "#ffab70", "#00f": "#82aaff", "#30a": "#b59cf5", "#085": "#5fd7a7", "#167": "#62c6d6",
  "#256": "#9cc3e0", "#00c": "#8fb2ff", "#940": "#d9a35f", "#f00": "#ff7b7b",
};

/** A default colour as the theme shows it. */
export function syntaxColor(color: string, dark: boolean): string {
  return (dark ? DARK_SYNTAX : LIGHT_SYNTAX)[color] ?? color;
}
