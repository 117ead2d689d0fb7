import { describe, expect, it } from "vitest";
import { Pages, pagesFor, rowForKey, rowsInView, rowsPerView, scrollToShow, type Geometry } from "./rows";

// 26 px rows under a 26 px header, in a box 286 px high: 10 rows show whole.
const g: Geometry = { rowHeight: 26, header: 26, viewport: 286 };

describe("the rows in view", () => {
  it("renders the rows in view and a few either side, never past the ends", () => {
    expect(rowsInView(0, g, 100_000, 5)).toEqual({ first: 0, end: 16 });
    // Scrolled to row 50,000: rows 49,995 to 50,015.
    expect(rowsInView(50_000 * 26, g, 100_000, 5)).toEqual({ first: 49_995, end: 50_016 });
    expect(rowsInView(99_995 * 26, g, 100_000, 5)).toEqual({ first: 99_990, end: 100_000 });
    expect(rowsInView(0, g, 3, 5)).toEqual({ first: 0, end: 3 });
  });
  it("renders nothing for an empty list, and copes with a box not measured yet", () => {
    expect(rowsInView(0, g, 0)).toEqual({ first: 0, end: 0 });
    expect(rowsInView(-40, { ...g, viewport: 0 }, 10, 2)).toEqual({ first: 0, end: 3 });
  });
  it("stays inside the list when scrolled past its end (a list that just got shorter)", () => {
    const { first, end } = rowsInView(1_000_000, g, 10, 2);
    expect(end).toBe(10);
    expect(first).toBeLessThanOrEqual(end);
  });
});

describe("moving by keyboard", () => {
  it("moves a row, a screenful, or to either end, inside the list", () => {
    const per = rowsPerView(g);
    expect(per).toBe(10);
    expect(rowForKey("ArrowDown", 0, 100_000, per)).toBe(1);
    expect(rowForKey("ArrowUp", 0, 100_000, per)).toBe(0);
    expect(rowForKey("PageDown", 5, 100_000, per)).toBe(15);
    expect(rowForKey("PageUp", 5, 100_000, per)).toBe(0);
    expect(rowForKey("End", 5, 100_000, per)).toBe(99_999);
    expect(rowForKey("Home", 99_999, 100_000, per)).toBe(0);
    expect(rowForKey("ArrowDown", 99_999, 100_000, per)).toBe(99_999);
  });
  it("leaves other keys to the page", () => {
    expect(rowForKey("Enter", 3, 10, 5)).toBeNull();
    expect(rowForKey(" ", 3, 10, 5)).toBeNull();
    expect(rowForKey("ArrowDown", 0, 0, 5)).toBeNull();
  });
  it("scrolls only as far as needed to show a row whole below the header", () => {
    // In view: no move.
    expect(scrollToShow(3, 0, g)).toBe(0);
    expect(scrollToShow(9, 0, g)).toBe(0);
    // Row 10 is just below: scroll by one row.
    expect(scrollToShow(10, 0, g)).toBe(26);
    // Far below: that row at the bottom.
    expect(scrollToShow(99_999, 0, g)).toBe(99_990 * 26);
    // Above (under the header): that row at the top.
    expect(scrollToShow(4, 10 * 26, g)).toBe(4 * 26);
  });
});

describe("pages of rows", () => {
  it("names the pages a range of rows is on", () => {
    expect(pagesFor(0, 16, 100)).toEqual([0]);
    expect(pagesFor(95, 116, 100)).toEqual([0, 1]);
    expect(pagesFor(49_995, 50_016, 100)).toEqual([499, 500]);
    expect(pagesFor(0, 0, 100)).toEqual([]);
  });
  it("finds a row on its page, and keeps only the pages nearest the view", () => {
    const pages = new Pages<number>(100, 3);
    const page = (n: number) => Array.from({ length: 100 }, (_, i) => n * 100 + i);
    pages.put(0, page(0), 0);
    pages.put(1, page(1), 1);
    expect(pages.row(142)).toBe(142);
    expect(pages.row(250)).toBeUndefined();
    pages.put(2, page(2), 2);
    pages.put(3, page(3), 3);
    expect(pages.kept).toBe(3);
    expect(pages.has(0)).toBe(false);
    // Back near the top: the farthest page (3) goes.
    pages.put(0, page(0), 0);
    expect([0, 1, 2, 3].map((n) => pages.has(n))).toEqual([true, true, true, false]);
    // A short last page.
    pages.put(9, [900, 901], 9);
    expect(pages.row(901)).toBe(901);
    expect(pages.row(902)).toBeUndefined();
    pages.clear();
    expect(pages.kept).toBe(0);
  });
});
