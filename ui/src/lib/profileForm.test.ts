import { expect, it } from "vitest";
import { copyName, proxyChoice, withProxyChoice } from "./profileForm";

it("switches between the system's proxy, none and the profile's own", () => {
  const own = { proxy: "http://proxy.corp:3128", no_proxy: false };
  expect(proxyChoice(own)).toBe("own");
  const direct = withProxyChoice(own, "none");
  expect(direct).toMatchObject({ no_proxy: true, proxy: null });
  expect(proxyChoice(direct)).toBe("none");
  expect(withProxyChoice(direct, "env")).toMatchObject({ no_proxy: false, proxy: null });
  expect(proxyChoice(withProxyChoice(direct, "env"))).toBe("env");
  expect(withProxyChoice(direct, "own")).toMatchObject({ no_proxy: false, proxy: "" });
});

it("names copies so they never collide", () => {
  expect(copyName("acme", ["acme"])).toBe("acme-copy");
  expect(copyName("acme", ["acme", "acme-copy", "acme-copy-2"])).toBe("acme-copy-3");
});
