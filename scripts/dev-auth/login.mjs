/**
 * The dev authorization server's interaction: one page to pick the subject, roles and scopes, then a
 * grant for exactly what was picked. With `login_hint=<subject>` on the authorization request the page
 * is skipped and the requested scopes are granted at once (for scripts and headless clients).
 *
 * The page is the only HTML here; every value written into it is escaped.
 */
import { FILE_SCOPES } from "./provider.mjs";

/** Role names the policy document uses by default (docs/policy.md); others can be typed in. */
const SUGGESTED_ROLES = ["viewer", "editor", "admin"];
export const SUBJECT = /^[A-Za-z0-9._@:+-]{1,128}$/;
const MAX_FORM_BYTES = 16 * 1024;
const MAX_REMEMBERED_GRANTS = 1000;

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
    if (size > MAX_FORM_BYTES) throw new Error("form too large");
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

function renderPage({ uid, client, params, subject, error }) {
  const requested = requestedScopes(params);
  const fileScopes = requested.filter((scope) => FILE_SCOPES.includes(scope));
  const scopeBoxes = fileScopes.length
    ? fileScopes
        .map(
          (scope) =>
            `<label><input type="checkbox" name="scope" value="${escapeHtml(scope)}" checked> ${escapeHtml(scope)}</label>`,
        )
        .join("<br>")
    : "<em>The client requested no file scopes.</em>";
  const roleBoxes = SUGGESTED_ROLES.map(
    (role) => `<label><input type="checkbox" name="roles" value="${role}"> ${role}</label>`,
  ).join(" ");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dev sign-in</title>
<style>body{font:16px system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem}
fieldset{margin:1rem 0}input[type=text]{width:100%;padding:.3rem}.error{color:#b00}</style></head><body>
<h1>Development sign-in</h1>
<p><strong>${escapeHtml(client.clientName ?? client.clientId)}</strong> asks for access to
<code>${escapeHtml(params.resource ?? "the dev MCP server")}</code>. This is the local dev authorization
server: no password, pick who you are.</p>
${error ? `<p class="error">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/interaction/${escapeHtml(uid)}">
<fieldset><legend>Subject (the tenant sandbox)</legend>
<input type="text" name="subject" value="${escapeHtml(subject)}" required pattern="[A-Za-z0-9._@:+\\-]{1,128}"></fieldset>
<fieldset><legend>Roles (the token's <code>roles</code> claim)</legend>${roleBoxes}<br>
<label>other: <input type="text" name="roles" placeholder="space-separated"></label></fieldset>
<fieldset><legend>Scopes to grant</legend>${scopeBoxes}</fieldset>
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form></body></html>`;
}

/**
 * Records the grant: the picked file scopes for the dev resource (the rest of what was asked is
 * rejected, so the consent prompt does not come back), `openid` if asked, and roles + auth time for the
 * access token's extra claims.
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
  grants.set(grantId, { roles, authTime });
  // Bounded like the provider's own in-memory store: the oldest choices go first.
  if (grants.size > MAX_REMEMBERED_GRANTS) grants.delete(grants.keys().next().value);
  return { login: { accountId: subject, ts: authTime, remember: false }, consent: { grantId } };
}

/** Handles GET and POST /interaction/:uid. */
export function createLoginHandler(provider, { resource, grants }) {
  return async function handleInteraction(req, res, uid) {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return send(res, 400, "<p>This sign-in link does not match your session.</p>");
    const { params } = details;
    const client = await provider.Client.find(params.client_id);
    if (!client) return send(res, 400, "<p>Unknown client.</p>");

    const hint = typeof params.login_hint === "string" ? params.login_hint : undefined;
    if (req.method === "GET" && hint !== undefined && SUBJECT.test(hint)) {
      const result = await approve(provider, grants, {
        details,
        subject: hint,
        scopes: requestedScopes(params),
        roles: [],
        resource,
      });
      return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    }
    if (req.method === "GET") {
      const subject = hint ?? details.session?.accountId ?? "alice";
      return send(res, 200, renderPage({ uid, client, params, subject }));
    }

    const form = await readForm(req);
    if (form.get("decision") !== "approve") {
      return provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "The user denied the request" },
        { mergeWithLastSubmission: false },
      );
    }
    const subject = (form.get("subject") ?? "").trim();
    if (!SUBJECT.test(subject)) {
      const error = "The subject must be 1-128 letters, digits or . _ @ : + -";
      return send(res, 400, renderPage({ uid, client, params, subject, error }));
    }
    const result = await approve(provider, grants, {
      details,
      subject,
      scopes: form.getAll("scope"),
      roles: parseRoles(form.getAll("roles")),
      resource,
    });
    return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  };
}
