/**
 * Input fields shared by several tools, so a parameter means the same thing everywhere. Paths stay
 * plain strings here: the sandbox canonicalizer, not zod, decides what a valid path is, and its
 * refusals name the rule that was broken.
 */
import * as z from "zod";

export const pathField = z
  .string()
  .describe("Path relative to your root, e.g. 'notes/todo.md'. '/' or '' is the root.");
export const etagField = z.string().min(1).max(256);
export const cursorField = z
  .string()
  .min(1)
  .max(4096)
  .describe("Continue a listing: pass the nextCursor of the previous result.");
