import { describe, expect, it } from "vitest";
import { createFocusReturn, focusLost, isEscapeToClose, isTextEntry, refocus, restoreTarget, rovingIndex, type FocusDom, type FocusTarget } from "./focus";

class Fake implements FocusTarget {
  focused = 0;
  constructor(
    public id: string,
    public isConnected = true,
    public disabled = false,
  ) {}
  focus() {
    this.focused++;
    page.active = this;
  }
}

const page: { active: FocusTarget | null; body: object; ids: Map<string, Fake> } = { active: null, body: {}, ids: new Map() };
const dom: FocusDom = { active: () => page.active, body: () => page.body, byId: (id) => page.ids.get(id) ?? null };
function reset(...els: Fake[]) {
  page.active = null;
  page.ids = new Map(els.filter((e) => e.isConnected).map((e) => [e.id, e]));
}

describe("where focus goes back to", () => {
  it("is the remembered element while it is on the page and enabled", () => {
    const edit = new Fake("edit-profile");
    reset(edit);
    expect(restoreTarget(edit, dom.byId)).toBe(edit);
  });

  it("is the element now carrying its id when it was drawn again", () => {
    const old = new Fake("edit-profile", false);
    const redrawn = new Fake("edit-profile");
    reset(redrawn);
    expect(restoreTarget(old, dom.byId, ["profile-title"])).toBe(redrawn);
  });

  it("is the first fallback that can take focus when the opener is gone or disabled", () => {
    const gone = new Fake("connect-manual", false);
    const disabled = new Fake("renew-token", true, true);
    const title = new Fake("profile-title");
    reset(disabled, title);
    expect(restoreTarget(gone, dom.byId, ["renew-token", "missing", "profile-title"])).toBe(title);
    expect(restoreTarget(null, dom.byId, ["missing"])).toBeNull();
  });
});

describe("a panel gives focus back to what opened it", () => {
  it("remembers what had focus and focuses it again", () => {
    const opener = new Fake("import-api");
    reset(opener);
    page.active = opener;
    const back = createFocusReturn(dom);
    back.remember();
    page.active = new Fake("import-spec-path");
    expect(back.restore()).toBe(true);
    expect(page.active).toBe(opener);
    // Once: a second close does not move focus.
    page.active = null;
    expect(back.restore()).toBe(false);
  });

  it("does not remember the page itself, and then uses the fallback", () => {
    const title = new Fake("profile-title");
    reset(title);
    page.active = page.body as FocusTarget;
    const back = createFocusReturn(dom);
    back.remember();
    expect(back.restore("profile-title")).toBe(true);
    expect(page.active).toBe(title);
  });
});

describe("a busy button gets focus back", () => {
  it("when focus fell to the page while it was disabled", () => {
    const send = new Fake("send");
    reset(send);
    page.active = page.body as FocusTarget;
    refocus(send, [], dom);
    expect(page.active).toBe(send);
  });

  it("on a fallback when the button stays disabled (Forget leaves nothing to forget)", () => {
    const forget = new Fake("forget-token", true, true);
    const get = new Fake("get-token");
    reset(forget, get);
    page.active = null;
    refocus(forget, ["get-token"], dom);
    expect(page.active).toBe(get);
  });

  it("not when the person moved on meanwhile", () => {
    const send = new Fake("send");
    const url = new Fake("req-url");
    reset(send, url);
    page.active = url;
    refocus(send, [], dom);
    expect(page.active).toBe(url);
    expect(send.focused).toBe(0);
  });

  it("tells lost focus from kept focus", () => {
    const body = {};
    expect(focusLost(null, body)).toBe(true);
    expect(focusLost(body as FocusTarget, body)).toBe(true);
    expect(focusLost(new Fake("x", false), body)).toBe(true);
    expect(focusLost(new Fake("x"), body)).toBe(false);
  });
});

describe("keys", () => {
  it("move between tabs as the ARIA tabs pattern says, wrapping at the ends", () => {
    expect(rovingIndex("ArrowRight", 0, 4)).toBe(1);
    expect(rovingIndex("ArrowRight", 3, 4)).toBe(0);
    expect(rovingIndex("ArrowLeft", 0, 4)).toBe(3);
    expect(rovingIndex("Home", 2, 4)).toBe(0);
    expect(rovingIndex("End", 1, 4)).toBe(3);
    expect(rovingIndex("ArrowDown", 1, 4)).toBeNull();
    expect(rovingIndex("ArrowRight", 0, 0)).toBeNull();
  });

  it("know where typing goes", () => {
    expect(isTextEntry({ tagName: "INPUT", type: "text" })).toBe(true);
    expect(isTextEntry({ tagName: "input", type: "search" })).toBe(true);
    expect(isTextEntry({ tagName: "INPUT", type: "checkbox" })).toBe(false);
    expect(isTextEntry({ tagName: "TEXTAREA" })).toBe(true);
    expect(isTextEntry({ tagName: "SELECT" })).toBe(true);
    expect(isTextEntry({ tagName: "DIV", isContentEditable: true })).toBe(true);
    expect(isTextEntry({ tagName: "BUTTON" })).toBe(false);
    expect(isTextEntry(null)).toBe(false);
  });

  it("close a panel with Escape unless something inside used it", () => {
    const key = (over: Partial<Parameters<typeof isEscapeToClose>[0]>) => ({ key: "Escape", defaultPrevented: false, isComposing: false, target: { tagName: "BUTTON" }, ...over });
    expect(isEscapeToClose(key({}))).toBe(true);
    expect(isEscapeToClose(key({ key: "Enter" }))).toBe(false);
    expect(isEscapeToClose(key({ defaultPrevented: true }))).toBe(false);
    expect(isEscapeToClose(key({ isComposing: true }))).toBe(false);
    // Escape in a search field empties it first.
    expect(isEscapeToClose(key({ target: { tagName: "INPUT", type: "search", value: "fed" } }))).toBe(false);
    expect(isEscapeToClose(key({ target: { tagName: "INPUT", type: "search", value: "" } }))).toBe(true);
  });
});
