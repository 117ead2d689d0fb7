// A long list shown a screenful at a time (the history list, up to 100,000 entries and more):
// rows of one fixed height, only those in view (and a few either side) in the page, the rest
// stood in for by empty space of their height; rows fetched a page at a time as they come into
// view, and only a few pages kept. These are the sums; HistoryList.svelte does the rest.

/** The scrolled box: its rows' height, the header row stuck over its top, and its own height. */
export interface Geometry {
  rowHeight: number;
  header: number;
  viewport: number;
}

/** Rows [first, end) of `count`: those in view below the header, and `overscan` more each side. */
export function rowsInView(scrollTop: number, g: Geometry, count: number, overscan = 8): { first: number; end: number } {
  if (count <= 0 || g.rowHeight <= 0) return { first: 0, end: 0 };
  const top = Math.floor(Math.max(0, scrollTop) / g.rowHeight);
  const shown = Math.ceil(Math.max(0, g.viewport - g.header) / g.rowHeight) + 1;
  const end = Math.min(count, top + shown + overscan);
  return { first: Math.min(end, Math.max(0, top - overscan)), end };
}

/** How many whole rows show below the header: what Page Up and Page Down move by. */
export function rowsPerView(g: Geometry): number {
  return Math.max(1, Math.floor((g.viewport - g.header) / g.rowHeight));
}

/** Where to scroll so that row `index` shows whole below the header: where it is when it already
 *  does, else the least move (the row at the top when going up, at the bottom when going down). */
export function scrollToShow(index: number, scrollTop: number, g: Geometry): number {
  const top = index * g.rowHeight;
  const bottom = g.header + (index + 1) * g.rowHeight - g.viewport;
  if (scrollTop > top) return top;
  if (scrollTop < bottom) return bottom;
  return scrollTop;
}

/** The row a key moves to from row `index` of `count`, `perView` rows showing; null for keys that
 *  do not move. */
export function rowForKey(key: string, index: number, count: number, perView: number): number | null {
  if (count <= 0) return null;
  const moves: Record<string, number> = {
    ArrowDown: index + 1,
    ArrowUp: index - 1,
    PageDown: index + perView,
    PageUp: index - perView,
    Home: 0,
    End: count - 1,
  };
  const to = moves[key];
  return to === undefined ? null : Math.min(count - 1, Math.max(0, to));
}

/** The pages (`size` rows each, page 0 first) that rows [first, end) are on. */
export function pagesFor(first: number, end: number, size: number): number[] {
  const pages: number[] = [];
  for (let page = Math.floor(first / size); page * size < end; page++) pages.push(page);
  return pages;
}

/** The rows fetched so far, by page; at most `keep` pages, the ones farthest from the view
 *  dropped first (so a long scroll does not keep every row it passed in memory). */
export class Pages<T> {
  private pages = new Map<number, T[]>();

  constructor(
    readonly size: number,
    readonly keep: number,
  ) {}

  /** Row `index`, when its page is here. */
  row(index: number): T | undefined {
    return this.pages.get(Math.floor(index / this.size))?.[index % this.size];
  }

  has(page: number): boolean {
    return this.pages.has(page);
  }

  /** Keep `rows` as page `page`, dropping the pages farthest from page `near` beyond `keep`. */
  put(page: number, rows: T[], near: number): void {
    this.pages.set(page, rows);
    const far = [...this.pages.keys()].sort((a, b) => Math.abs(b - near) - Math.abs(a - near));
    for (const drop of far.slice(0, Math.max(0, this.pages.size - this.keep))) this.pages.delete(drop);
  }

  clear(): void {
    this.pages.clear();
  }

  /** How many pages are kept. */
  get kept(): number {
    return this.pages.size;
  }
}
