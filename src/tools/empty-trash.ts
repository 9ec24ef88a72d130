/**
 * `empty_trash` (ours): destroys trash for good, all of it or the given trash ids. The only tool that
 * destroys data, so it needs `files:delete` and is marked destructive. Bounded per call
 * (MAX_PURGE_OBJECTS objects); `more: true` says to call again. Counts as one delete toward the daily
 * quota per call (trash no longer counts toward storage, so destroying it frees no quota).
 */
import * as z from "zod";
import { MAX_PURGE_OBJECTS } from "../sandbox/sandbox";
import { anywhere } from "./tool-access";
import { defineTool, textResult } from "./tool-definition";

export const emptyTrash = defineTool({
  name: "empty_trash",
  title: "Empty trash",
  description:
    "Permanently destroy deleted files: the whole trash, or only the entries named in trashIds. This cannot be undone. " +
    `Destroys at most ${MAX_PURGE_OBJECTS} objects per call; when the result says more: true, call again.`,
  scope: "files:delete",
  input: z.object({
    trashIds: z
      .array(z.string().max(64))
      .min(1)
      .max(100)
      .optional()
      .describe("Only these entries; default: the whole trash"),
  }),
  output: z.object({
    purged: z.number().describe("Objects destroyed"),
    more: z.boolean().describe("True when trash remains that this call did not reach; call again"),
  }),
  // Idempotent: purging what is already gone changes nothing more.
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  cost: () => ({ units: 2, deletes: 1 }),
  actions: ["purge"],
  access: () => [anywhere("purge")],
  // What a human confirms (a `confirm` policy rule): the exact number of objects this call will destroy.
  async confirmation({ trashIds }, { sandbox }) {
    let count = 0;
    let more = false;
    for (const trashId of trashIds ?? [undefined]) {
      let cursor: string | undefined;
      do {
        const page = await sandbox.listTrash({ trashId, cursor });
        count += page.items.length;
        cursor = page.nextCursor;
      } while (cursor !== undefined && count <= MAX_PURGE_OBJECTS);
      if (count > MAX_PURGE_OBJECTS) {
        more = true;
        break;
      }
    }
    const destroyed = Math.min(count, MAX_PURGE_OBJECTS);
    const which = trashIds === undefined ? "the trash" : `the trash (entries ${trashIds.join(", ")})`;
    return (
      `Permanently delete ${destroyed} item${destroyed === 1 ? "" : "s"} from ${which}? This cannot be undone.` +
      (more ? " More remain for a later call." : "")
    );
  },
  async run({ trashIds }, { sandbox }) {
    const { purged, more } = await sandbox.purgeTrash(trashIds);
    const text = `Permanently deleted ${purged} object(s) from the trash${more ? "; more remain, call again" : ""}`;
    return textResult(text, { purged, more });
  },
});
