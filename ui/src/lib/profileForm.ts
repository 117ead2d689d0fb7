// The profile form's own state: the profile's fields come from Rust (`NewProfile`), and so do
// the rules that decide what the form shows (`FormFacts`). What is left here is the form's:
// its proxy choice and the name of a copy.
import type { NewProfile } from "./bindings/NewProfile";

/** How a profile reaches its servers, for the form's proxy choice. */
export type ProxyChoice = "env" | "none" | "own";

type Proxy = Pick<NewProfile, "proxy" | "no_proxy">;

export function proxyChoice(profile: Proxy): ProxyChoice {
  return profile.no_proxy ? "none" : profile.proxy != null ? "own" : "env";
}

export function withProxyChoice<T extends Proxy>(profile: T, choice: ProxyChoice): T {
  return { ...profile, no_proxy: choice === "none", proxy: choice === "own" ? (profile.proxy ?? "") : null };
}

/** The next free "name-copy", "name-copy-2", ... */
export function copyName(name: string, taken: string[]): string {
  let candidate = `${name}-copy`;
  for (let i = 2; taken.includes(candidate); i++) candidate = `${name}-copy-${i}`;
  return candidate;
}
