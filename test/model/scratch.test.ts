import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { createTestKey } from "../support/keys";
import { mintToken } from "../support/tokens";
import { makeEnv, postMcp, toolCall } from "../support/worker";


it("background with lowered threshold", async () => {
  const key = await createTestKey("m");
  const e = makeEnv(key);
  for (let i = 0; i < 6; i++) await env.FILES.put(`files/mt/d/f${i}.txt`, `x${i}`);
  const token = await mintToken({ key, claims: { sub: "mt" } });
  const res = await postMcp(e, toolCall("copy_file", { source: "d", destination: "e" }), { authorization: `Bearer ${token}` });
  const text = await res.text();
  console.log(res.status, res.headers.get("content-type"), text.slice(0, 800));
  const id = /op-[0-9a-z]+-[0-9a-z]+/.exec(text)?.[0];
  for (let i = 0; i < 40 && id; i++) {
    const r = await postMcp(e, toolCall("get_operation", { operationId: id }), { authorization: `Bearer ${token}` });
    const t = await r.text();
    if (!t.includes('running')) { console.log(t.slice(0, 600)); break; }
    await new Promise((r) => setTimeout(r, 100));
  }
  const l = await env.FILES.list({ prefix: "files/mt/" });
  console.log(l.objects.map((o) => o.key));
  expect(1).toBe(1);
});
