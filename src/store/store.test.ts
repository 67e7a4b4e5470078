import { cp, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { proposalMerging, TRACE_A } from "../../test/support/proposals.ts";
import {
  BACKENDS,
  type BackendName,
  createDatabase,
  databaseUrl,
  dropDatabase,
  useBackend,
} from "../../test/support/store-backends.ts";
import { WindowAggregate } from "../analyse/aggregates.ts";
import { MIGRATIONS_DIR } from "./migrate.ts";
import { openStore } from "./open.ts";
import type { Store } from "./store.ts";

const at = new Date("2025-05-06T07:08:09.000Z");

/** Strings that break naive SQL, naive escaping, naive indexes and naive JSON. */
const HOSTILE = [
  'it\'s a "quoted" name; --',
  "'); drop table windows; --",
  "nul\u0000inside\u0000",
  "\u0000",
  "\uFFFF0 looks escaped \uFFFF\uFFFF",
  "ünïcødé 🚀 中文 עברית \u200d",
  "__proto__",
  "constructor",
  'back\\slash {"a",b} $1 %s',
  "x".repeat(1 << 20),
  `${"🚀".repeat(1000)}${"\u0000".repeat(3)}`,
];

function hostileWindow(startUs: number): WindowAggregate {
  const w = new WindowAggregate(startUs);
  w.traces = 3;
  w.spans = 9;
  w.latency.accept(1000);
  HOSTILE.forEach((name, i) => {
    const next = HOSTILE[(i + 1) % HOSTILE.length];
    const edge = w.edge(name, next);
    edge.calls = i + 1;
    edge.network.accept(100 + i);
    w.unit(name).spans = i + 2;
    w.operations.set(`${name}\u0000${next}`, i * 10);
  });
  return w;
}

describe.each(BACKENDS)("the store on %s", (name) => {
  const backend = useBackend(name);

  it("stores hostile names and reasons through every write path and reads them back unchanged", async () => {
    const store = await backend.fresh();
    const source = HOSTILE[2];
    await store.aggregates.replaceSource(source, 1000, [hostileWindow(0)]);
    await store.aggregates.commit({
      source: HOSTILE[1],
      partition: 0,
      windowUs: 1000,
      windows: [hostileWindow(0)],
      progress: { offset: "7", state: { [HOSTILE[2]]: HOSTILE } },
      expectedRevision: 0,
      at,
    });
    const [stored] = await store.aggregates.windows({ sources: [source] });
    const byCalls = (a: unknown[], b: unknown[]) => (a[2] as number) - (b[2] as number);
    expect([...stored.aggregate.edges.values()].map((e) => [e.from, e.to, e.calls]).sort(byCalls)).toEqual(
      HOSTILE.map((n, i) => [n, HOSTILE[(i + 1) % HOSTILE.length], i + 1]),
    );
    expect([...stored.aggregate.units.keys()].sort()).toEqual([...HOSTILE].sort());
    expect(stored.aggregate.operations).toEqual(hostileWindow(0).operations);
    expect((await store.aggregates.sources()).sort()).toEqual([HOSTILE[1], HOSTILE[2]].sort());
    expect((await store.aggregates.progress(HOSTILE[1]))[0].state).toEqual({ [HOSTILE[2]]: HOSTILE });
    expect((await store.aggregates.units()).map((u) => u.unit).sort()).toEqual([...HOSTILE].sort());

    for (const [i, scope] of HOSTILE.entries()) {
      const plan = proposalMerging(
        [HOSTILE[i], HOSTILE[(i + 1) % HOSTILE.length]],
        [HOSTILE[(i + 2) % HOSTILE.length]],
      );
      const { proposal } = await store.proposals.propose({
        scope,
        plan,
        actor: HOSTILE[(i + 3) % HOSTILE.length],
        at,
        exemplars: [{ traceId: TRACE_A, paths: [] }],
      });
      expect(proposal.plan).toEqual(plan);
      expect(proposal.scope).toBe(scope);
      const reason = HOSTILE[(i + 4) % HOSTILE.length];
      await store.proposals.transition(proposal.id, {
        action: "reject",
        expectedRevision: 1,
        actor: scope,
        reason,
        at,
      });
      const audit = await store.proposals.audit(proposal.id);
      expect(audit.map((a) => [a.actor, a.reason])).toEqual([
        [HOSTILE[(i + 3) % HOSTILE.length], `version 1 of ${scope}`],
        [scope, reason],
      ]);
      expect((await store.proposals.list({ scope })).map((p) => p.id)).toEqual([proposal.id]);
    }
    const approved = await store.proposals.propose({
      scope: "s",
      plan: proposalMerging(["a", "b"]),
      actor: "p",
      at,
    });
    await store.proposals.transition(approved.proposal.id, {
      action: "approve",
      expectedRevision: 1,
      actor: "a",
      at,
    });
    await store.proposals.transition(approved.proposal.id, {
      action: "start_rollout",
      expectedRevision: 2,
      actor: "a",
      at,
      rollout: { variant: HOSTILE[4], trafficShare: 0.5 },
    });
    const rollout = (await store.rollouts.active(approved.proposal.id)) as NonNullable<
      Awaited<ReturnType<Store["rollouts"]["active"]>>
    >;
    expect(rollout.variant).toBe(HOSTILE[4]);
    const judged = await store.rollouts.judge(rollout.id, { at, verdict: "continue", result: HOSTILE[2] });
    expect(judged.result).toBe(HOSTILE[2]);
    expect((await store.rollouts.forProposal(approved.proposal.id))[0].judgements[0].result).toBe(HOSTILE[2]);

    const catalogHash = await store.catalogs.save({ units: { [HOSTILE[0]]: { owner: HOSTILE[2] } } }, at);
    expect((await store.catalogs.get(catalogHash))?.catalog).toEqual({
      units: { [HOSTILE[0]]: { owner: HOSTILE[2] } },
    });

    for (const tokenName of HOSTILE) {
      const { token, record } = await store.tokens.create({ name: tokenName, role: "viewer", at });
      expect(record.name).toBe(tokenName);
      expect(await store.tokens.verify(token, at)).toMatchObject({ ok: true, token: { name: tokenName } });
    }
    expect((await store.tokens.list()).map((t) => t.name).sort()).toEqual([...HOSTILE].sort());
  });

  it("creates tokens that verify, stores only their hash, notes their use and refuses them once revoked", async () => {
    const store = await backend.fresh();
    const { token, record } = await store.tokens.create({ name: "ci", role: "approver", at });
    expect(token).toMatch(/^nf_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(record).toMatchObject({ role: "approver", lastUsedAt: null, revokedAt: null });
    const rows = await backend.query("select * from api_tokens");
    expect(JSON.stringify(rows)).not.toContain(token.slice(20));
    const used = new Date(at.getTime() + 1000);
    expect(await store.tokens.verify(token, used)).toMatchObject({ ok: true, token: { id: record.id } });
    expect((await store.tokens.list())[0].lastUsedAt?.getTime()).toBe(used.getTime());
    await store.tokens.verify(token, new Date(used.getTime() + 5000));
    expect((await store.tokens.list())[0].lastUsedAt?.getTime()).toBe(used.getTime());
    const wrongSecret = `${token.slice(0, -4)}AAAA`;
    expect(await store.tokens.verify(wrongSecret, at)).toEqual({ ok: false, reason: "unknown" });
    expect(await store.tokens.verify("Bearer nonsense", at)).toEqual({ ok: false, reason: "malformed" });
    expect((await store.tokens.revoke(record.id, used))?.revokedAt?.getTime()).toBe(used.getTime());
    expect((await store.tokens.revoke(record.id, new Date(0)))?.revokedAt?.getTime()).toBe(used.getTime());
    expect(await store.tokens.verify(token, at)).toEqual({ ok: false, reason: "revoked" });
    expect(await store.tokens.revoke("0000000000000000", at)).toBeNull();
    await expect(store.tokens.create({ name: "x", role: "root" as never, at })).rejects.toMatchObject({
      code: "NF_TOKEN_INVALID",
    });
  });

  it("stores a catalog once per content, whatever its key order", async () => {
    const store = await backend.fresh();
    const a = await store.catalogs.save(
      { defaults: { runtime: "node" }, units: { cart: { memoryMb: 128 } } },
      at,
    );
    const b = await store.catalogs.save(
      { units: { cart: { memoryMb: 128 } }, defaults: { runtime: "node" } },
      at,
    );
    expect(b).toBe(a);
    expect(await backend.query("select count(*)::int as n from catalog_snapshots")).toEqual([{ n: 1 }]);
    expect(await store.catalogs.get("0".repeat(64))).toBeNull();
  });

  it("grants a lease to one holder at a time, and answers a ping", async () => {
    const store = await backend.fresh();
    await store.ping();
    const lease = await store.tryLease("planner");
    expect(lease).not.toBeNull();
    expect(await lease?.held()).toBe(true);
    expect(await store.tryLease("planner")).toBeNull();
    const other = await store.tryLease("other");
    await lease?.release();
    expect(await lease?.held()).toBe(false);
    const again = await store.tryLease("planner");
    expect(again).not.toBeNull();
    await again?.release();
    await other?.release();
  });
});

describe("migrations", () => {
  async function migrationsCopy(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "nanofuse-migrations-"));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    return dir;
  }

  async function emptyStoreLocation(
    name: BackendName,
    dir: string,
  ): Promise<{ location: string; drop(): Promise<void> }> {
    if (name === "pglite") return { location: join(dir, "store"), drop: async () => {} };
    const db = await createDatabase();
    return { location: databaseUrl(db), drop: () => dropDatabase(db) };
  }

  // The migrations written here are numbered far beyond the shipped ones, so adding one does not collide.
  it.each(BACKENDS)(
    "on %s refuse a store whose applied migration was edited, or that is newer than the code",
    async (name) => {
      const dir = await migrationsCopy();
      const { location, drop } = await emptyStoreLocation(name, dir);
      try {
        await (await openStore(location, { migrationsDir: dir })).close();
        await writeFile(join(dir, "0090_extra.sql"), "create table extra (id int);\n");
        await (await openStore(location, { migrationsDir: dir })).close();
        await writeFile(join(dir, "0090_extra.sql"), "create table extra (id bigint);\n");
        await expect(openStore(location, { migrationsDir: dir })).rejects.toMatchObject({
          code: "NF_STORE_MIGRATION_CHANGED",
        });
        await expect(openStore(location)).rejects.toMatchObject({ code: "NF_STORE_MIGRATION_UNKNOWN" });
        await writeFile(join(dir, "0090_extra.sql"), "create table extra (id int);\n");
        await writeFile(join(dir, "0091_broken.sql"), "create table extra (id int);\n");
        await expect(openStore(location, { migrationsDir: dir })).rejects.toMatchObject({
          code: "NF_STORE_MIGRATION_FAILED",
        });
        // The failed migration left nothing behind: fixed, it applies.
        await writeFile(join(dir, "0091_broken.sql"), "create table extra3 (id int);\n");
        await (await openStore(location, { migrationsDir: dir })).close();
      } finally {
        await drop();
      }
    },
    60_000,
  );
});
