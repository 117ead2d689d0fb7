// Saved requests: their `folder/name` paths, the tree by folder, and search.

/** A saved request as `waybill send` names it: `folder/name`, or the name alone. */
export function savedPath(saved: { folder?: string | null; name: string }): string {
  return saved.folder ? `${saved.folder}/${saved.name}` : saved.name;
}

/** What a person typed as a saved request's name: `folder/name` puts it in a folder. */
export function splitSavedPath(text: string): { folder: string | null; name: string } {
  const trimmed = text.trim();
  const cut = trimmed.lastIndexOf("/");
  if (cut <= 0 || cut === trimmed.length - 1) return { folder: null, name: trimmed };
  return { folder: trimmed.slice(0, cut).trim(), name: trimmed.slice(cut + 1).trim() };
}

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
