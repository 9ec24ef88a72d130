/**
 * The parsers every configuration module shares, so a URL or a number means the same thing in every
 * variable: one loopback rule for http, one "whole number in a range" rule. Each failure is a
 * `ConfigError` naming the variable and the problem, never the value (it may be a secret).
 */
import * as z from "zod";
import { ConfigError, type Environment } from "./config-error";

/** Trimmed value, or undefined when unset or blank. */
export function present(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * An absolute https URL. Plain http only for a loopback host with ENVIRONMENT=development (a local
 * emulator): these URLs carry tokens or deliver the keys tokens are checked against.
 */
export function parseSecureUrl(name: string, raw: string, environment: Environment): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, "must be an absolute URL");
  }
  const loopback = url.hostname === "localhost" || url.hostname === "127.0.0.1" || url.hostname === "[::1]";
  if (url.protocol !== "https:" && !(environment === "development" && url.protocol === "http:" && loopback)) {
    throw new ConfigError(
      name,
      "must use https (http is accepted only for loopback hosts with ENVIRONMENT=development)",
    );
  }
  return url;
}

/**
 * Whole decimal numbers only, as a zod schema for an env variable: "60s", "1e3" or "-1" are mistakes
 * worth stopping for; unset or blank takes `fallback`.
 */
export const wholeNumber = (min: number, max: number, fallback: number) =>
  // z.lazy: the nine schemas of the chain are built when the variable is first parsed, not when a
  // config module is loaded (a cold start would otherwise build them for some twenty variables).
  z.lazy(() =>
    z
      .string()
      .trim()
      .optional()
      .transform((raw) => (raw === undefined || raw === "" ? String(fallback) : raw))
      .pipe(z.string().regex(/^\d+$/, "must be a whole number").transform(Number))
      .pipe(z.number().min(min, `must be between ${min} and ${max}`).max(max, `must be between ${min} and ${max}`)),
  );

/** One variable through `wholeNumber`. */
export function parseWholeNumber(name: string, raw: string | undefined, min: number, max: number, fallback: number) {
  const parsed = wholeNumber(min, max, fallback).safeParse(raw);
  if (!parsed.success) throw new ConfigError(name, parsed.error.issues[0]!.message);
  return parsed.data;
}
