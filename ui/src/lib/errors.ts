// Errors from the Rust side (or anywhere) as the error banner shows them.

export function errorText(e: unknown): { message: string; hint: string | null; code: string } {
  if (e && typeof e === "object" && "message" in e) {
    const err = e as { message: unknown; hint?: unknown; code?: unknown };
    return {
      message: String(err.message),
      hint: typeof err.hint === "string" ? err.hint : null,
      code: typeof err.code === "string" ? err.code : "unknown",
    };
  }
  return { message: String(e), hint: null, code: "unknown" };
}
