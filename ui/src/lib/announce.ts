// What changed without a click, said to a screen reader: a token fetched, a request's answer, a
// run's outcome. App.svelte has the one polite live region (role="status"); components call
// `announce`. Errors are not announced here: ErrorBanner is role="alert".

export type Listener = (message: string) => void;

export interface Announcer {
  /** Say `message` (politely: after what the screen reader is saying now). */
  announce(message: string): void;
  /** The region's text now. */
  current(): string;
  /** Svelte's store contract: `$announcement` in a component. */
  subscribe(run: Listener): () => void;
}

export interface AnnouncerOptions {
  /** The region is emptied this long after the last message, so stale words are not read later. */
  clearAfterMs?: number;
  /** The same words again within this time are said once (two components, one event). */
  repeatAfterMs?: number;
  now?: () => number;
  setTimer?: (run: () => void, ms: number) => unknown;
  clearTimer?: (timer: unknown) => void;
}

// A region whose text does not change is not read again; the same words a second time get a
// no-break space at the end, so they are.
const AGAIN = "\u00a0";

export function createAnnouncer(options: AnnouncerOptions = {}): Announcer {
  const clearAfterMs = options.clearAfterMs ?? 8_000;
  const repeatAfterMs = options.repeatAfterMs ?? 1_000;
  const now = options.now ?? (() => Date.now());
  const setTimer = options.setTimer ?? ((run, ms) => setTimeout(run, ms));
  const clearTimer = options.clearTimer ?? ((t) => clearTimeout(t as ReturnType<typeof setTimeout>));

  let text = "";
  let last: { words: string; at: number } | null = null;
  let timer: unknown = null;
  const listeners = new Set<Listener>();

  function set(next: string) {
    text = next;
    for (const run of listeners) run(text);
  }

  return {
    announce(message) {
      const words = message.replace(/\s+/g, " ").trim();
      if (!words) return;
      const at = now();
      if (last && last.words === words && at - last.at < repeatAfterMs) return;
      last = { words, at };
      set(text === words ? words + AGAIN : words);
      if (timer !== null) clearTimer(timer);
      timer = setTimer(() => {
        timer = null;
        set("");
      }, clearAfterMs);
    },
    current: () => text,
    subscribe(run) {
      listeners.add(run);
      run(text);
      return () => listeners.delete(run);
    },
  };
}

/** The window's announcer, read by the live region in App.svelte. */
export const announcement = createAnnouncer();

/** Say `message` in the window's live region. */
export function announce(message: string): void {
  announcement.announce(message);
}

/** "201 Created", or "201" when the server gave no reason phrase. */
export function statusWords(status: number, statusText: string): string {
  return `${status} ${statusText}`.trim();
}
