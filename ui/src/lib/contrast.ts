// WCAG 2.2 contrast, computed: the relative luminance of sRGB colours and their ratio, and the
// theme variables read from app.css, so contrast.test.ts checks the numbers the window uses.

/** `#rgb` or `#rrggbb` as [r, g, b], 0-255. */
export function parseHex(color: string): [number, number, number] {
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (!m) throw new Error(`not a hex colour: ${color}`);
  const h = m[1].length === 3 ? [...m[1]].map((c) => c + c).join("") : m[1];
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
}

/** WCAG's relative luminance (https://www.w3.org/TR/WCAG22/#dfn-relative-luminance). */
export function relativeLuminance(color: string): number {
  const [r, g, b] = parseHex(color).map((v) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** (L1 + 0.05) / (L2 + 0.05), the lighter over the darker: 1 to 21. */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [relativeLuminance(a), relativeLuminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** `color-mix(in srgb, fg p%, transparent)` painted over `bg`: what the eye gets. */
export function mixOver(fg: string, share: number, bg: string): string {
  const f = parseHex(fg);
  const b = parseHex(bg);
  return "#" + f.map((v, i) => Math.round(v * share + b[i] * (1 - share)).toString(16).padStart(2, "0")).join("");
}

export type Theme = Record<string, string>;

/** The custom properties (`--name: #hex`) of a CSS block's text. */
function variables(block: string): Theme {
  const out: Theme = {};
  for (const m of block.matchAll(/--([\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})\b/g)) out[m[1]] = m[2];
  return out;
}

/**
 * The light theme (the first `:root { … }`) and the dark one (the light theme overridden by the
 * `:root` inside `@media (prefers-color-scheme: dark)`), from app.css's text.
 */
export function themesOf(css: string): { light: Theme; dark: Theme } {
  const root = /(^|\n):root\s*\{([^}]*)\}/.exec(css);
  const darkMedia = /@media\s*\(prefers-color-scheme:\s*dark\)\s*\{\s*:root\s*\{([^}]*)\}/.exec(css);
  if (!root || !darkMedia) throw new Error("app.css has no :root block, or no dark one");
  const light = variables(root[2]);
  return { light, dark: { ...light, ...variables(darkMedia[1]) } };
}
