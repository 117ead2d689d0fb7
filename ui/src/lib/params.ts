// An imported operation's parameter form: its starting values, and the draft with them filled in.
import type { Param } from "./bindings/Param";
import type { RequestDraft } from "./bindings/RequestDraft";
import type { Pair } from "./pairs";

/** A declared parameter's starting value in the form: the template's row for it (not its
 * `{{name}}` placeholder); path parameters start empty. */
export function initialParamValue(template: RequestDraft, param: Param): string {
  const rows = param.place === "query" ? template.query : param.place === "header" ? template.headers : [];
  const row = rows.find(([n]) => n.toLowerCase() === param.name.toLowerCase());
  return row && row[1] !== `{{${param.name}}}` ? row[1] : "";
}

/**
 * The draft with the form's values put in: a path parameter replaces its `{{name}}` in the
 * template's URL (encoded), a query or header parameter sets its row (added when missing). An
 * empty value leaves what the template has (its `{{name}}` placeholder, or no row).
 */
export function applyParams(template: RequestDraft, params: Param[], values: Record<string, string>): RequestDraft {
  let url = template.url;
  const query: Pair[] = template.query.map(([n, v]) => [n, v]);
  const headers: Pair[] = template.headers.map(([n, v]) => [n, v]);
  for (const param of params) {
    const value = (values[param.name] ?? "").trim();
    if (!value) continue;
    if (param.place === "path") {
      url = url.split(`{{${param.name}}}`).join(encodeURIComponent(value));
      continue;
    }
    const rows = param.place === "query" ? query : param.place === "header" ? headers : null;
    if (!rows) continue;
    const same = (n: string) => (param.place === "header" ? n.toLowerCase() === param.name.toLowerCase() : n === param.name);
    const row = rows.find(([n]) => same(n));
    if (row) row[1] = value;
    else rows.push([param.name, value]);
  }
  return { ...template, url, query, headers };
}
