/**
 * The dev authorization server's sign-in page (scripts/dev-auth/login.mjs), through a cookie-keeping
 * "browser" over HTTP: what the page says and how it is labelled, the subject's error, the grant it
 * records, step-up keeping the roles and marking what is new, a refused scope asked again rather than
 * silently left out, and links that lead nowhere answered 400 with a way back, never 500. The real
 * browser (Chromium: keyboard, 375 px, CORS) is test/browser/sign-in.mjs.
 */
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import {
  authorizationUrl,
  type Browse,
  createBrowser,
  exchange,
  followToClient,
  ISSUER,
  openSignInPage,
  pkce,
  REDIRECT_URI,
  registeredClientId,
} from "../support/dev-auth";

type Form = [string, string][];

function approval(subject: string, roles: string[], scopes: string[]): Form {
  return [
    ["subject", subject],
    ...roles.map((role): [string, string] => ["roles", role]),
    ...scopes.map((scope): [string, string] => ["scope", scope]),
    ["decision", "approve"],
  ];
}

/** Posts the page's form and exchanges the code the client gets back; returns the access token's claims. */
async function submitAndExchange(browse: Browse, pageUrl: URL, form: Form, clientId: string, verifier: string) {
  const back = await followToClient(browse, await browse(pageUrl, { method: "POST", body: new URLSearchParams(form) }));
  expect(back.origin + back.pathname).toBe(REDIRECT_URI);
  const response = await exchange(clientId, back.searchParams.get("code") ?? "", verifier);
  expect(response.status).toBe(200);
  return decodeJwt(((await response.json()) as { access_token: string }).access_token);
}

/** One client in one browser session: the page for a scope request, and its token after approval. */
async function session() {
  const clientId = await registeredClientId();
  const browse = createBrowser();
  return {
    clientId,
    browse,
    async page(scope: string) {
      const { verifier, challenge } = await pkce();
      const pageUrl = await openSignInPage(browse, authorizationUrl(clientId, challenge, { scope }));
      const page = await browse(pageUrl);
      expect(page.status).toBe(200);
      return { pageUrl, verifier, html: await page.text() };
    },
  };
}

/** The checkbox inputs as the page renders them: `value` → checked. */
function boxes(html: string, name: string): Record<string, boolean> {
  const found: Record<string, boolean> = {};
  for (const [tag] of html.matchAll(new RegExp(`<input type="checkbox"[^>]*name="${name}"[^>]*>`, "g"))) {
    const value = /value="([^"]*)"/.exec(tag)?.[1] ?? "";
    found[value] = / checked/.test(tag);
  }
  return found;
}

describe("what the page says", () => {
  it("works on a phone and with a screen reader: viewport, a label per field, hints, the dev-only banner", async () => {
    const { html } = await (await session()).page("files:read files:write files:delete");
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain("Development only:</strong> anyone on this machine can sign in as anyone.");
    // Every input has a <label for> (checkboxes and text fields alike).
    const ids = [...html.matchAll(/<input [^>]*id="([^"]+)"/g)].map((match) => match[1]);
    expect(ids).toEqual(expect.arrayContaining(["subject", "roles-other", "role-editor", "scope-files-delete"]));
    for (const id of ids) expect(html, id).toContain(`<label for="${id}">`);
    expect(html).toMatch(/<input type="text" id="subject"[^>]*aria-describedby="subject-hint"/);
    expect(html).toContain('id="subject-hint">1 to 128 letters, digits or . _ @ : + - (for example alice)');
    // No `pattern`: the browser's "Please match the requested format" is replaced by the page's own words.
    expect(html).not.toContain("pattern=");
  });

  it("gives one line per scope and per role with what it means, and when roles matter", async () => {
    const { html } = await (await session()).page("files:read files:write files:delete");
    expect(html).toContain("<code>files:read</code>: list, read and search files, and see the trash");
    expect(html).toContain("<code>files:write</code>: create, edit, move, copy and restore files");
    expect(html).toContain("<code>files:delete</code>: delete files (into the recoverable trash) and empty the trash");
    expect(html).toContain("<strong>viewer</strong>: read only");
    expect(html).toContain("<strong>editor</strong>: read and write");
    expect(html).toContain("<strong>admin</strong>: read, write and delete, and change archive/");
    expect(html).toContain("Roles only matter when the\nserver runs with <code>ACCESS_POLICY</code> set");
    // A first sign-in marks nothing as new.
    expect(html).not.toContain('class="new"');
  });

  it("escapes what the client chose to be called", async () => {
    const clientId = await registeredClientId({ client_name: '<img src=x onerror="alert(1)">' });
    const browse = createBrowser();
    const pageUrl = await openSignInPage(browse, authorizationUrl(clientId, (await pkce()).challenge, {}));
    const page = await browse(pageUrl);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).not.toContain("<img src=x");
    expect(html).toContain("&lt;img src=x");
  });
});

describe("what the page grants", () => {
  it("exactly the picked subject, roles and scopes", async () => {
    const { clientId, browse, page } = await session();
    const { pageUrl, verifier, html } = await page("files:read files:write");
    expect(boxes(html, "scope")).toEqual({ "files:read": true, "files:write": true });
    const claims = await submitAndExchange(
      browse,
      pageUrl,
      approval("bob", ["editor", "auditor extra"], ["files:read"]),
      clientId,
      verifier,
    );
    expect(claims).toMatchObject({ sub: "bob", scope: "files:read", roles: ["editor", "auditor", "extra"] });
  });

  it.each([
    ["../other-tenant", '"../other-tenant" cannot be a subject: use 1 to 128 letters, digits or . _ @ : + -'],
    ["", "Enter a subject: 1 to 128 letters, digits or . _ @ : + -"],
  ])("a bad subject %j: 400, the page again with the error in words, tied to the field", async (subject, text) => {
    const { browse, page } = await session();
    const { pageUrl } = await page("files:read");
    const form = [...approval(subject, ["editor"], ["files:read"])];
    const response = await browse(pageUrl, { method: "POST", body: new URLSearchParams(form) });
    expect(response.status).toBe(400);
    const html = await response.text();
    expect(html).toContain(`<p class="error" id="subject-error" role="alert">${text.replaceAll('"', "&quot;")}`);
    expect(html).toMatch(
      /id="subject"[^>]*aria-describedby="subject-error subject-hint" aria-invalid="true" autofocus/,
    );
    expect(html).toContain(`action="${pageUrl.pathname}"`);
    // What was chosen is kept.
    expect(boxes(html, "roles").editor).toBe(true);
  });

  it("no scope ticked: 400 asking to tick one or deny, and the same page still works", async () => {
    const { clientId, browse, page } = await session();
    const { pageUrl, verifier } = await page("files:read files:write");
    const refused = await browse(pageUrl, { method: "POST", body: new URLSearchParams(approval("carol", [], [])) });
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain('role="alert">Tick at least one scope to grant, or choose Deny.');
    expect(boxes(html, "scope")).toEqual({ "files:read": false, "files:write": false });
    const claims = await submitAndExchange(browse, pageUrl, approval("carol", [], ["files:write"]), clientId, verifier);
    expect(claims.scope).toBe("files:write");
  });

  it("deny sends access_denied with a description back to the client and issues nothing", async () => {
    const { browse, page } = await session();
    const { pageUrl } = await page("files:read");
    const back = await followToClient(
      browse,
      await browse(pageUrl, { method: "POST", body: new URLSearchParams({ decision: "deny" }) }),
    );
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("error_description")).toBe("The user denied the request on the sign-in page");
    expect(back.searchParams.get("code")).toBeNull();
  });
});

describe("step-up and refused scopes", () => {
  it("step-up selects the earlier roles again and marks the newly asked scope; the token keeps the roles", async () => {
    const { clientId, browse, page } = await session();
    const first = await page("files:read files:write");
    const before = await submitAndExchange(
      browse,
      first.pageUrl,
      approval("dana", ["editor", "auditor"], ["files:read", "files:write"]),
      clientId,
      first.verifier,
    );
    expect(before.roles).toEqual(["editor", "auditor"]);

    const stepUp = await page("files:read files:write files:delete");
    expect(stepUp.html).toContain('value="dana"');
    expect(boxes(stepUp.html, "roles")).toEqual({ viewer: false, editor: true, admin: false });
    expect(stepUp.html).toMatch(/id="roles-other" name="roles" value="auditor"/);
    expect(stepUp.html).toContain('<code>files:delete</code> <span class="new">new</span>:');
    expect(stepUp.html).not.toContain('<code>files:read</code> <span class="new">');
    expect(stepUp.html).toContain("It already holds <code>files:read</code>, <code>files:write</code>");

    // Submitting what the page shows (as a person pressing Approve does) keeps the roles.
    const after = await submitAndExchange(
      browse,
      stepUp.pageUrl,
      approval("dana", ["editor", "auditor"], ["files:read", "files:write", "files:delete"]),
      clientId,
      stepUp.verifier,
    );
    expect(after).toMatchObject({
      sub: "dana",
      roles: ["editor", "auditor"],
      scope: "files:read files:write files:delete",
    });
  });

  it("a scope unticked once is asked for again when the client asks for it, never silently left out", async () => {
    const { clientId, browse, page } = await session();
    const first = await page("files:read files:write");
    const narrow = await submitAndExchange(
      browse,
      first.pageUrl,
      approval("erin", [], ["files:read"]),
      clientId,
      first.verifier,
    );
    expect(narrow.scope).toBe("files:read");

    // The same request again: the page, with the refused scope offered (and marked new), not a narrower code.
    const again = await page("files:read files:write");
    expect(boxes(again.html, "scope")).toEqual({ "files:read": true, "files:write": true });
    expect(again.html).toContain('<code>files:write</code> <span class="new">new</span>');
    const wide = await submitAndExchange(
      browse,
      again.pageUrl,
      approval("erin", [], ["files:read", "files:write"]),
      clientId,
      again.verifier,
    );
    expect(wide.scope).toBe("files:read files:write");
  });

  it("refusing every requested scope is not possible by accident: the page insists (no bare access_denied)", async () => {
    const { browse, page } = await session();
    const first = await page("files:delete");
    const response = await browse(first.pageUrl, { method: "POST", body: new URLSearchParams(approval("f", [], [])) });
    expect(response.status).toBe(400);
  });
});

describe("links that lead nowhere", () => {
  function expectWayBack(html: string) {
    expect(html).toContain("This sign-in link is no longer valid");
    expect(html).toContain("Return to the application you were signing in to");
    expect(html).toContain('<meta name="viewport"');
  }

  it("the back button after Approve (GET and POST again): 400 with the way back", async () => {
    const { clientId, browse, page } = await session();
    const { pageUrl, verifier } = await page("files:read");
    await submitAndExchange(browse, pageUrl, approval("gus", [], ["files:read"]), clientId, verifier);
    for (const response of [
      await browse(pageUrl),
      await browse(pageUrl, { method: "POST", body: new URLSearchParams(approval("gus", [], ["files:read"])) }),
    ]) {
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toContain("text/html");
      expectWayBack(await response.text());
    }
  });

  it("an unknown interaction id, or a link opened in another browser: 400 with the way back", async () => {
    const { page } = await session();
    const { pageUrl } = await page("files:read");
    for (const response of [
      await createBrowser()(pageUrl),
      await createBrowser()(`${ISSUER}/interaction/unknown-id`),
      await fetch(`${ISSUER}/interaction/unknown-id`, { method: "POST", body: "decision=approve" }),
    ]) {
      expect(response.status).toBe(400);
      expectWayBack(await response.text());
    }
  });
});
