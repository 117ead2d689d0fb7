import { describe, expect, it } from "vitest";
import { createAnnouncer, statusWords } from "./announce";

function fakeClock() {
  let t = 0;
  const timers: { at: number; run: () => void }[] = [];
  return {
    now: () => t,
    setTimer: (run: () => void, ms: number) => {
      const timer = { at: t + ms, run };
      timers.push(timer);
      return timer;
    },
    clearTimer: (timer: unknown) => {
      const i = timers.indexOf(timer as (typeof timers)[number]);
      if (i >= 0) timers.splice(i, 1);
    },
    advance(ms: number) {
      t += ms;
      for (const timer of timers.filter((x) => x.at <= t)) {
        timers.splice(timers.indexOf(timer), 1);
        timer.run();
      }
    },
  };
}

describe("the live region's announcer", () => {
  it("hands each message to its subscribers, starting with what it says now", () => {
    const clock = fakeClock();
    const a = createAnnouncer(clock);
    const heard: string[] = [];
    const stop = a.subscribe((m) => heard.push(m));
    a.announce("Token fetched for ship");
    a.announce("  Request finished:\n 201 Created ");
    stop();
    a.announce("Run finished: 2 passed, 0 failed");
    expect(heard).toEqual(["", "Token fetched for ship", "Request finished: 201 Created"]);
    expect(a.current()).toBe("Run finished: 2 passed, 0 failed");
  });

  it("says the same words once when asked twice at once, and again later", () => {
    const clock = fakeClock();
    const a = createAnnouncer({ ...clock, clearAfterMs: 60_000 });
    a.announce("Request finished: 200 OK");
    a.announce("Request finished: 200 OK");
    expect(a.current()).toBe("Request finished: 200 OK");
    clock.advance(5_000);
    a.announce("Request finished: 200 OK");
    // Changed text (a trailing no-break space), so the region is read again.
    expect(a.current()).toBe("Request finished: 200 OK\u00a0");
    clock.advance(5_000);
    a.announce("Request finished: 200 OK");
    expect(a.current()).toBe("Request finished: 200 OK");
  });

  it("empties the region a while after the last message", () => {
    const clock = fakeClock();
    const a = createAnnouncer({ ...clock, clearAfterMs: 8_000 });
    a.announce("Signed in to web");
    clock.advance(6_000);
    a.announce("Token fetched for web");
    clock.advance(6_000);
    expect(a.current()).toBe("Token fetched for web");
    clock.advance(2_000);
    expect(a.current()).toBe("");
  });

  it("ignores empty messages", () => {
    const a = createAnnouncer(fakeClock());
    a.announce("   ");
    expect(a.current()).toBe("");
  });

  it("words a status line", () => {
    expect(statusWords(201, "Created")).toBe("201 Created");
    expect(statusWords(299, "")).toBe("299");
  });
});
