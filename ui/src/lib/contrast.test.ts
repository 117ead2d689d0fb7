// WCAG 2.2 AA contrast of the window's colours, in both themes, computed from app.css itself:
// 4.5:1 for text (1.4.3), 3:1 for the edges of controls, state dots and the focus ring (1.4.11).
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { contrastRatio, mixOver, themesOf, type Theme } from "./contrast";
import { DEFAULT_SYNTAX, PROPERTY_NAME, syntaxColor } from "./syntax";

const css = readFileSync(new URL("../app.css", import.meta.url), "utf8");

const TEXT = 4.5;
const UI = 3;

/** A colour by variable (`--muted`), or a mix app.css paints (`mix(--accent 14% over --panel)`). */
type Colour = string | { mix: string; share: number; over: string };

interface Pair {
  fg: Colour;
  bg: Colour;
  min: number;
  /** Where the pair is on screen. */
  what: string;
}

// Every foreground the window draws on each background it draws it on.
const TEXT_ON = ["--bg", "--panel", "--code"];
const ACTIVE_ITEM: Colour = { mix: "--accent", share: 0.14, over: "--panel" }; // .profile-item.active
const DEMO: Colour = { mix: "--accent", share: 0.12, over: "--bg" }; // .demo banner

const PAIRS: Pair[] = [
  ...TEXT_ON.flatMap((bg): Pair[] => [
    { fg: "--text", bg, min: TEXT, what: "body text" },
    { fg: "--muted", bg, min: TEXT, what: "hints, muted text, placeholders, h3" },
    { fg: "--accent", bg, min: TEXT, what: "link buttons" },
    { fg: "--bad", bg, min: TEXT, what: "error text, FAILED, 4xx/5xx status" },
    { fg: "--warn", bg, min: TEXT, what: "3xx status, warnings" },
    { fg: "--good", bg, min: TEXT, what: "pass, 2xx status, signature checked" },
    { fg: "--control", bg, min: UI, what: "edges of fields, selects, buttons" },
    { fg: "--focus", bg, min: UI, what: "the focus ring" },
    { fg: "--good", bg, min: UI, what: "the valid dot" },
    { fg: "--warn", bg, min: UI, what: "the expiring dot" },
    { fg: "--bad", bg, min: UI, what: "the expired and error dots, the error banner's edge" },
  ]),
  { fg: "--accent-text", bg: "--accent", min: TEXT, what: "primary buttons' text" },
  { fg: "--accent", bg: "--panel", min: UI, what: "primary buttons' edge, the selected tab's underline" },
  { fg: "--text", bg: ACTIVE_ITEM, min: TEXT, what: "the selected profile's name" },
  { fg: "--muted", bg: ACTIVE_ITEM, min: TEXT, what: "the selected profile's state" },
  { fg: "--focus", bg: ACTIVE_ITEM, min: UI, what: "the focus ring on the selected profile" },
  { fg: "--text", bg: DEMO, min: TEXT, what: "the demo banner" },
  { fg: "--text", bg: "--code", min: TEXT, what: "kbd keys in the shortcuts help" },
];

function resolve(theme: Theme, c: Colour): string {
  const named = (name: string) => {
    const v = theme[name.replace(/^--/, "")];
    if (!v) throw new Error(`app.css defines no ${name}`);
    return v;
  };
  return typeof c === "string" ? named(c) : mixOver(named(c.mix), c.share, named(c.over));
}

const label = (c: Colour) => (typeof c === "string" ? c : `${c.mix} ${Math.round(c.share * 100)}% over ${c.over}`);

describe("the contrast ratio", () => {
  it("is WCAG's: 21 for black on white, 1 for a colour on itself, the same both ways", () => {
    expect(contrastRatio("#000", "#fff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#777", "#777")).toBe(1);
    expect(contrastRatio("#767676", "#ffffff")).toBeCloseTo(4.54, 2);
    expect(contrastRatio("#ffffff", "#767676")).toBe(contrastRatio("#767676", "#ffffff"));
  });
  it("reads both themes from app.css", () => {
    const { light, dark } = themesOf(css);
    expect(light.bg).toMatch(/^#/);
    expect(dark.bg).not.toBe(light.bg);
    expect(Object.keys(dark).sort()).toEqual(Object.keys(light).sort());
  });
});

const themes = themesOf(css);

for (const [name, theme] of Object.entries(themes)) {
  describe(`the ${name} theme`, () => {
    const rows = PAIRS.map((p) => ({ ...p, ratio: contrastRatio(resolve(theme, p.fg), resolve(theme, p.bg)) }));
    // The numbers, for the record (vitest prints them with --reporter=verbose or on failure).
    it.each(rows)("$what", (row) => {
      expect(row.ratio, `${label(row.fg)} on ${label(row.bg)} (${row.what}) is ${row.ratio.toFixed(2)}:1`).toBeGreaterThanOrEqual(row.min);
    });

    it("keeps the body editors' syntax colours readable on the editor and read-only backgrounds", () => {
      const dark = name === "dark";
      for (const color of [...DEFAULT_SYNTAX, PROPERTY_NAME]) {
        for (const bg of ["--panel", "--code"]) {
          const shown = syntaxColor(color, dark);
          const ratio = contrastRatio(shown, resolve(theme, bg));
          expect(ratio, `${color} shown as ${shown} on ${bg}: ${ratio.toFixed(2)}:1`).toBeGreaterThanOrEqual(TEXT);
        }
      }
    });
  });
}

/** Every pair and its ratio in both themes, printed when CONTRAST_TABLE is set. */
function contrastTable(): string[] {
  return Object.entries(themes).flatMap(([name, theme]) =>
    PAIRS.map((p) => `${name}\t${contrastRatio(resolve(theme, p.fg), resolve(theme, p.bg)).toFixed(2)}\t${p.min}\t${label(p.fg)} on ${label(p.bg)}\t${p.what}`),
  );
}

it("prints the table when CONTRAST_TABLE is set", () => {
  if ((globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.CONTRAST_TABLE) {
    console.log(contrastTable().join("\n"));
  }
  expect(contrastTable().length).toBe(PAIRS.length * 2);
});
