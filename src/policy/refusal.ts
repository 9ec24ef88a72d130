/**
 * What a refused caller is told: the rule id and what would be needed (a scope, a fresher login, a
 * certificate, a smaller write, a confirmation), never another rule, another tenant or the document.
 * Paths are shown in the caller's own `/a/b` form; they are the caller's own arguments.
 */
import { writeInParts } from "../files/size-advice";
import type { Access } from "./access";
import type { Decision } from "./decide";

function where(path: string | null): string {
  return path === null ? "" : ` on /${path}`;
}

export function describeRefusal(decision: Exclude<Decision, { effect: "allow" }>, tool: string): string {
  switch (decision.effect) {
    case "deny":
      return `The access policy does not allow ${decision.action}${where(decision.path)} (rule ${decision.rule}).`;
    case "insufficient-scope":
      return `${tool} requires the ${decision.scope} scope (rule ${decision.rule}).`;
    case "not-entitled":
      return `${tool} requires the ${decision.scope} scope, which your roles do not include (rule ${decision.rule}).`;
    case "require-certificate":
      return `${tool} here requires a verified client certificate (rule ${decision.rule}); connect with mutual TLS.`;
    case "limit":
      return (
        `This call would write ${decision.bytes} bytes; your roles allow at most ${decision.maxWriteBytes} bytes per ` +
        `write (rule ${decision.rule}). Nothing was written. ${writeInParts(decision.maxWriteBytes)}`
      );
    case "step-up": {
      const needs: string[] = [];
      if (decision.maxAgeSeconds !== undefined) {
        needs.push(`a sign-in within the last ${decision.maxAgeSeconds} seconds`);
      }
      if (decision.acrValues !== undefined) needs.push(`authentication level ${decision.acrValues.join(" or ")}`);
      return `${tool} requires ${needs.join(" and ")} (rule ${decision.rule}); sign in again and retry.`;
    }
    case "confirm":
      return (
        `${tool} needs a human confirmation (rule ${decision.rule}), and this client cannot ask for one: ` +
        "use a client that supports confirmations (MCP 2026-07-28 input requests)."
      );
  }
}

/** For sample output and messages: the accesses of a call in one line. */
export function describeAccesses(accesses: readonly Access[]): string {
  return accesses
    .map(
      (access) =>
        `${access.action} ${access.path === null ? "(any path)" : `/${access.path}`}${access.subtree ? "/**" : ""}`,
    )
    .join(", ");
}
