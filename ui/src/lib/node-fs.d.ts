// The one Node API a test uses (contrast.test.ts reads app.css): the project has no @types/node,
// and Vite empties CSS imports under Vitest, `?raw` too.
declare module "node:fs" {
  export function readFileSync(path: string | URL, encoding: "utf8"): string;
}
