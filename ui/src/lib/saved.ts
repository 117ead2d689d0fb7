// Saved requests: the tree by folder, and search. Their `folder/name` paths come from Rust.

/** Requests grouped by folder (`""` for none), folders in name order: the plan's tree. */
export function requestsByFolder<T extends { folder?: string | null }>(requests: T[]): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const r of requests) {
    const key = r.folder ?? "";
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
}

/** Saved requests whose folder, name, method or URL holds every word of `search` (any case). */
export function searchSaved<T extends { folder?: string | null; name: string; request: { method: string; url: string } }>(saved: T[], search: string): T[] {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  return saved.filter((s) => {
    const text = `${s.folder ?? ""} ${s.name} ${s.request.method} ${s.request.url}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}
