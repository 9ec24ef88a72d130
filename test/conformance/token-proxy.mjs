/**
 * A loopback reverse proxy that adds `Authorization: Bearer <token>` to requests that carry none, for
 * the official conformance suite (it has no option to send a token). It stands where a real deployment's
 * front would: the dev server behind it is configured with the proxy's address as its public origin
 * (DEV_PUBLIC_ORIGIN), and every other header — Host and Origin included — is passed through untouched,
 * so the suite's DNS-rebinding scenario reaches the server exactly as it was sent.
 */
import { createServer, request as forward } from "node:http";

/** Starts the proxy on 127.0.0.1:`port` in front of `upstream` (e.g. http://127.0.0.1:8787). */
export function startTokenProxy({ port, upstream, token }) {
  const target = new URL(upstream);
  const server = createServer((incoming, outgoing) => {
    const headers = { ...incoming.headers };
    if (!headers.authorization) headers.authorization = `Bearer ${token}`;
    const upstreamRequest = forward(
      { host: target.hostname, port: target.port, method: incoming.method, path: incoming.url, headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstreamRequest.on("error", () => {
      outgoing.writeHead(502, { "content-type": "text/plain" });
      outgoing.end("upstream unavailable");
    });
    incoming.pipe(upstreamRequest);
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}
