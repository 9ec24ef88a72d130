/**
 * A loopback HTTP endpoint standing in for an alert webhook or a SIEM sink in the e2e scripts: it
 * answers 200 to every POST and keeps each one's headers and body, in order of arrival.
 */
import { createServer } from "node:http";

/** @returns {Promise<{ posts: { headers: import("node:http").IncomingHttpHeaders, body: string }[], server: import("node:http").Server }>} */
export function startReceiver(port) {
  const posts = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      posts.push({ headers: req.headers, body });
      res.writeHead(200).end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve({ posts, server }));
  });
}
