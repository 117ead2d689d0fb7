#!/usr/bin/env node
// A headless-Chromium "user" for Waybill's browser sign-in tests.
//
// Used as the BROWSER environment variable: Waybill runs `$BROWSER <url>` (the
// authorize URL is the LAST argument) and does not wait for it. This script
// opens the URL in Debian's /usr/bin/chromium (driven by playwright-core, which
// never downloads a browser of its own) and clicks through the sign-in the way
// a person would, until Waybill's loopback page shows `#waybill-result` (or, for
// a device code, oidc-provider's success or "interrupted" page).
//
// Exit status: 0 when `#waybill-result` was reached (its text goes to stderr),
// 1 on an error page, a timeout or any other failure, 2 on bad usage.
// Nothing goes to stdout. Full URLs are never printed (they can carry codes and
// tokens): only origin + path. See README.md in this directory.

import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

const t0 = performance.now();
const ms = () => Math.round(performance.now() - t0);
const say = (msg) => process.stderr.write(`sign-in: ${msg}\n`);

// ---- configuration ---------------------------------------------------------

const LOG_PATH = process.env.SIGN_IN_LOG || '';

function usage(msg) {
  if (LOG_PATH) {
    try { appendFileSync(LOG_PATH, 'error\n'); } catch { /* reported below anyway */ }
  }
  say(msg);
  say('usage: sign-in.mjs [ignored args...] <authorize-url>');
  process.exit(2);
}

const rawUrl = process.argv.length > 2 ? process.argv[process.argv.length - 1] : undefined;
if (!rawUrl) usage('no URL given');
let startUrl;
try {
  startUrl = new URL(rawUrl);
} catch {
  usage('the last argument is not a URL');
}
if (!['http:', 'https:'].includes(startUrl.protocol)) usage(`unsupported URL scheme ${startUrl.protocol}`);

const TIMEOUT_MS = (() => {
  const raw = process.env.SIGN_IN_TIMEOUT_MS;
  if (raw === undefined || raw === '') return 60000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) usage(`SIGN_IN_TIMEOUT_MS must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
})();
const LOGIN = process.env.SIGN_IN_LOGIN || 'test-user';
const PASSWORD = process.env.SIGN_IN_PASSWORD || 'test-password';
const ACTION = process.env.SIGN_IN_ACTION || 'approve';
if (!['approve', 'deny'].includes(ACTION)) usage(`SIGN_IN_ACTION must be approve or deny, got ${JSON.stringify(ACTION)}`);
const EXECUTABLE = process.env.SIGN_IN_CHROMIUM || '/usr/bin/chromium';
// SIGN_IN_DELAY_MS: wait this long before opening the page.

const deadline = Date.now() + TIMEOUT_MS;
const remaining = () => Math.max(0, deadline - Date.now());

// ---- helpers ---------------------------------------------------------------

// One line per step, appended (O_APPEND, one write per line).
function step(name) {
  say(`step ${name} (${ms()} ms)`);
  if (!LOG_PATH) return;
  try {
    appendFileSync(LOG_PATH, `${name}\n`);
  } catch (err) {
    say(`cannot append to SIGN_IN_LOG: ${err.message}`);
  }
}

// URL without query and fragment (those can hold codes, tokens, state).
function safeUrl(u) {
  try {
    const p = new URL(u);
    if (p.protocol === 'http:' || p.protocol === 'https:') return `${p.origin}${p.pathname}`;
    return `${p.protocol}${p.host ? `//${p.host}` : ''}${p.pathname}`.slice(0, 200);
  } catch {
    return '(unparsable URL)';
  }
}

// First line of an error message, with any URL in it cut down by safeUrl()
// (Playwright's messages quote the full URL, query and all).
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi;
const errLine = (err) => String(err?.message ?? err).split('\n')[0]
  .replace(URL_IN_TEXT, (u) => safeUrl(u));

// Belt and braces for page text we print: cut URLs down and hide anything
// that looks like a token.
const redact = (s) => String(s ?? '')
  .replace(URL_IN_TEXT, (u) => safeUrl(u))
  .replace(/[A-Za-z0-9\-_~+/=.]{32,}/g, '[redacted]')
  .replace(/\s+/g, ' ')
  .trim();

const isLoopbackHost = (h) => h === 'localhost' || h === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(h);

const sleep = (n) => new Promise((r) => { setTimeout(r, n); });

// ---- run -------------------------------------------------------------------

let browser;
let page;
let finished = false;

async function finish(code, lines) {
  if (finished) return;
  finished = true;
  for (const line of lines) say(line);
  // Close Chromium; never hang on it.
  const hardExit = setTimeout(() => process.exit(code), 5000);
  hardExit.unref();
  try {
    if (browser) await browser.close();
  } catch { /* already gone */ }
  process.exit(code);
}

async function describe(why) {
  const lines = [why];
  if (!page) return lines;
  // A page that is still navigating (e.g. to an error page) cannot be read;
  // give it a moment.
  for (let attempt = 1; ; attempt += 1) {
    try {
      const seen = await page.evaluate(() => ({
        title: document.title,
        text: document.body ? document.body.innerText.slice(0, 600) : '',
      }));
      lines.push(`url: ${safeUrl(page.url())}`);
      lines.push(`title: ${JSON.stringify(redact(seen.title))}`);
      lines.push(`text: ${JSON.stringify(redact(seen.text).slice(0, 300))}`);
      return lines;
    } catch (err) {
      if (attempt >= 5) {
        lines.push(`url: ${safeUrl(page.url())}`);
        lines.push(`(page not readable: ${errLine(err)})`);
        return lines;
      }
      await sleep(100);
    }
  }
}

async function fail(why) {
  step(why.startsWith('timed out') ? 'timeout' : 'error');
  await finish(1, await describe(`FAILED after ${ms()} ms: ${why}`));
}

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(sig, () => {
    step('killed');
    finish(1, [`got ${sig}, closing Chromium`]);
  });
}

// What kind of page is this? One round trip, no waiting.
function inspectPage() {
  return page.evaluate(() => {
    const q = (s) => document.querySelector(s);
    const result = q('#waybill-result');
    const bodyText = document.body ? document.body.innerText : '';
    return {
      result: result ? result.innerText : null,
      login: !!q('form input[name="login"]') && !!q('form input[name="password"]'),
      consent: !!q('form input[name="prompt"][value="consent"]'),
      approve: !!q('#approve'),
      deny: !!q('#deny'),
      providerError: /oops! something went wrong/i.test(bodyText),
      // oidc-provider's device flow (RFC 8628): confirm the code, then its end pages.
      deviceConfirm: !!q('button[form="op.deviceConfirmForm"][autofocus]'),
      deviceDone: document.title === 'Sign-in Success' || /sign-in request was interrupted/i.test(bodyText),
    };
  });
}

async function main() {
  // A person takes a moment before the page is dealt with (lets a test see the app waiting).
  const delay = Number(process.env.SIGN_IN_DELAY_MS || 0);
  if (delay > 0) await sleep(Math.min(delay, remaining()));
  const { chromium } = await import('playwright-core');
  say(`playwright-core loaded in ${ms()} ms`);

  const tLaunch = performance.now();
  browser = await chromium.launch({
    executablePath: EXECUTABLE,
    headless: true,
    timeout: Math.min(30000, remaining()),
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  say(`chromium ${browser.version()} started in ${Math.round(performance.now() - tLaunch)} ms`);

  const context = await browser.newContext();
  // Only loopback is reachable here (and all a test needs). Refuse anything
  // else at once, e.g. the Google Fonts @import on oidc-provider's dev pages,
  // instead of letting Chromium try the network.
  const blockedHosts = new Set();
  await context.route((url) => !(url.protocol === 'data:' || url.protocol === 'blob:' || isLoopbackHost(url.hostname)), (route) => {
    const { host } = new URL(route.request().url());
    if (!blockedHosts.has(host)) {
      blockedHosts.add(host);
      say(`blocked request to non-loopback host ${host}`);
    }
    return route.abort('blockedbyclient');
  });

  page = await context.newPage();
  page.setDefaultTimeout(Math.max(1000, Math.min(15000, remaining())));

  // Count main-frame document commits, so we act at most once per document,
  // and remember the HTTP status of the latest main document.
  let navCount = 0;
  let mainStatus = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) navCount += 1;
  });
  let navFailure = '';
  page.on('requestfailed', (req) => {
    if (req.isNavigationRequest() && req.frame() === page.mainFrame()) {
      navFailure = `${safeUrl(req.url())}: ${req.failure()?.errorText ?? 'failed'}`;
    }
  });
  page.on('response', (res) => {
    const req = res.request();
    if (req.isNavigationRequest() && req.frame() === page.mainFrame()) mainStatus = res.status();
  });

  step('open');
  try {
    await page.goto(startUrl.href, { waitUntil: 'commit', timeout: remaining() });
  } catch (err) {
    if (remaining() === 0) return fail('timed out opening the URL');
    return fail(`could not open ${safeUrl(startUrl.href)}: ${errLine(err)}`);
  }

  const counts = new Map();
  let actedOnNav = -1; // navCount when we last acted
  let lastActedAt = 0;
  const errorSince = { nav: -1, at: 0 };

  while (remaining() > 0) {
    let s;
    try {
      s = await inspectPage();
    } catch {
      // Navigation in progress (context destroyed) or page not ready yet.
      await sleep(50);
      continue;
    }

    if (s.result !== null) {
      step('done');
      return finish(0, [
        `#waybill-result: ${JSON.stringify(redact(s.result).slice(0, 300))}`,
        `done in ${ms()} ms at ${safeUrl(page.url())}`,
      ]);
    }

    if (s.deviceDone) {
      step('done');
      return finish(0, [`device page: ${JSON.stringify(redact(s.result ?? ''))}`, `done in ${ms()} ms at ${safeUrl(page.url())}`]);
    }

    const url = page.url();
    if (url.startsWith('chrome-error:')) return fail(`browser error page (could not load ${navFailure || 'the page'})`);
    if (s.providerError) return fail('authorization server error page');

    let kind = null;
    if (s.deviceConfirm) kind = ACTION === 'deny' ? 'device-abort' : 'device-confirm';
    else if (s.login) kind = 'login-form';
    else if (s.consent) kind = 'consent';
    else if (s.approve || s.deny) {
      if (!(ACTION === 'deny' ? s.deny : s.approve)) return fail(`no #${ACTION} button on the page`);
      kind = ACTION;
    }

    if (kind === null) {
      // Unknown page: maybe a redirect or a script is still running. An HTTP
      // error page that stays for a second (on the same document) is final.
      if (mainStatus >= 400) {
        if (errorSince.nav !== navCount) Object.assign(errorSince, { nav: navCount, at: Date.now() });
        else if (Date.now() - errorSince.at > 1000) return fail(`HTTP ${mainStatus} page`);
      }
      await sleep(50);
      continue;
    }

    if (navCount === actedOnNav) {
      // Already acted on this document; wait for it to go away.
      if (Date.now() - lastActedAt > 10000) return fail(`clicked (${kind}) but the page did not change within 10 s`);
      await sleep(50);
      continue;
    }

    const n = (counts.get(kind) ?? 0) + 1;
    counts.set(kind, n);
    if (n > 3) return fail(`${kind} page came back ${n} times (login rejected or a loop?)`);

    actedOnNav = navCount;
    lastActedAt = Date.now();
    try {
      if (kind === 'device-confirm' || kind === 'device-abort') {
        step(kind);
        await page.locator(kind === 'device-abort' ? 'button[name="abort"]' : 'button[form="op.deviceConfirmForm"][autofocus]').first().click();
      } else if (kind === 'login-form' || kind === 'consent') {
        if (ACTION === 'deny') {
          // oidc-provider's dev pages: "[ Cancel ]" aborts the interaction
          // (the client gets error=access_denied).
          step('cancel');
          await page.locator('.login-help a').first().click();
        } else if (kind === 'login-form') {
          step('login-form');
          const form = page.locator('form:has(input[name="login"])').first();
          await form.locator('input[name="login"]').fill(LOGIN);
          await form.locator('input[name="password"]').fill(PASSWORD);
          await form.locator('[type="submit"]').first().click();
        } else {
          step('consent');
          await page.locator('form:has(input[name="prompt"][value="consent"]) [type="submit"]').first().click();
        }
      } else {
        step(kind);
        await page.locator(kind === 'deny' ? '#deny' : '#approve').first().click();
      }
    } catch (err) {
      // The click may race with a navigation the page started itself; look again.
      say(`action ${kind} threw: ${errLine(err)}`);
    }
  }
  return fail(`timed out after ${TIMEOUT_MS} ms`);
}

main().catch((err) => fail(`unexpected: ${errLine(err)}`));
