import { describe, expect, it } from "vitest";
import { mapToPairs, pairsToMap } from "./variables";

describe("variables", () => {
  it("turns variable tables into rows and back, dropping blank names", () => {
    const rows = mapToPairs({ shipment: "S-1", tenant: "acme" });
    expect(rows).toEqual([["shipment", "S-1"], ["tenant", "acme"]]);
    expect(pairsToMap([...rows, ["", "lost"], [" city ", "Oslo"]])).toEqual({ shipment: "S-1", tenant: "acme", city: "Oslo" });
  });
});
