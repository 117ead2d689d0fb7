import { describe, expect, it } from "vitest";
import type { Param } from "./bindings/Param";
import type { RequestDraft } from "./bindings/RequestDraft";
import { applyParams, initialParamValue } from "./params";

describe("an imported operation's parameter form", () => {
  const template: RequestDraft = {
    method: "GET",
    url: "/track/v1/details/{{inquiryNumber}}",
    query: [["service", "express"]],
    headers: [["transId", "{{transId}}"]],
    body: { kind: "none" },
  };
  const params: Param[] = [
    { name: "inquiryNumber", place: "path", required: true },
    { name: "service", place: "query", required: true, choices: ["express", "economy"] },
    { name: "locale", place: "query", required: false, default: "en_US" },
    { name: "transId", place: "header", required: true },
  ];

  it("starts from the template's rows, not its placeholders", () => {
    expect(params.map((p) => initialParamValue(template, p))).toEqual(["", "express", "", ""]);
  });

  it("fills the URL, query and headers as values are typed", () => {
    const draft = applyParams(template, params, { inquiryNumber: "1Z 999/AA", service: "economy", locale: "de_DE", transId: "t-1" });
    expect(draft.url).toBe("/track/v1/details/1Z%20999%2FAA");
    expect(draft.query).toEqual([["service", "economy"], ["locale", "de_DE"]]);
    expect(draft.headers).toEqual([["transId", "t-1"]]);
    // The template is left as it was: clearing a field brings its placeholder back.
    expect(template.url).toContain("{{inquiryNumber}}");
    const cleared = applyParams(template, params, { inquiryNumber: "", locale: "" });
    expect(cleared.url).toBe(template.url);
    expect(cleared.query).toEqual([["service", "express"]]);
    expect(cleared.headers).toEqual([["transId", "{{transId}}"]]);
  });
});
