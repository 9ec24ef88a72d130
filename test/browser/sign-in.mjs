/**
 * The browser client's path in a real browser (`npm run test:browser`, in .ci/run): Debian's Chromium,
 * driven by puppeteer-core, against `npm run dev`.
 *
 * - A test page (test/browser/page/) is served from its own origin, http://127.0.0.1:<page port>, which
 *   `npm run dev` is told to allow (ALLOWED_ORIGINS): every OAuth and MCP request the page makes is a
 *   real cross-origin fetch, preflighted where the headers demand it, so CORS on the Worker and on the
 *   dev authorization server is exercised by the browser itself. The same page from http://localhost
 *   (another origin, not allowed) must be blocked.
 * - Discovery (401 → metadata), registration, the sign-in page operated by keyboard only (Tab, typing,
 *   Space, Enter; a bad subject first), the token exchange, write and read (the read in both protocol
 *   eras, so 2026-07-28's Mcp-Method and Mcp-Name headers are preflighted too); then delete → 403
 *   insufficient_scope → step-up to files:delete, where the page must have kept the roles and marked the
 *   new scope; the new token keeps the roles; delete works. A stale sign-in link answers 400.
 * - At 375 px (a phone, with the viewport meta honoured): nothing overflows — the page is not wider than
 *   the screen and every field and button lies inside its box — and every field has an accessible name.
 * - Screenshots go to dist/browser-screenshots/ (kept as a CI artifact).
 *
 * Ports: BROWSER_DEV_PORT (the Worker, default 9200; the authorization server takes the next one) and
 * BROWSER_PAGE_PORT (the test page, default 9202). Chromium: CHROMIUM_PATH, default /usr/bin/chromium
 * (`bash .ci/install-chromium.sh` installs it). Exits non-zero on any failure.
 */

import { strict as assert } from "node:assert";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt } from "jose";
import puppeteer from "puppeteer-core";
import { ROOT, startDevServer, waitUntilUp } from "../e2e/dev-server.mjs";

const DEV_PORT = Number(process.env.BROWSER_DEV_PORT ?? 9200);
const PAGE_PORT = Number(process.env.BROWSER_PAGE_PORT ?? 9202);
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const MCP_URL = `http://127.0.0.1:${DEV_PORT}/mcp`;
const ISSUER = `http://127.0.0.1:${DEV_PORT + 1}`;
const PAGE_ORIGIN = `http://127.0.0.1:${PAGE_PORT}`;
// The same server under another name: another origin, which nobody allowed.
const FOREIGN_ORIGIN = `http://localhost:${PAGE_PORT}`;
const SCREENSHOTS = join(ROOT, "dist", "browser-screenshots");
const PHONE = { width: 375, height: 812, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
const SUBJECT = `browser-${Date.now().toString(36)}`;

function log(message) {
  console.error(`[browser] ${message}`);
}

/** Serves test/browser/page/: index.html for every page path, client.js as a module. */
function startPageServer() {
  const dir = join(ROOT, "test", "browser", "page");
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", PAGE_ORIGIN).pathname;
    const [file, type] =
      path === "/client.js" ? ["client.js", "text/javascript"] : ["index.html", "text/html; charset=utf-8"];
    res.writeHead(200, { "content-type": type, "cache-control": "no-store" });
    res.end(readFileSync(join(dir, file)));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(PAGE_PORT, "127.0.0.1", () => resolve(server));
  });
}

async function screenshot(page, name) {
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  log(`screenshot ${path}`);
}

/**
 * Nothing sticks out at this width: the layout viewport is the device's (the viewport meta works), the
 * document is no wider than it, and every field, label and button lies inside the screen and inside the
 * box that holds it.
 */
async function assertNoOverflow(page, what) {
  const report = await page.evaluate(() => {
    const root = document.documentElement;
    const problems = [];
    const width = root.clientWidth;
    for (const element of document.querySelectorAll("input, button, label, legend, p, code, h1, fieldset")) {
      const box = element.getBoundingClientRect();
      if (box.width === 0) continue;
      const name = `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ""}`;
      if (box.left < 0 || box.right > width + 0.5) problems.push(`${name} spans ${box.left}-${box.right} of ${width}`);
      const holder = element.parentElement?.closest(".choice, fieldset, form, main");
      if (holder && (element.tagName === "INPUT" || element.tagName === "BUTTON")) {
        const outer = holder.getBoundingClientRect();
        if (box.left < outer.left - 0.5 || box.right > outer.right + 0.5) {
          problems.push(`${name} (${box.left}-${box.right}) sticks out of its box (${outer.left}-${outer.right})`);
        }
      }
    }
    return { clientWidth: width, scrollWidth: root.scrollWidth, problems };
  });
  assert.equal(report.clientWidth, PHONE.width, `${what}: laid out at the device width (viewport meta)`);
  assert.ok(report.scrollWidth <= report.clientWidth, `${what}: ${report.scrollWidth} px wide on a 375 px screen`);
  assert.deepEqual(report.problems, [], `${what}: overflow`);
}

/**
 * Every form control is reachable by a screen reader under a name (the accessibility tree Chromium
 * builds, as assistive technology reads it). Returns the checkboxes' names.
 */
async function assertAccessibleNames(page) {
  const snapshot = await page.accessibility.snapshot({ interestingOnly: true });
  const controls = [];
  const visit = (node) => {
    if (["textbox", "checkbox", "button"].includes(node.role)) controls.push({ role: node.role, name: node.name });
    for (const child of node.children ?? []) visit(child);
  };
  visit(snapshot);
  assert.deepEqual(
    controls.filter((control) => !control.name?.trim()),
    [],
    "every field and button has an accessible name",
  );
  assert.ok(
    controls.some((control) => control.role === "textbox" && control.name === "Subject (your sandbox)"),
    `the subject field is named: ${JSON.stringify(controls)}`,
  );
  return controls.filter((control) => control.role === "checkbox").map((control) => control.name);
}

/** Presses Tab until `selector` has the focus (keyboard only; bounded). */
async function tabTo(page, selector) {
  for (let presses = 0; presses < 25; presses++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`Tab never reached ${selector}`);
}

async function navigate(page, action) {
  const [response] = await Promise.all([page.waitForNavigation({ waitUntil: "load" }), action()]);
  return response;
}

/** The page's /callback: waits for the token exchange the page does itself. */
async function callbackResult(page) {
  assert.equal(new URL(page.url()).origin + new URL(page.url()).pathname, `${PAGE_ORIGIN}/callback`);
  const result = await page.evaluate(() => window.callbackResult);
  assert.ok(result.ok, `the callback failed: ${JSON.stringify(result)}`);
  return result;
}

async function run(browser) {
  const page = await browser.newPage();
  const consoleErrors = [];
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  await page.setViewport(PHONE);
  // Generous: CI shares two cores with wrangler and workerd. This only bounds a hang.
  page.setDefaultTimeout(60_000);

  // 1. Another origin, not allowed: the browser itself blocks metadata and registration.
  await page.goto(`${FOREIGN_ORIGIN}/`);
  const blocked = await page.evaluate(async (mcpUrl) => {
    const attempts = [];
    for (const request of [
      () => fetch(`${new URL(mcpUrl).origin}/.well-known/oauth-protected-resource/mcp`),
      () => fetch(mcpUrl, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }),
    ]) {
      attempts.push(
        await request().then(
          (response) => `answered ${response.status}`,
          () => "blocked",
        ),
      );
    }
    return attempts;
  }, MCP_URL);
  assert.deepEqual(blocked, ["blocked", "blocked"], "a page on a disallowed origin reads nothing");
  log(`${FOREIGN_ORIGIN} (not allowed): metadata and /mcp blocked by the browser`);
  consoleErrors.length = 0; // the browser reported exactly those blocks

  // 2. The allowed origin: discovery and registration by cross-origin fetch.
  await page.goto(`${PAGE_ORIGIN}/`);
  const discovered = await page.evaluate((mcpUrl) => window.mcpClient.discover(mcpUrl), MCP_URL);
  assert.equal(discovered.issuer, ISSUER);
  assert.equal(discovered.resource, MCP_URL);
  assert.equal(discovered.scope, "files:read files:write", "the 401 challenge's scope, read through CORS");
  const clientId = await page.evaluate(() => window.mcpClient.register());
  assert.ok(clientId, "registered");
  log(`discovered ${ISSUER} and registered ${clientId} from ${PAGE_ORIGIN}`);

  // 3. The sign-in page, by keyboard.
  const firstUrl = await page.evaluate((scope) => window.mcpClient.authorizationUrl(scope), discovered.scope);
  await navigate(page, () => page.evaluate((url) => location.assign(url), firstUrl));
  const signInUrl = page.url();
  assert.match(signInUrl, new RegExp(`^${ISSUER}/interaction/`));
  await assertNoOverflow(page, "sign-in page");
  await assertAccessibleNames(page);
  await screenshot(page, "sign-in-375");

  await tabTo(page, "#subject");
  await page.keyboard.down("Control");
  await page.keyboard.press("KeyA");
  await page.keyboard.up("Control");
  await page.keyboard.type("../someone-else");
  const refused = await navigate(page, () => page.keyboard.press("Enter"));
  assert.equal(refused.status(), 400, "a bad subject is refused");
  const error = await page.$eval("#subject-error", (element) => element.textContent);
  assert.match(error, /cannot be a subject: use 1 to 128 letters, digits/);
  const focused = await page.evaluate(() => ({
    id: document.activeElement?.id,
    invalid: document.activeElement?.getAttribute("aria-invalid"),
  }));
  assert.deepEqual(focused, { id: "subject", invalid: "true" }, "the focus is back on the field, marked invalid");
  await assertNoOverflow(page, "sign-in page with an error");
  await screenshot(page, "sign-in-error-375");

  await page.keyboard.down("Control");
  await page.keyboard.press("KeyA");
  await page.keyboard.up("Control");
  await page.keyboard.type(SUBJECT);
  await tabTo(page, "#role-editor");
  await page.keyboard.press("Space");
  await tabTo(page, "button[value=approve]");
  await navigate(page, () => page.keyboard.press("Enter"));
  const first = await callbackResult(page);
  const firstClaims = decodeJwt(first.accessToken);
  assert.equal(firstClaims.sub, SUBJECT);
  assert.equal(firstClaims.scope, "files:read files:write");
  assert.deepEqual(firstClaims.roles, ["editor"]);
  assert.equal(first.refresh, false, "no refresh token");
  log(`signed in by keyboard as ${SUBJECT} (editor), token exchanged from ${PAGE_ORIGIN}`);

  // 4. MCP calls with the token, cross-origin.
  const call = (name, args, options) => page.evaluate((n, a, o) => window.mcpClient.call(n, a, o), name, args, options);
  const written = await call("write_file", { path: "browser/hello.md", content: "hello from Chromium" });
  assert.equal(written.status, 200, JSON.stringify(written.body));
  assert.ok(written.requestId, "X-Request-Id is exposed");
  const read = await call("read_text_file", { path: "browser/hello.md" });
  assert.equal(read.body.result.content[0].text, "hello from Chromium");
  // The same read in the 2026-07-28 era: Mcp-Method, Mcp-Name and Mcp-Param-Path must pass the preflight too.
  const modernRead = await call("read_text_file", { path: "browser/hello.md" }, { modern: true });
  assert.equal(modernRead.status, 200, JSON.stringify(modernRead.body));
  assert.equal(modernRead.body.result.content[0].text, "hello from Chromium");
  const denied = await call("delete_file", { path: "browser/hello.md" });
  assert.equal(denied.status, 403);
  assert.match(denied.challenge, /error="insufficient_scope"/);
  const stepUpScope = /scope="([^"]*)"/.exec(denied.challenge)?.[1];
  assert.equal(stepUpScope, "files:read files:write files:delete");
  log("wrote and read (2025 and 2026-07-28 eras); delete answered 403 insufficient_scope");

  // 5. The back button after Approve: the old sign-in link is dead, and says where to go.
  const stale = await page.goto(signInUrl);
  assert.equal(stale.status(), 400);
  assert.match(await page.content(), /Return to the application you were signing in to/);
  await assertNoOverflow(page, "stale link page");
  await screenshot(page, "stale-link-375");
  await page.goto(`${PAGE_ORIGIN}/`);

  // 6. Step-up: the page keeps the roles and marks the new scope; approve by keyboard.
  const stepUpUrl = await page.evaluate((scope) => window.mcpClient.authorizationUrl(scope), stepUpScope);
  await navigate(page, () => page.evaluate((url) => location.assign(url), stepUpUrl));
  assert.match(page.url(), new RegExp(`^${ISSUER}/interaction/`));
  const shown = await page.evaluate(() => ({
    subject: document.querySelector("#subject").value,
    editor: document.querySelector("#role-editor").checked,
    viewer: document.querySelector("#role-viewer").checked,
    newScopes: [...document.querySelectorAll(".choice .new")].map((badge) => badge.closest("label")?.htmlFor),
  }));
  assert.deepEqual(shown, { subject: SUBJECT, editor: true, viewer: false, newScopes: ["scope-files-delete"] });
  const checkboxes = await assertAccessibleNames(page);
  assert.ok(
    checkboxes.includes("files:delete new: delete files (into the recoverable trash) and empty the trash"),
    `a screen reader hears that files:delete is new: ${JSON.stringify(checkboxes)}`,
  );
  await assertNoOverflow(page, "step-up page");
  await screenshot(page, "step-up-375");
  await tabTo(page, "button[value=approve]");
  await navigate(page, () => page.keyboard.press("Enter"));
  const second = await callbackResult(page);
  const secondClaims = decodeJwt(second.accessToken);
  assert.equal(secondClaims.scope, "files:read files:write files:delete");
  assert.deepEqual(secondClaims.roles, ["editor"], "step-up kept the roles");
  assert.equal(secondClaims.sub, SUBJECT);
  const deleted = await call("delete_file", { path: "browser/hello.md" });
  assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
  assert.ok(!deleted.body.result.isError, JSON.stringify(deleted.body));
  log("stepped up to files:delete keeping the roles; deleted");

  // 7. The sign-in page on a desktop, for the record: a fresh browser profile (no session), a new client.
  const context = await browser.createBrowserContext();
  const desktop = await context.newPage();
  desktop.setDefaultTimeout(60_000);
  await desktop.setViewport({ width: 1280, height: 900 });
  await desktop.goto(`${PAGE_ORIGIN}/`);
  await desktop.evaluate(async (mcpUrl) => {
    await window.mcpClient.discover(mcpUrl);
    await window.mcpClient.register();
  }, MCP_URL);
  const desktopUrl = await desktop.evaluate(() => window.mcpClient.authorizationUrl("files:read files:write"));
  await navigate(desktop, () => desktop.evaluate((url) => location.assign(url), desktopUrl));
  assert.match(desktop.url(), new RegExp(`^${ISSUER}/interaction/`));
  await screenshot(desktop, "sign-in-desktop");
  await context.close();

  // The 401, 403 and 400 answers above are logged by the browser as failed loads; anything else (a CORS
  // block, a script error) is a failure.
  assert.deepEqual(
    consoleErrors.filter((text) => !text.startsWith("Failed to load resource: the server responded with a status of")),
    [],
    "no other console errors",
  );
}

mkdirSync(SCREENSHOTS, { recursive: true });
const stateDir = mkdtempSync(join(tmpdir(), "browser-test-"));
const profileDir = mkdtempSync(join(tmpdir(), "browser-test-profile-"));
const pageServer = await startPageServer();
const dev = startDevServer({ port: DEV_PORT, stateDir, env: { ALLOWED_ORIGINS: PAGE_ORIGIN } });
let browser;
let failed = false;
try {
  await waitUntilUp(dev, new URL(MCP_URL).origin, ISSUER);
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    // Exactly these flags, nothing of puppeteer's defaults: offline, no sandbox (CI containers run as
    // root), a throwaway profile.
    ignoreDefaultArgs: true,
    pipe: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      `--user-data-dir=${profileDir}`,
    ],
  });
  log(`${await browser.version()} at ${CHROMIUM}`);
  await run(browser);
  log("OK");
} catch (error) {
  failed = true;
  console.error(error);
  console.error(`--- npm run dev output ---\n${dev.output()}`);
} finally {
  await browser?.close();
  await dev.stop();
  pageServer.closeAllConnections();
  pageServer.close();
  rmSync(stateDir, { recursive: true, force: true });
  rmSync(profileDir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
