import { describe, expect, it } from "vitest";
import type { Expect } from "./bindings/Expect";
import {
  checkProblems,
  checksSummary,
  emptyExpectRows,
  fromCaptures,
  fromExpect,
  MAX_MS_ERROR,
  parseEquals,
  parseMaxMs,
  parseStatus,
  pointerProblem,
  saveBlocked,
  showEquals,
  splitHeaders,
  STATUS_ERROR,
  toCaptures,
  toExpect,
  type ExpectRows,
} from "./checks";

const rows = (over: Partial<ExpectRows>): ExpectRows => ({ ...emptyExpectRows(), ...over });

describe("the status field", () => {
  it("takes a code or a class, blank for none", () => {
    expect(parseStatus("201")).toEqual({ status: 201 });
    expect(parseStatus(" 2xx ")).toEqual({ status: "2xx" });
    expect(parseStatus("4XX")).toEqual({ status: "4xx" });
    expect(parseStatus("")).toEqual({ status: null });
    expect(parseStatus("  ")).toEqual({ status: null });
  });

  it("says what a status is when it is not one", () => {
    for (const bad of ["ok", "20", "2000", "600", "099", "6xx", "2x", "200.0"]) {
      expect(parseStatus(bad), bad).toEqual({ status: null, error: STATUS_ERROR });
    }
  });
});

describe("the time limit", () => {
  it("takes whole milliseconds, blank for none", () => {
    expect(parseMaxMs("2000")).toEqual({ maxMs: 2000 });
    expect(parseMaxMs("")).toEqual({ maxMs: null });
    expect(parseMaxMs("1e3")).toEqual({ maxMs: 1000 });
  });

  it("refuses anything else, and what the number field could not read", () => {
    for (const bad of ["0", "-5", "1.5", "abc", "?", "4294967296", "Infinity"]) {
      expect(parseMaxMs(bad), bad).toEqual({ maxMs: null, error: MAX_MS_ERROR });
    }
  });
});

it("splits required headers on commas and lines", () => {
  expect(splitHeaders("Location, X-Request-Id\n\nETag,")).toEqual(["Location", "X-Request-Id", "ETag"]);
  expect(splitHeaders("  ")).toEqual([]);
});

it("takes JSON pointers that start with / and write ~ as ~0 or ~1", () => {
  expect(pointerProblem("/shipment/0/status")).toBeUndefined();
  expect(pointerProblem("/a~1b/c~0d")).toBeUndefined();
  expect(pointerProblem("shipment")).toBe("a JSON pointer starts with /: /shipment");
  expect(pointerProblem("")).toMatch(/starts with \//);
  expect(pointerProblem("/a~b")).toMatch(/~0/);
});

describe("an equals value", () => {
  it("is JSON when it parses, else the text as typed", () => {
    expect(parseEquals("42")).toEqual({ value: 42 });
    expect(parseEquals("true")).toEqual({ value: true });
    expect(parseEquals('"42"')).toEqual({ value: "42" });
    expect(parseEquals('{"a": [1, "x"]}')).toEqual({ value: { a: [1, "x"] } });
    expect(parseEquals("delivered")).toEqual({ value: "delivered" });
    expect(parseEquals('""')).toEqual({ value: "" });
  });

  it("is neither blank nor a null, which requests.toml cannot hold", () => {
    expect(parseEquals("").error).toMatch(/give the value/);
    expect(parseEquals("null").error).toMatch(/null cannot be saved/);
    expect(parseEquals("[1, null]").error).toMatch(/null cannot be saved/);
  });

  it("shows as typed, quoted only when the text would read as JSON", () => {
    for (const value of [42, true, "42", "true", "delivered", "", " x", { a: [1] }, "a \"quoted\" word"]) {
      const shown = showEquals(value);
      expect(parseEquals(shown), shown).toEqual({ value });
    }
    expect(showEquals("delivered")).toBe("delivered");
    expect(showEquals("42")).toBe('"42"');
    expect(showEquals({ a: 1 })).toBe('{"a":1}');
  });
});

describe("the checks editor to an Expect and back", () => {
  it("is null when nothing is set, blank JSON rows left out", () => {
    expect(toExpect(emptyExpectRows())).toEqual({ expect: null, errors: { json: [] } });
    expect(toExpect(rows({ json: [{ pointer: " ", kind: "equals", value: "" }] }))).toEqual({ expect: null, errors: { json: [{}] } });
  });

  it("gives every part that is set", () => {
    const { expect: got, errors } = toExpect({
      status: "2xx",
      maxMs: "1500",
      headers: "Location, X-Request-Id",
      json: [
        { pointer: "/shipment/0/status", kind: "equals", value: "delivered" },
        { pointer: "/count", kind: "equals", value: "2" },
        { pointer: "/tracking", kind: "exists", value: "" },
        { pointer: "/error", kind: "exists", value: "false" },
        { pointer: "/tracking", kind: "matches", value: "^1Z" },
      ],
    });
    expect(errors).toEqual({ json: [{}, {}, {}, {}, {}] });
    expect(got).toEqual({
      status: "2xx",
      max_ms: 1500,
      headers: ["Location", "X-Request-Id"],
      json: [
        { pointer: "/shipment/0/status", equals: "delivered" },
        { pointer: "/count", equals: 2 },
        { pointer: "/tracking", exists: true },
        { pointer: "/error", exists: false },
        { pointer: "/tracking", matches: "^1Z" },
      ],
    });
  });

  it("puts each error with its field, and keeps what is wrong out of the Expect", () => {
    const { expect: got, errors } = toExpect({
      status: "ok",
      maxMs: "soon",
      headers: "Location, X Y",
      json: [
        { pointer: "status", kind: "equals", value: "1" },
        { pointer: "/a", kind: "exists", value: "maybe" },
        { pointer: "/b", kind: "matches", value: "" },
        { pointer: "/c", kind: "equals", value: "3" },
      ],
    });
    expect(errors.status).toBe(STATUS_ERROR);
    expect(errors.maxMs).toBe(MAX_MS_ERROR);
    expect(errors.headers).toBe('"X Y" is not a header name');
    expect(errors.json).toEqual([
      { pointer: "a JSON pointer starts with /: /status" },
      { value: "exists takes true (or nothing) or false" },
      { value: "give a regular expression, such as ^1Z" },
      {},
    ]);
    expect(got).toEqual({ json: [{ pointer: "/c", equals: 3 }] });
  });

  it("comes back as it was saved", () => {
    const saved: Expect = {
      status: 201,
      max_ms: 800,
      headers: ["Location", "ETag"],
      json: [
        { pointer: "/status", equals: "delivered" },
        { pointer: "/n", equals: "42" },
        { pointer: "/ok", equals: true },
        { pointer: "/id", exists: true },
        { pointer: "/error", exists: false },
        { pointer: "/id", matches: "^[0-9]+$" },
      ],
    };
    const shown = fromExpect(saved);
    expect(shown).toEqual({
      status: "201",
      maxMs: "800",
      headers: "Location, ETag",
      json: [
        { pointer: "/status", kind: "equals", value: "delivered" },
        { pointer: "/n", kind: "equals", value: '"42"' },
        { pointer: "/ok", kind: "equals", value: "true" },
        { pointer: "/id", kind: "exists", value: "" },
        { pointer: "/error", kind: "exists", value: "false" },
        { pointer: "/id", kind: "matches", value: "^[0-9]+$" },
      ],
    });
    expect(toExpect(shown).expect).toEqual(saved);
    expect(fromExpect(null)).toEqual(emptyExpectRows());
    expect(fromExpect({ status: "2xx" }).status).toBe("2xx");
  });
});

describe("captures", () => {
  it("from rows, blank rows dropped", () => {
    expect(
      toCaptures([
        { name: "tracking_number", from: "json", source: "/output/0/trackingNumber" },
        { name: "", from: "json", source: "" },
        { name: "where", from: "header", source: " Location " },
      ]),
    ).toEqual({
      capture: [
        { name: "tracking_number", json: "/output/0/trackingNumber" },
        { name: "where", header: "Location" },
      ],
      errors: [{}, {}, {}],
    });
  });

  it("say what is wrong with a row's name or source", () => {
    const { capture, errors } = toCaptures([
      { name: "my var", from: "json", source: "/a" },
      { name: "id", from: "json", source: "id" },
      { name: "loc", from: "header", source: "" },
      { name: "loc", from: "header", source: "Bad Header" },
      { name: "", from: "json", source: "/a" },
    ]);
    expect(capture).toEqual([]);
    expect(errors).toEqual([
      { name: "a variable name is letters, digits, _, - and . (64 at most)" },
      { source: "a JSON pointer starts with /: /id" },
      { source: "give the header's name, such as Location" },
      { source: '"Bad Header" is not a header name' },
      { name: "a variable name is letters, digits, _, - and . (64 at most)" },
    ]);
  });

  it("come back as rows", () => {
    const saved = [
      { name: "id", json: "/id" },
      { name: "loc", header: "Location" },
    ];
    expect(fromCaptures(saved)).toEqual([
      { name: "id", from: "json", source: "/id" },
      { name: "loc", from: "header", source: "Location" },
    ]);
    expect(toCaptures(fromCaptures(saved)).capture).toEqual(saved);
    expect(fromCaptures(undefined)).toEqual([]);
  });
});

it("says why Save waits, naming the field", () => {
  const { errors } = toExpect(rows({ status: "ok", json: [{ pointer: "x", kind: "exists", value: "" }] }));
  const problems = checkProblems(errors, toCaptures([{ name: "a b", from: "json", source: "/a" }]).errors);
  expect(problems).toEqual([
    `Status: ${STATUS_ERROR}`,
    "JSON check 1: a JSON pointer starts with /: /x",
    "Capture 1: a variable name is letters, digits, _, - and . (64 at most)",
  ]);
  expect(saveBlocked(problems)).toBe(`Fix the checks to save: Status: ${STATUS_ERROR} (and 2 more).`);
  expect(saveBlocked([])).toBeNull();
});

it("sums a saved request's checks up in one line", () => {
  expect(
    checksSummary({ status: "2xx", json: [{ pointer: "/a", exists: true }, { pointer: "/b", equals: 1 }] }, [{ name: "tracking_number", json: "/t" }]),
  ).toBe("expects 2xx · 2 JSON checks · captures tracking_number");
  expect(checksSummary({ status: 201, max_ms: 500, headers: ["Location"], json: [{ pointer: "/a", exists: true }] }, [])).toBe(
    "expects 201 · within 500 ms · 1 required header · 1 JSON check",
  );
  expect(checksSummary(null, [{ name: "a", json: "/a" }, { name: "b", header: "B" }])).toBe("captures a, b");
  expect(checksSummary(undefined, undefined)).toBe("");
});
