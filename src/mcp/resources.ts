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
 * seam's error mapping (a caller's mistake is a JSON-RPC error naming it: -32602 with `[not_found]` for a
 * missing file, as the 2026-07-28 spec asks and the SDK sends in both eras;
 * an R2 outage is -32603 with HTTP 503).
 */

import { ProtocolErrorCode, type Resource, type Server } from "@modelcontextprotocol/server";
import type { Decision, FactOutcome } from "../audit/audit-facts";
import { errorDetail } from "../errors/error-detail";
import { DependencyUnavailableError, ToolError } from "../errors/tool-error";
import { toBase64 } from "../files/base64";
import { MAX_MEDIA_READ_BYTES } from "../files/limits";
import { FALLBACK_MEDIA_TYPE, mediaKind, mediaTypeFor } from "../files/media-type";
import type { Access } from "../policy/access";
import { decide } from "../policy/decide";
import { effectiveScopes } from "../policy/effective-scopes";
import { describeRefusal } from "../policy/refusal";
import type { SandboxPath } from "../sandbox/sandbox";
import { PathRefusedError } from "../sandbox/sandbox-path";
import { contentMeta } from "../tools/content-meta";
import { touch } from "../tools/tool-access";
import { contentSummaries, JsonRpcError, type SeamContext } from "./tool-seam";

export const RESOURCE_SCHEME = "r2-files";
const URI_PREFIX = `${RESOURCE_SCHEME}:///`;
/** Files per resources/list page, and stored objects one page may walk past to find them. */
export const RESOURCE_PAGE = 100;
const RESOURCE_PAGE_VISITS = 1000;
const READ_SCOPE = "files:read";

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
  if (!uri.startsWith(URI_PREFIX) || uri.length > 4096) {
    throw new ToolError("invalid_arguments", `Resource URIs look like ${URI_PREFIX}<path>`, { parameter: "uri" });
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
  access: () => readonly Access[],
  work: () => Promise<T & { bytesRead?: number }>,
): Promise<T> {
  const { log, audit } = context;
  log.set({ tool: kind });
  let decision: Decision = { allowed: true, rule: `scope:${READ_SCOPE}` };
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
    if (!effectiveScopes(context.policy, context.caller).has(READ_SCOPE)) {
      decision = { allowed: false, rule: `scope:${READ_SCOPE}` };
      log.security({ type: "scope_refused", reason: "insufficient_scope", tool: kind, scope: READ_SCOPE });
      throw new ToolError("forbidden", `Reading resources needs the ${READ_SCOPE} scope.`);
    }
    // The access policy judges resources like the tools that read the same files (read_*: `read`,
    // listings: `list`), so a rule cannot be bypassed through resources/read. Resources are decided here,
    // not at the edge: a step-up or confirmation rule refuses them as an error naming the rule.
    const verdict = decide(context.policy, {
      caller: context.caller,
      scope: READ_SCOPE,
      accesses: access(),
      now: Math.floor(Date.now() / 1000),
      confirmed: false,
    });
    log.set({ decision: verdict.effect, rule: verdict.rule });
    if (verdict.effect !== "allow") {
      decision = { allowed: false, rule: verdict.rule };
      log.security({ type: "policy_refused", reason: verdict.effect, rule: verdict.rule, tool: kind });
      throw new ToolError("policy_denied", describeRefusal(verdict, kind), { rule: verdict.rule });
    }
    const { bytesRead, ...result } = await work();
    log.set({ outcome: "ok" });
    record("ok", bytesRead !== undefined ? { bytesRead } : {});
    return result as T;
  } catch (error) {
    if (error instanceof ToolError) {
      if (error instanceof PathRefusedError) {
        decision = { allowed: false, rule: `path:${error.rule}` };
        log.security({ type: "path_refused", reason: error.rule, tool: kind });
      }
      record(decision.allowed ? "client_error" : "denied", { errorCode: error.code });
      log.set({ outcome: "client_error", errorCode: error.code });
      const code =
        error.code === "not_found"
          ? ProtocolErrorCode.ResourceNotFound
          : error.code === "forbidden"
            ? ProtocolErrorCode.InvalidRequest
            : ProtocolErrorCode.InvalidParams;
      throw new JsonRpcError(code, `[${error.code}] ${error.message}`);
    }
    if (error instanceof DependencyUnavailableError) {
      record("unavailable", { errorCode: `${error.dependency}_unavailable` });
      context.outcome.failure = "unavailable";
      log.set({ outcome: "unavailable", errorCode: `${error.dependency}_unavailable` });
      log.security({
        type: "dependency_unavailable",
        reason: error.dependency,
        tool: kind,
        detail: errorDetail(error.cause),
      });
      throw new JsonRpcError(ProtocolErrorCode.InternalError, "Storage is temporarily unavailable; retry later.");
    }
    context.outcome.failure = "internal";
    record("server_error", { errorCode: "internal_error" });
    log.set({ outcome: "server_error", errorCode: "internal_error" });
    log.security({ type: "internal_error", reason: "unhandled_exception", tool: kind, detail: errorDetail(error) });
    throw new JsonRpcError(ProtocolErrorCode.InternalError, `Internal error (request ${log.requestId}).`);
  }
}

export function registerResources(server: Server, context: SeamContext): void {
  const { sandbox } = context;
  server.setRequestHandler("resources/list", (request) =>
    guarded(
      context,
      "resources/list",
      ["/"],
      () => [{ action: "list", path: "" }],
      async () => {
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
      },
    ),
  );
  server.setRequestHandler("resources/templates/list", () =>
    guarded(
      context,
      "resources/templates/list",
      [],
      () => [],
      async () => ({ resourceTemplates: [RESOURCE_TEMPLATE] }),
    ),
  );
  server.setRequestHandler("resources/read", (request) =>
    guarded(
      context,
      "resources/read",
      [auditPath(request.params.uri)],
      () => [touch("read", parseResourceUri(request.params.uri), "uri", { allowRoot: false })],
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
    ),
  );
}
