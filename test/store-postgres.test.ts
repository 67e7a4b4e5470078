/**
 * What only a server with many sessions can show: concurrent migrations, leases between processes,
 * and a writer killed with SIGKILL in the middle of a transaction.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { WindowAggregate } from "../src/analyse/aggregates.ts";
import { openStore } from "../src/store/open.ts";
import { windowView } from "./support/aggregates.ts";
import { crashBatchWindow } from "./support/crash-batch.ts";
import {
  createDatabase,
  databaseUrl,
  dropDatabase,
  uniqueDatabaseName,
  useBackend,
} from "./support/store-backends.ts";

const writer = fileURLToPath(new URL("./support/crash-writer.ts", import.meta.url));
const backend = useBackend("postgres");

function startWriter(
  url: string,
  batches: number,
  sleepMs: number,
): { child: ChildProcess; committed: () => number } {
  const child = spawn(process.execPath, ["--import", "tsx", writer, url, String(batches), String(sleepMs)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let last = 0;
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    for (const m of text.matchAll(/committed (\d+)/g)) last = Number(m[1]);
  });
  return { child, committed: () => last };
}

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("the store on PostgreSQL", () => {
  it("lets four stores start on an empty database at once, each on its own sessions, applying each migration once", async () => {
    const db = await createDatabase();
    try {
      const url = databaseUrl(db);
      const stores = await Promise.all([1, 2, 3, 4].map(() => openStore(url)));
      await Promise.all(stores.map((s) => s.close()));
      const sql = postgres(url, { max: 1, onnotice: () => {} });
      const rows = await sql`select id, count(*)::int as n from nanofuse_migrations group by id order by id`;
      await sql.end();
      expect(rows.map((r) => r.n)).toEqual(rows.map(() => 1));
      expect(rows[0].id).toBe(1);
    } finally {
      await dropDatabase(db);
    }
  });

  it("reports a server it cannot reach or a missing database as unavailable, password masked", async () => {
    const closedPort = "postgres://postgres:s3cret@127.0.0.1:1/nanofuse";
    await expect(openStore(closedPort)).rejects.toMatchObject({
      code: "NF_STORE_UNAVAILABLE",
      retriable: true,
    });
    const missing = databaseUrl(uniqueDatabaseName()).replace("postgres@", "postgres:s3cret@");
    const error = await openStore(missing).catch((e: Error) => e);
    expect(error).toMatchObject({
      code: "NF_STORE_UNAVAILABLE",
      message: expect.stringContaining("does not exist"),
    });
    expect((error as Error).message).not.toContain("s3cret");
  });

  it("gives a lease to one store at a time and frees it when its holder's connection goes", async () => {
    const url = await backend.freshUrl();
    const a = await openStore(url);
    const b = await openStore(url);
    try {
      const lease = await a.tryLease("planner");
      expect(lease).not.toBeNull();
      expect(await b.tryLease("planner")).toBeNull();
      await a.close();
      expect(await lease?.held()).toBe(false);
      await expect(a.ping()).rejects.toMatchObject({ code: "NF_STORE_UNAVAILABLE", retriable: true });
      const taken = await b.tryLease("planner");
      expect(await taken?.held()).toBe(true);
      await taken?.release();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("counts nothing twice after a writer is SIGKILLed between writing aggregates and committing", async () => {
    const url = await backend.freshUrl();
    const batches = 60;
    const first = startWriter(url, batches, 20);
    await until(() => first.committed() >= 3, "the first commits");
    // Hold a lock the writer's next transaction needs after it has moved its progress and written its
    // windows: it then waits inside the transaction, and is killed there.
    const blocker = postgres(url, { max: 1, onnotice: () => {} });
    const spy = postgres(url, { max: 1, onnotice: () => {} });
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const locking = blocker.begin(async (tx) => {
      await tx`lock table window_units in exclusive mode`;
      await held;
    });
    await until(async () => {
      const [row] =
        await spy`select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid
        where not l.granted and a.application_name = 'nanofuse' and a.datname = current_database()`;
      return row.n > 0;
    }, "the writer to wait inside its transaction");
    const [inside] = await spy`select count(*)::int as n from pg_stat_activity
      where application_name = 'nanofuse' and datname = current_database() and xact_start is not null`;
    expect(inside.n).toBeGreaterThan(0);
    first.child.kill("SIGKILL");
    // "close", not "exit": by then every line the writer printed has been read.
    await once(first.child, "close");
    const committedBeforeKill = first.committed();
    release();
    await locking;
    await until(async () => {
      const [row] = await spy`select count(*)::int as n from pg_stat_activity
        where application_name = 'nanofuse' and datname = current_database()`;
      return row.n === 0;
    }, "the killed writer's sessions to end");

    const store = await openStore(url);
    try {
      const [progress] = await store.aggregates.progress("crash");
      expect(progress).toMatchObject({ offset: String(committedBeforeKill), revision: committedBeforeKill });
      expect((await store.aggregates.total()).traces).toBe(committedBeforeKill);
      expect(committedBeforeKill).toBeLessThan(batches);

      const second = startWriter(url, batches, 0);
      const [code] = await once(second.child, "close");
      expect(code).toBe(0);
      const expected = new Map<number, WindowAggregate>();
      for (let i = 0; i < batches; i++) {
        const w = crashBatchWindow(i);
        expected.set(w.startUs, (expected.get(w.startUs) ?? new WindowAggregate(w.startUs)).merge(w));
      }
      const stored = await store.aggregates.windows();
      expect(stored.map((w) => windowView(w.aggregate))).toEqual([...expected.values()].map(windowView));
      expect((await store.aggregates.progress("crash"))[0]).toMatchObject({
        offset: String(batches),
        revision: batches,
      });
    } finally {
      await store.close();
      await blocker.end();
      await spy.end();
    }
  }, 60_000);
});
