/**
 * The startup floor of `npm run bench -- --startup`: a Worker that only loads the packages the product
 * owner fixed (the MCP SDK v2, zod, @upstash/ratelimit and @upstash/redis, jose, hono), referencing the
 * exports the product uses so their module graphs are evaluated as in the product, and does nothing else.
 * What it costs at startup no change to src/ can take away.
 */
import {
  classifyInboundRequest,
  createMcpHandler,
  Server,
  WebStandardStreamableHTTPServerTransport,
} from "@modelcontextprotocol/server";
import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis/cloudflare";
import { Hono } from "hono";
import { createRemoteJWKSet, jwtVerify } from "jose";
import * as z from "zod";

const used = [classifyInboundRequest, createMcpHandler, Server, WebStandardStreamableHTTPServerTransport];
const alsoUsed = [Ratelimit, Redis, createRemoteJWKSet, jwtVerify, z.object];

const app = new Hono();
app.get("*", (c) => c.text(`${used.length + alsoUsed.length} modules loaded`));

export default app;
