/**
 * Files as MCP resources through every client the server serves (SDK 1.x, and v2 in 2025 default,
 * auto and pinned 2026-07-28 modes): paged resources/list of the caller's files only, the path
 * template, resources/read as text or blob by type, and the same sandbox and scope rules as the tools.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { toBase64 } from "../../../src/files/base64";
import { createTestKey, type TestKey } from "../../support/keys";
import { CLIENT_MODES, type ClientMode, connectMode, type ModeClient } from "../../support/protocol-clients";
import { mintToken } from "../../support/tokens";
import { makeEnv } from "../../support/worker";

let key: TestKey;
beforeAll(async () => {
  key = await createTestKey("resources");
});

let counter = 0;
async function tenantClient(mode: ClientMode, scope?: string): Promise<{ tenant: string; client: ModeClient }> {
  const tenant = `res${Date.now().toString(36)}${counter++}`;
  const token = await mintToken({ key, claims: { sub: tenant, ...(scope ? { scope } : {}) } });
  return { tenant, client: await connectMode(mode, makeEnv(key), token) };
}

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 255]);

describe.each(CLIENT_MODES)("resources with %s", (mode) => {
  it("lists only the caller's files, paged, and reads them as text or blob", async () => {
    const { tenant, client } = await tenantClient(mode);
    const other = await tenantClient(mode);
    const names = Array.from({ length: 130 }, (_, i) => `docs/n${String(i).padStart(3, "0")}.md`);
    await Promise.all(names.map((name) => env.FILES.put(`files/${tenant}/${name}`, `# ${name}`)));
    await env.FILES.put(`files/${tenant}/img/a b.png`, PNG);
    await env.FILES.put(`files/${tenant}/empty/`, new Uint8Array(0)); // a directory marker: not a resource
    await env.FILES.put(`trash/${tenant}/0000000001-x/gone.txt`, "deleted"); // trash: never listed
    await env.FILES.put(`files/${other.tenant}/secret.txt`, "other tenant");

    // SDK 1.x pages by hand; v2 walks every page itself when no cursor is given. Either way the server
    // answered in pages of 100: two resources/list exchanges on the wire.
    const before = client.exchanges.length;
    const uris: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listResources(cursor);
      uris.push(...page.resources.map((r) => r.uri));
      cursor = page.nextCursor;
    } while (cursor);
    expect(client.exchanges.slice(before).filter((e) => e.method === "resources/list")).toHaveLength(2);
    expect(uris).toEqual([...names.map((n) => `r2-files:///${n}`), "r2-files:///img/a%20b.png"]);

    const first = (await client.listResources()).resources.find((r) => r.name === "n000.md")!;
    expect(first).toMatchObject({
      uri: "r2-files:///docs/n000.md",
      name: "n000.md",
      mimeType: "text/markdown",
      size: 14,
    });
    expect((await client.listResourceTemplates()).map((t) => t.uriTemplate)).toEqual(["r2-files:///{+path}"]);

    expect((await client.readResource("r2-files:///docs/n001.md")).contents).toEqual([
      { uri: "r2-files:///docs/n001.md", mimeType: "text/markdown", text: "# docs/n001.md" },
    ]);
    expect((await client.readResource("r2-files:///img/a%20b.png")).contents).toEqual([
      { uri: "r2-files:///img/a%20b.png", mimeType: "image/png", blob: toBase64(PNG) },
    ]);

    // The other tenant sees none of it, and its own URI space is its own sandbox.
    const theirs = await other.client.listResources();
    expect(theirs.resources.map((r) => r.uri)).toEqual(["r2-files:///secret.txt"]);
    await expect(other.client.readResource("r2-files:///docs/n001.md")).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining("[not_found]"),
    });
  }, 60_000);

  it("refuses escapes, other schemes and directories, and needs files:read", async () => {
    const { tenant, client } = await tenantClient(mode);
    await env.FILES.put(`files/${tenant}/d/x.txt`, "x");
    for (const uri of [
      "r2-files:///../x",
      "r2-files:///%2e%2e/x",
      "file:///etc/passwd",
      "r2-files:///d/x.txt?y",
      "r2-files:///%zz",
    ]) {
      await expect(client.readResource(uri), uri).rejects.toMatchObject({ code: -32602 });
    }
    await expect(client.readResource("r2-files:///d")).rejects.toMatchObject({ code: -32602 });
    await expect(client.readResource("r2-files:///nope.txt")).rejects.toMatchObject({
      code: -32602,
      message: expect.stringContaining("[not_found]"),
      data: { uri: "r2-files:///nope.txt" },
    });
    await expect(client.readResource("test://elsewhere")).rejects.toMatchObject({
      code: -32602,
      data: { uri: "test://elsewhere" },
    });
    // Only a miss carries data.uri (the SDK's clients read `{ uri }` as "resource not found").
    await expect(client.readResource("r2-files:///../x")).rejects.not.toHaveProperty("data.uri");
    const writeOnly = await tenantClient(mode, "files:write");
    await expect(writeOnly.client.listResources()).rejects.toMatchObject({ code: -32600 });
    await expect(writeOnly.client.readResource("r2-files:///d/x.txt")).rejects.toMatchObject({ code: -32600 });
  }, 60_000);
});
