// User variables: the Variables tab's table as rows, and back.
import type { Pair } from "./pairs";

/** A variables table as editable rows, and back (rows with a blank name are dropped). */
export function mapToPairs(map: { [key in string]?: string }): Pair[] {
  return Object.entries(map).map(([name, value]) => [name, value ?? ""]);
}
export function pairsToMap(rows: Pair[]): { [key in string]?: string } {
  const map: { [key in string]?: string } = {};
  for (const [name, value] of rows) if (name.trim()) map[name.trim()] = value;
  return map;
}
