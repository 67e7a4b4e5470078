import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { WindowAggregate } from "../../analyse/aggregates.ts";
import { openStore } from "../open.ts";
import { LOCK_FILE, lockDir } from "./dir-lock.ts";

const fresh = () => mkdtemp(join(tmpdir(), "nanofuse-lock-"));

/** A pid that surely belongs to no process: one that has just exited. */
function deadPid(): number {
  return Number(
    spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString(),
  );
}

describe("the PGlite directory lock", () => {
  it("refuses a second holder while the first lives, naming its pid", async () => {
    const dir = await fresh();
    const lock = await lockDir(dir);
    expect((await readFile(join(dir, LOCK_FILE), "utf8")).split("\n")[0]).toBe(String(process.pid));
    await expect(lockDir(dir)).rejects.toMatchObject({
      code: "NF_STORE_LOCKED",
      message: expect.stringContaining(`process ${process.pid}`),
    });
    await lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    await (await lockDir(dir)).release();
  });

  it("takes over a lock left by a process that died, and one with garbage in it", async () => {
    const dir = await fresh();
    await writeFile(join(dir, LOCK_FILE), `${deadPid()}\nsomehost\n`);
    const lock = await lockDir(dir);
    expect((await readFile(join(dir, LOCK_FILE), "utf8")).startsWith(`${process.pid}\n`)).toBe(true);
    await lock.release();
    await writeFile(join(dir, LOCK_FILE), "not a pid");
    await (await lockDir(dir)).release();
  });

  it("keeps a directory store to one opener, and its data across a close and reopen", async () => {
    const dir = await fresh();
    const store = await openStore(dir);
    try {
      await expect(openStore(dir)).rejects.toMatchObject({ code: "NF_STORE_LOCKED" });
      const w = new WindowAggregate(0);
      w.traces = 7;
      await store.aggregates.replaceSource("replay:x", 1000, [w]);
    } finally {
      await store.close();
    }
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    const again = await openStore(dir);
    try {
      expect((await again.aggregates.total()).traces).toBe(7);
    } finally {
      await again.close();
    }
  }, 60_000);
});
