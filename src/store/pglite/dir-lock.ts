/**
 * One process per PGlite directory. Two PGlite instances on one data directory both open, and the
 * last to close silently erases the other's writes (measured here), so the store takes a lock file
 * holding its pid before PGlite touches the directory.
 *
 * The file is created atomically (written under a temporary name, then hard-linked into place, which
 * fails if it exists), so a reader never sees a half-written pid. A lock whose pid is no longer alive
 * is stale (a crash or SIGKILL) and is taken over; the takeover re-reads the file just before removing
 * it, which leaves only a window of microseconds in which two processes racing for the same stale
 * lock could both win: acceptable for a single-user embedded store, documented here.
 */
import { link, readFile, unlink, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { NanofuseError } from "../../errors.ts";

export const LOCK_FILE = "nanofuse.lock";

export interface DirLock {
  readonly path: string;
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function holder(path: string): Promise<{ pid: number; text: string } | null> {
  const text = await readFile(path, "utf8").catch(() => null);
  if (text === null) return null;
  const pid = Number.parseInt(text, 10);
  return { pid: Number.isSafeInteger(pid) && pid > 0 ? pid : 0, text };
}

export async function lockDir(dir: string): Promise<DirLock> {
  const path = join(dir, LOCK_FILE);
  const temp = join(dir, `${LOCK_FILE}.${process.pid}.${Date.now()}`);
  await writeFile(temp, `${process.pid}\n${hostname()}\n`);
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await link(temp, path);
        return {
          path,
          async release() {
            const now = await holder(path);
            if (now?.pid === process.pid) await unlink(path).catch(() => undefined);
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
      const found = await holder(path);
      if (found === null) continue; // removed meanwhile: try again
      if (found.pid && alive(found.pid))
        throw new NanofuseError(
          "NF_STORE_LOCKED",
          `${dir} is used by process ${found.pid}${found.pid === process.pid ? " (this one)" : ""}; stop it or use another --store`,
        );
      const again = await holder(path);
      if (again?.text === found.text) await unlink(path).catch(() => undefined);
    }
    throw new NanofuseError("NF_STORE_LOCKED", `${dir}: could not take the lock file ${LOCK_FILE}`);
  } finally {
    await unlink(temp).catch(() => undefined);
  }
}
