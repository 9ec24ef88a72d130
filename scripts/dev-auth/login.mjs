/**
 * The dev authorization server's interaction: one page to pick the subject, roles and scopes, then a
 * grant for exactly what was picked. With `login_hint=<subject>` on the authorization request the page
 * is skipped and the requested scopes are granted at once (for scripts and headless clients).
 *
 * The page is the only HTML here; every value written into it is escaped. It is meant for a phone and a
 * screen reader as much as a desktop: a viewport, a label for every field, the subject's format as a
 * hint and its error in words, one line per scope and role saying what it means. On step-up (the same
 * client in the same browser session asks for more) the earlier grant's roles are selected again and
 * the newly asked scopes are marked. A link that no longer leads anywhere (used, expired, another
 * browser's) gets a 400 page that sends the user back to the client, never a server error.
 */
import { errors } from "oidc-provider";
import { FILE_SCOPES } from "./provider.mjs";

export const SUBJECT = /^[A-Za-z0-9._@:+-]{1,128}$/;
const SUBJECT_HINT = "1 to 128 letters, digits or . _ @ : + - (for example alice)";
const MAX_FORM_BYTES = 16 * 1024;
const MAX_REMEMBERED_GRANTS = 1000;

/** What each scope lets the client do (docs/tools.md lists the tools per scope). */
const SCOPE_MEANINGS = {
  "files:read": "list, read and search files, and see the trash",
  "files:write": "create, edit, move, copy and restore files",
  "files:delete": "delete files (into the recoverable trash) and empty the trash",
};

/** Role names the example policy uses (docs/policy.md), with what they mean there; others can be typed in. */
const SUGGESTED_ROLES = {
  viewer: "read only",
  editor: "read and write",
  admin: "read, write and delete, and change archive/",
};

class FormTooLarge extends Error {}

function escapeHtml(value) {
  return String(value).replace(
    /[&<>"']/g,
    (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char],
  );
}

function requestedScopes(params) {
  return String(params.scope ?? "")
    .split(" ")
    .filter((scope) => scope.length > 0);
}

function parseRoles(values) {
  return [...new Set(values.flatMap((value) => value.split(/[\s,]+/)).filter((role) => /^[\w.:-]{1,64}$/.test(role)))];
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new FormTooLarge();
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

function send(res, status, html) {
  res.writeHead(status, {
    "content-type": "text/html; charset=utf-8",
    "cache-control": "no-store",
    // No form-action: browsers apply it to the redirects after the POST, which end at the client.
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
    "x-frame-options": "DENY",
  });
  res.end(html);
}

// border-box and min-width:0 on fieldsets keep every box inside a 375 px screen; long client names and
// URLs wrap instead of widening the page.
const STYLE = `*,*::before,*::after{box-sizing:border-box}
body{font:16px/1.5 system-ui,sans-serif;color:#1b1b1b;max-width:36rem;margin:0 auto;padding:1rem;overflow-wrap:anywhere}
h1{font-size:1.5rem;margin:.75rem 0}
.banner{background:#fff4ce;border:1px solid #b58900;border-radius:4px;padding:.5rem .75rem;margin:0}
fieldset{margin:1rem 0;padding:.5rem .75rem .75rem;border:1px solid #8a8a8a;border-radius:4px;min-width:0}
legend{font-weight:600;padding:0 .25rem}
label{display:block}
input[type=text]{display:block;width:100%;max-width:100%;padding:.4rem .5rem;font:inherit;border:1px solid #666;border-radius:3px}
input[aria-invalid=true]{border:2px solid #a00}
.choice{display:flex;gap:.5rem;align-items:flex-start;margin:.4rem 0}
.choice input{flex:none;width:1.1rem;height:1.1rem;margin:.2rem 0 0}
.choice label{flex:1;min-width:0}
.hint{color:#3d3d3d;font-size:.9rem;margin:.25rem 0 .5rem}
.error{color:#a00;font-weight:600;margin:.5rem 0}
.new{background:#dbeafe;color:#0b3d91;font-size:.8rem;font-weight:600;padding:0 .4rem;border-radius:3px}
.buttons{display:flex;flex-wrap:wrap;gap:.75rem;margin-top:1rem}
button{font:inherit;padding:.5rem 1.25rem;min-height:2.75rem;border-radius:4px;border:1px solid #444}
button[value=approve]{background:#1a5fb4;color:#fff;border-color:#1a5fb4}
:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}`;

function layout(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>
<p class="banner" role="note"><strong>Development only:</strong> anyone on this machine can sign in as anyone.
There is no password; a deployment signs in through your identity provider.</p>
${body}
</main></body></html>`;
}

/** The 400 page for a link that leads nowhere: what happened and what to do. */
function deadEndPage(title, reason) {
  return layout(
    title,
    `<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(reason)} Nothing was granted from this page.</p>
<p><strong>Return to the application you were signing in to</strong> (your MCP client) and start the
sign-in again there; it will bring you back to a fresh page.</p>`,
  );
}

const STALE_LINK = {
  title: "This sign-in link is no longer valid",
  reason:
    "It was already used (the back button after Approve or Deny leads here), it expired after ten minutes, or it was opened in another browser.",
};

function checkbox({ id, name, value, checked, label, describedBy }) {
  return `<div class="choice"><input type="checkbox" id="${id}" name="${name}" value="${escapeHtml(value)}"${
    checked ? " checked" : ""
  }${describedBy ? ` aria-describedby="${describedBy}"` : ""}><label for="${id}">${label}</label></div>`;
}

/**
 * @param {{ uid: string, client: { clientId: string, clientName?: string }, params: Record<string, unknown>,
 *   subject: string, roles: string[], scopes?: string[], earlier?: { roles: string[], scopes: string[] },
 *   subjectError?: string, scopeError?: string }} view
 */
function renderPage({ uid, client, params, subject, roles, scopes, earlier, subjectError, scopeError }) {
  const requested = requestedScopes(params);
  const fileScopes = requested.filter((scope) => FILE_SCOPES.includes(scope));
  const ticked = new Set(scopes ?? fileScopes);
  const newScopes = earlier ? fileScopes.filter((scope) => !earlier.scopes.includes(scope)) : [];
  const scopeBoxes = fileScopes.length
    ? fileScopes
        .map((scope) =>
          checkbox({
            id: `scope-${scope.replace(":", "-")}`,
            name: "scope",
            value: scope,
            checked: ticked.has(scope),
            label: `<code>${escapeHtml(scope)}</code>${
              newScopes.includes(scope) ? ' <span class="new">new</span>' : ""
            }: ${SCOPE_MEANINGS[scope]}`,
          }),
        )
        .join("\n")
    : "<p><em>The client requested no file scopes.</em></p>";
  const chosenRoles = new Set(roles);
  const roleBoxes = Object.entries(SUGGESTED_ROLES)
    .map(([role, meaning]) =>
      checkbox({
        id: `role-${role}`,
        name: "roles",
        value: role,
        checked: chosenRoles.has(role),
        label: `<strong>${role}</strong>: ${meaning}`,
      }),
    )
    .join("\n");
  const otherRoles = roles.filter((role) => !(role in SUGGESTED_ROLES)).join(" ");
  const subjectDescribedBy = subjectError ? "subject-error subject-hint" : "subject-hint";
  const stepUp =
    earlier && newScopes.length > 0
      ? `<p>It already holds ${earlier.scopes.map((scope) => `<code>${escapeHtml(scope)}</code>`).join(", ") || "no file scope"}
and now asks for more: the scopes marked <span class="new">new</span>. The roles you chose then are selected again.</p>`
      : "";
  return layout(
    "Development sign-in",
    `<h1>Development sign-in</h1>
<p><strong>${escapeHtml(client.clientName ?? client.clientId)}</strong> asks for access to
<code>${escapeHtml(params.resource ?? "the dev MCP server")}</code>. Pick who you are and what to allow.</p>
${stepUp}
<form method="post" action="/interaction/${escapeHtml(uid)}">
<fieldset><legend>Who you are</legend>
<label for="subject">Subject (your sandbox)</label>
<p class="hint" id="subject-hint">${SUBJECT_HINT}. Your files live under this name; another subject is another
sandbox.</p>
${subjectError ? `<p class="error" id="subject-error" role="alert">${escapeHtml(subjectError)}</p>` : ""}
<input type="text" id="subject" name="subject" value="${escapeHtml(subject)}" required autocomplete="username"
autocapitalize="none" spellcheck="false" aria-describedby="${subjectDescribedBy}"${
      subjectError ? ' aria-invalid="true" autofocus' : ""
    }>
</fieldset>
<fieldset aria-describedby="roles-hint"><legend>Roles</legend>
<p class="hint" id="roles-hint">Written into the token's <code>roles</code> claim. Roles only matter when the
server runs with <code>ACCESS_POLICY</code> set, which maps each role to scopes and path rules; without it the
scopes below alone decide. What the example policy (docs/policy.md) gives each:</p>
${roleBoxes}
<label for="roles-other">Other roles</label>
<p class="hint" id="roles-other-hint">Separated by spaces or commas, for example <code>auditor</code>.</p>
<input type="text" id="roles-other" name="roles" value="${escapeHtml(otherRoles)}" autocapitalize="none"
spellcheck="false" aria-describedby="roles-other-hint">
</fieldset>
<fieldset${scopeError ? ' aria-describedby="scope-error"' : ""}><legend>Scopes to grant</legend>
${scopeError ? `<p class="error" id="scope-error" role="alert">${escapeHtml(scopeError)}</p>` : ""}
${scopeBoxes}
</fieldset>
<div class="buttons">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny" formnovalidate>Deny</button>
</div>
</form>`,
  );
}

/**
 * Records the grant: the picked file scopes for the dev resource (the rest of what was asked is
 * rejected, so this authorization request can finish; the next request that asks for them again shows
 * the page again, provider.mjs), `openid` if asked, and roles, scopes and auth time for the access
 * token's claims and a later step-up page.
 */
async function approve(provider, grants, { details, subject, scopes, roles, resource }) {
  const { params } = details;
  const authTime = Math.floor(Date.now() / 1000);
  const grant = new provider.Grant({ accountId: subject, clientId: params.client_id });
  const requested = requestedScopes(params);
  const granted = requested.filter((scope) => FILE_SCOPES.includes(scope) && scopes.includes(scope));
  const refused = requested.filter((scope) => FILE_SCOPES.includes(scope) && !scopes.includes(scope));
  const opScopes = [...(requested.includes("openid") ? ["openid"] : []), ...granted];
  if (opScopes.length > 0) grant.addOIDCScope(opScopes.join(" "));
  if (granted.length > 0) grant.addResourceScope(resource, granted.join(" "));
  if (refused.length > 0) {
    grant.rejectOIDCScope(refused.join(" "));
    grant.rejectResourceScope(resource, refused.join(" "));
  }
  const grantId = await grant.save();
  grants.set(grantId, { roles, authTime, scopes: granted });
  // Bounded like the provider's own in-memory store: the oldest choices go first.
  if (grants.size > MAX_REMEMBERED_GRANTS) grants.delete(grants.keys().next().value);
  return { login: { accountId: subject, ts: authTime, remember: false }, consent: { grantId } };
}

function finishWithError(provider, req, res, error, description) {
  return provider.interactionFinished(
    req,
    res,
    { error, error_description: description },
    { mergeWithLastSubmission: false },
  );
}

/** Handles GET and POST /interaction/:uid. */
export function createLoginHandler(provider, { resource, grants }) {
  async function handle(req, res, uid) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return send(res, 400, deadEndPage(STALE_LINK.title, STALE_LINK.reason));
    const { params } = details;
    const client = await provider.Client.find(params.client_id);
    if (!client) {
      return send(
        res,
        400,
        deadEndPage(
          "The application is not registered here",
          "The client that started this sign-in is unknown to this dev server (its registration was deleted).",
        ),
      );
    }
    const earlier = details.grantId ? grants.get(details.grantId) : undefined;
    const requested = requestedScopes(params);
    const fileScopes = requested.filter((scope) => FILE_SCOPES.includes(scope));

    const hint = typeof params.login_hint === "string" ? params.login_hint : undefined;
    if (req.method === "GET" && hint !== undefined && SUBJECT.test(hint)) {
      if (fileScopes.length === 0 && !requested.includes("openid")) {
        return finishWithError(provider, req, res, "invalid_scope", noScopeDescription());
      }
      const result = await approve(provider, grants, {
        details,
        subject: hint,
        scopes: requested,
        roles: [],
        resource,
      });
      return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    }
    if (req.method === "GET") {
      const subject = hint ?? details.session?.accountId ?? "alice";
      return send(res, 200, renderPage({ uid, client, params, subject, roles: earlier?.roles ?? [], earlier }));
    }

    const form = await readForm(req);
    if (form.get("decision") !== "approve") {
      return finishWithError(provider, req, res, "access_denied", "The user denied the request on the sign-in page");
    }
    const subject = (form.get("subject") ?? "").trim();
    const roles = parseRoles(form.getAll("roles"));
    const scopes = form.getAll("scope");
    const view = { uid, client, params, subject, roles, scopes, earlier };
    if (!SUBJECT.test(subject)) {
      const subjectError = subject
        ? `"${subject}" cannot be a subject: use ${SUBJECT_HINT}.`
        : `Enter a subject: ${SUBJECT_HINT}.`;
      return send(res, 400, renderPage({ ...view, subjectError }));
    }
    if (fileScopes.length > 0 && !fileScopes.some((scope) => scopes.includes(scope))) {
      return send(res, 400, renderPage({ ...view, scopeError: "Tick at least one scope to grant, or choose Deny." }));
    }
    if (fileScopes.length === 0 && !requested.includes("openid")) {
      return finishWithError(provider, req, res, "invalid_scope", noScopeDescription());
    }
    const result = await approve(provider, grants, { details, subject, scopes, roles, resource });
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  }

  return async function handleInteraction(req, res, uid) {
    try {
      await handle(req, res, uid);
    } catch (error) {
      // A used, expired or foreign interaction (no cookie, no record, another session): the user's way
      // out is back at the client, so say that, with a 400 rather than a server error.
      if (error instanceof errors.SessionNotFound) {
        return send(res, 400, deadEndPage(STALE_LINK.title, STALE_LINK.reason));
      }
      if (error instanceof FormTooLarge) {
        return send(res, 413, deadEndPage("The form was too large", "The sign-in form is limited to 16 KiB."));
      }
      throw error;
    }
  };
}

function noScopeDescription() {
  return `The client requested no scope this server grants (${FILE_SCOPES.join(", ")})`;
}
