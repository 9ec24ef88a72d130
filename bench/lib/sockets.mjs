/**
 * File descriptors and CLOSE-WAIT sockets held by a process tree (Linux /proc), for the soak run: the
 * failure it watches for is wrangler dev's proxy running out of descriptors under sustained logging.
 * Only the tree of the wrangler process the benchmark started is inspected.
 */
import { readdir, readFile, readlink } from "node:fs/promises";

async function children(pid) {
  try {
    const tasks = await readdir(`/proc/${pid}/task`);
    const all = await Promise.all(
      tasks.map((task) => readFile(`/proc/${pid}/task/${task}/children`, "utf8").catch(() => "")),
    );
    return all.join(" ").split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function tree(pid) {
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(await children(out[i])));
  return out;
}

async function closeWaitInodes() {
  const inodes = new Set();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await readFile(file, "utf8").catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      // st 08 = TCP_CLOSE_WAIT (include/net/tcp_states.h); column 9 is the socket inode.
      if (cols[3] === "08") inodes.add(cols[9]);
    }
  }
  return inodes;
}

/** @returns {Promise<{ fds: number, closeWait: number }>} */
export async function countSockets(rootPid) {
  const waiting = await closeWaitInodes();
  let fds = 0;
  let closeWait = 0;
  for (const pid of await tree(rootPid)) {
    const entries = await readdir(`/proc/${pid}/fd`).catch(() => []);
    fds += entries.length;
    for (const entry of entries) {
      const target = await readlink(`/proc/${pid}/fd/${entry}`).catch(() => "");
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match && waiting.has(match[1])) closeWait++;
    }
  }
  return { fds, closeWait };
}

/** CPU seconds (user + system) used so far by a process tree: load-independent cost of the work done. */
export async function cpuSeconds(rootPid) {
  let ticks = 0;
  for (const pid of await tree(rootPid)) {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (proc(5)).
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
  }
  return ticks / 100; // USER_HZ is 100 on Linux
}
