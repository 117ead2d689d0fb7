import { expect, it } from "vitest";
import { requestsByFolder, searchSaved } from "./saved";

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
