/**
 * IP block: a client IP the limiter blocked for repeated refusals (throttle escalation) is answered
 * from the isolate's block cache, before any token work and without an Upstash round trip.
 */
import { ipKey } from "../limits/redis-keys";
import type { Edge } from "./edge";
import { tooManyRequests } from "./limit-refusals";
import { blockedHeaders } from "./rate-limit-headers";

export async function refuseBlockedIp(edge: Edge): Promise<void> {
  const { limits } = edge.state;
  const now = limits.now();
  const until = limits.blocks.blockedUntil(await ipKey(edge.ip), now);
  if (until === undefined) return;
  throw tooManyRequests(edge.log, "ip_blocked", until, now, blockedHeaders(limits.config.ip.limit, until, now));
}
