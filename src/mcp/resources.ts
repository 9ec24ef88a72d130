/**
 * The caller's files as MCP resources (spec: server/resources), in both protocol eras:
 * - URI scheme `r2-files:///<path>`: the path from the caller's root, each segment percent-encoded
 *   (RFC 3986). Not `file://`: the files are not on the client's disk. read_media_file's embedded
 *   resources use the same URIs. There is no tenant in a URI: it names a path inside *the caller's*
 *   sandbox, so the same URI read by another caller reads that caller's own file (or nothing).
 * - `resources/list`: files only (directories are not resources), in key order, 100 per page, paged
 *   with the walk's opaque cursor; the trash is never listed.
 * - `resources/templates/list`: one template, `r2-files:///{+path}` (RFC 6570 reserved expansion).
 * - `resources/read`: text when the type is textual and the bytes are UTF-8, a base64 blob otherwise;
 *   capped like read_media_file.
 *
 * Same rules as the tools: the `files:read` scope, the sandbox canonicalizer for every path, and the
 * seam's error mapping (a caller's mistake is a JSON-RPC error naming it: -32602 with `[not_found]` and
 * `data: { uri }` for a missing file, as the 2026-07-28 spec asks and the SDK sends in both eras;
 * an R2 outage is -32603 with HTTP 503).
 */

import { ProtocolErrorCode, type Resource, type Server } from "@modelcontextprotocol/server";
import type { Decision, FactOutcome } from "../audit/audit-facts";
import { ToolError } from "../errors/tool-error";
import { toBase64 } from "../files/base64";
import { MAX_MEDIA_READ_BYTES } from "../files/limits";
import { FALLBACK_MEDIA_TYPE, mediaKind, mediaTypeFor } from "../files/media-type";
import type { Access } from "../policy/access";
import { effectiveScopes } from "../policy/effective-scopes";
import { describeRefusal } from "../policy/refusal";
import { StepUpRequiredError } from "../policy/step-up-required";
import type { SandboxPath } from "../sandbox/sandbox";
import { contentMeta } from "../tools/content-meta";
import { touch } from "../tools/tool-access";
import { JsonRpcError, mapCallFailure } from "./call-failure";
import { contentSummaries, type SeamContext } from "./tool-seam";

export const RESOURCE_SCHEME = "r2-files";
const URI_PREFIX = `${RESOURCE_SCHEME}:///`;
/** Files per resources/list page, and stored objects one page may walk past to find them. */
export const RESOURCE_PAGE = 100;
const RESOURCE_PAGE_VISITS = 1000;
const READ_SCOPE = "files:read" as const;

export const RESOURCE_TEMPLATE = {
  uriTemplate: `${URI_PREFIX}{+path}`,
  name: "file",
  title: "File",
  description: "A file in your sandbox, by its path from your root (e.g. r2-files:///notes/todo.md).",
} as const;

export function toResourceUri(path: SandboxPath): string {
  return URI_PREFIX + path.segments.map(encodeURIComponent).join("/");
}

/** URI → the raw path text (still to be canonicalized by the sandbox); refuses other schemes. */
export function parseResourceUri(uri: string): string {
  if (uri.length > 4096) throw new ToolError("invalid_arguments", "Resource URIs are at most 4096 characters");
  // Another scheme names a resource this server does not have: not found (so it carries data.uri).
  if (!uri.startsWith(URI_PREFIX)) {
    throw new ToolError("not_found", `No such resource; resource URIs here look like ${URI_PREFIX}<path>`, {
      parameter: "uri",
    });
  }
  const rest = uri.slice(URI_PREFIX.length);
  if (rest.includes("?") || rest.includes("#")) {
    throw new ToolError("invalid_arguments", "Resource URIs have no query or fragment", { parameter: "uri" });
  }
  try {
    return rest.split("/").map(decodeURIComponent).join("/");
  } catch {
    throw new ToolError("invalid_arguments", "The resource URI is not valid percent-encoding", { parameter: "uri" });
  }
}

/**
 * A resource request as the one authorize step judges it (src/http/authorize.ts): the `files:read`
 * scope, and what it touches, as the tools that read the same files declare it (`read` the file for
 * resources/read, `list` the root for resources/list, whose entries the storage gate filters). A URI that
 * does not parse touches nothing; the seam then reports it. Undefined for any other method.
 */
export function resourceCallOf(message: {
  readonly method?: unknown;
  readonly params?: unknown;
}): { readonly name: string; readonly scope: "files:read"; readonly accesses: readonly Access[] } | undefined {
  const { method } = message;
  if (method === "resources/list") return { name: method, scope: READ_SCOPE, accesses: [{ action: "list", path: "" }] };
  if (method === "resources/templates/list") return { name: method, scope: READ_SCOPE, accesses: [] };
  if (method !== "resources/read") return undefined;
  const uri = (message.params as { uri?: unknown } | undefined)?.uri;
  try {
    if (typeof uri !== "string") return { name: method, scope: READ_SCOPE, accesses: [] };
    return {
      name: method,
      scope: READ_SCOPE,
      accesses: [touch("read", parseResourceUri(uri), "uri", { allowRoot: false })],
    };
  } catch (error) {
    if (error instanceof ToolError) return { name: method, scope: READ_SCOPE, accesses: [] };
    throw error;
  }
}

/** The path an audit event names: canonical when the URI parses, else the raw URI (capped) as evidence. */
function auditPath(uri: string): string {
  try {
    return `/${parseResourceUri(uri)}`.replace(/^\/+/, "/");
  } catch {
    return uri.slice(0, 512);
  }
}

function typeOf(name: string, stored: string | undefined): string {
  const byName = mediaTypeFor(name);
  if (byName !== FALLBACK_MEDIA_TYPE || !stored) return byName;
  return (stored.split(";")[0] ?? FALLBACK_MEDIA_TYPE).trim().toLowerCase() || FALLBACK_MEDIA_TYPE;
}

/**
 * The tool seam's duties, for resource requests: the scope check, one audit event per request (File
 * Hosting, like a tool call, with the path read), and the mapping that keeps caller faults, outages and
 * bugs apart.
 */
async function guarded<T>(
  context: SeamContext,
  kind: string,
  paths: readonly string[],
  work: () => Promise<T & { bytesRead?: number }>,
  /** The URI a resources/read asked for: a miss echoes it as `data.uri`. */
  requestedUri?: string,
): Promise<T> {
  const { log, audit } = context;
  log.set({ tool: kind });
  const verdict = context.decision;
  let decision: Decision = {
    allowed: verdict?.decision.effect === "allow",
    rule: verdict?.decision.rule ?? `scope:${READ_SCOPE}`,
  };
  const record = (outcome: FactOutcome, extra: { errorCode?: string; bytesRead?: number } = {}) =>
    audit.file({
      tool: kind,
      paths: [...paths],
      outcome,
      decision,
      sensitivity: contentSummaries(context.sandbox),
      ...extra,
    });
  try {
    // Authorised at the edge like a tool call (src/http/authorize.ts, from `resourceCallOf`): the access
    // policy judges resources like the tools that read the same files, so a rule cannot be bypassed
    // through resources. No decision for this very request is a bug, and runs nothing.
    if (verdict === undefined || verdict.tool !== kind) throw new Error(`no policy decision for ${kind}`);
    const made = verdict.decision;
    if (made.effect === "insufficient-scope" || made.effect === "not-entitled") {
      throw new ToolError("forbidden", `Reading resources needs the ${READ_SCOPE} scope.`, { rule: made.rule });
    }
    if (made.effect === "step-up") {
      // Only the login: the HTTP layer answers with the RFC 9470 challenge, as for a tool call.
      throw new StepUpRequiredError(describeRefusal(made, kind), { rule: made.rule }, made);
    }
    if (made.effect !== "allow") {
      throw new ToolError("policy_denied", describeRefusal(made, kind), { rule: made.rule });
    }
    if (!effectiveScopes(context.policy, context.caller).has(READ_SCOPE)) {
      decision = { allowed: false, rule: `scope:${READ_SCOPE}` };
      log.security({ type: "scope_refused", reason: "insufficient_scope", tool: kind, scope: READ_SCOPE });
      throw new ToolError("forbidden", `Reading resources needs the ${READ_SCOPE} scope.`);
    }
    // The daily read budget (QUOTA_DAILY_BYTES_READ) reached at admission: resources reach the same
    // bytes as the read tools, so they are refused alike.
    if (context.refusal) throw context.refusal;
    const { bytesRead, ...result } = await work();
    log.set({ outcome: "ok" });
    record("ok", bytesRead !== undefined ? { bytesRead } : {});
    return result as T;
  } catch (error) {
    const fault = mapCallFailure(error, {
      name: kind,
      log,
      outcome: context.outcome,
      decision,
      callerFault: "client_error",
      record: (outcome, made, extra) =>
        void audit.file({ tool: kind, paths: [...paths], outcome, decision: made, ...extra }),
    });
    // A miss is -32602 whose data is exactly `{ uri }` (2026-07-28 resources, SEP-2164; what the SDK's
    // ResourceNotFoundError sends in both eras, and how its clients recognise one).
    if (fault.code === "not_found" && requestedUri !== undefined) {
      throw new JsonRpcError(ProtocolErrorCode.InvalidParams, `[${fault.code}] ${fault.message}`, {
        uri: requestedUri,
      });
    }
    const code = fault.code === "forbidden" ? ProtocolErrorCode.InvalidRequest : ProtocolErrorCode.InvalidParams;
    throw new JsonRpcError(code, `[${fault.code}] ${fault.message}`);
  }
}

export function registerResources(server: Server, context: SeamContext): void {
  const { sandbox } = context;
  server.setRequestHandler("resources/list", (request) =>
    guarded(context, "resources/list", ["/"], async () => {
      const root = sandbox.resolve("/", "path");
      const resources: Resource[] = [];
      const cursor = request.params?.cursor;
      const summary = await sandbox.walk(root, { cursor, maxVisited: RESOURCE_PAGE_VISITS }, (entries) => {
        for (const entry of entries) {
          if (entry.type !== "file") continue;
          resources.push({
            uri: toResourceUri(entry.path),
            name: entry.path.displayName,
            title: entry.path.display,
            mimeType: mediaTypeFor(entry.path.name),
            size: entry.size,
          });
        }
        return resources.length < RESOURCE_PAGE;
      });
      return { resources, ...(summary.nextCursor ? { nextCursor: summary.nextCursor } : {}) };
    }),
  );
  server.setRequestHandler("resources/templates/list", () =>
    guarded(context, "resources/templates/list", [], async () => ({ resourceTemplates: [RESOURCE_TEMPLATE] })),
  );
  server.setRequestHandler("resources/read", (request) =>
    guarded(
      context,
      "resources/read",
      [auditPath(request.params.uri)],
      async () => {
        const path = sandbox.resolve(parseResourceUri(request.params.uri), "uri", { allowRoot: false });
        const uri = toResourceUri(path);
        const file = await sandbox.openFile(path);
        if (file.info.size > MAX_MEDIA_READ_BYTES) {
          await file.body.cancel();
          throw new ToolError(
            "too_large",
            `${path.display} is ${file.info.size} bytes; resources are read whole up to ${MAX_MEDIA_READ_BYTES}. Use read_text_file with offset/limit.`,
          );
        }
        // UTF-8 text is the caller's redacted view, as text or as a blob (src/sandbox/sandbox-content.ts).
        const seen = sandbox.viewBytes(path, new Uint8Array(await new Response(file.body).arrayBuffer()));
        const bytes = seen.bytes;
        const meta = seen.record ? { _meta: contentMeta(seen.record) } : {};
        const mimeType = typeOf(path.name, file.info.contentType);
        if (mediaKind(mimeType) === "text" && seen.text !== undefined) {
          return { contents: [{ uri, mimeType, text: seen.text }], bytesRead: bytes.byteLength, ...meta };
        }
        return { contents: [{ uri, mimeType, blob: toBase64(bytes) }], bytesRead: bytes.byteLength, ...meta };
      },
      request.params.uri,
    ),
  );
}
