import { describe, expect, it } from "vitest";
import { requestsByFolder, savedPath, searchSaved, splitSavedPath } from "./saved";

describe("saved request names", () => {
  it("reads folder/name as typed, the way `waybill send` names them", () => {
    expect(splitSavedPath(" orders/list ")).toEqual({ folder: "orders", name: "list" });
    expect(splitSavedPath("a/b/GET x")).toEqual({ folder: "a/b", name: "GET x" });
    expect(splitSavedPath("ping")).toEqual({ folder: null, name: "ping" });
    expect(splitSavedPath("/odd")).toEqual({ folder: null, name: "/odd" });
    expect(splitSavedPath("odd/")).toEqual({ folder: null, name: "odd/" });
    expect(savedPath({ folder: "orders", name: "list" })).toBe("orders/list");
    expect(savedPath({ folder: null, name: "ping" })).toBe("ping");
    expect(savedPath(splitSavedPath("a/b/c"))).toBe("a/b/c");
  });
});

it("groups a plan's requests by folder, folders in order", () => {
  const r = (folder: string | null, name: string) => ({ folder, name });
  expect(requestsByFolder([r("b", "1"), r(null, "2"), r("a", "3"), r("b", "4")])).toEqual([
    ["", [r(null, "2")]],
    ["a", [r("a", "3")]],
    ["b", [r("b", "1"), r("b", "4")]],
  ]);
});

it("finds saved requests by any words of their folder, name, method or URL", () => {
  const s = (folder: string | null, name: string, method: string, url: string) => ({ folder, name, request: { method, url } });
  const all = [s("Labels", "createLabel", "POST", "/labels"), s(null, "track", "GET", "/track/{{id}}"), s("Labels", "void", "DELETE", "/labels/{{id}}")];
  expect(searchSaved(all, "")).toEqual(all);
  expect(searchSaved(all, "labels delete").map((x) => x.name)).toEqual(["void"]);
  expect(searchSaved(all, "TRACK").map((x) => x.name)).toEqual(["track"]);
  expect(searchSaved(all, "nothing")).toEqual([]);
});
