// Errors from the Rust side (or anywhere) as the error banner shows them.
import type { Diagnosis } from "./bindings/Diagnosis";

export type ShownError = { message: string; hint: string | null; code: string; diagnoses: Diagnosis[] };

export function errorText(e: unknown): ShownError {
  if (e && typeof e === "object" && "message" in e) {
    const err = e as { message: unknown; hint?: unknown; code?: unknown; diagnoses?: unknown };
    return {
      message: String(err.message),
      hint: typeof err.hint === "string" ? err.hint : null,
      code: typeof err.code === "string" ? err.code : "unknown",
      diagnoses: Array.isArray(err.diagnoses) ? (err.diagnoses as Diagnosis[]) : [],
    };
  }
  return { message: String(e), hint: null, code: "unknown", diagnoses: [] };
}
