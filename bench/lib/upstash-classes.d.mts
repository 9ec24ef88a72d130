export function classifyUpstashRequest(
  commands: readonly (readonly string[])[],
  scripts: { settleSha: string; storageSha: string; sha1: (text: string) => string },
): "settlement" | "audit" | "requestPath";
