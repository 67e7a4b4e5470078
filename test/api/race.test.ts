/**
 * Two people acting on one proposal at once, through the write routes: of changes decided on the
 * same revision exactly one wins and the others get 409, and the audit trail holds only the winner.
 * On PGlite (one process) and on PostgreSQL with two servers sharing the database.
 */
import type { FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { buildApi } from "../../src/api/app.ts";
import { openStore } from "../../src/store/open.ts";
import type { Store } from "../../src/store/store.ts";
import { proposalMerging } from "../support/proposals.ts";
import { type BackendName, useBackend } from "../support/store-backends.ts";

const AT = new Date("2026-03-01T12:00:00Z");
const RACERS = 8;

async function proposalAndTokens(store: Store) {
  const { proposal } = await store.proposals.propose({
    scope: "shop",
    plan: proposalMerging(["checkout", "inventory"]),
    actor: "nanofuse planner",
    at: AT,
  });
  const tokens = await Promise.all(
    Array.from(
      { length: RACERS },
      async (_, i) => (await store.tokens.create({ name: `approver ${i}`, role: "approver", at: AT })).token,
    ),
  );
  return { id: proposal.id, tokens };
}

/** Half the racers approve, half reject, all decided on revision 1, spread over the servers. */
async function race(apps: FastifyInstance[], id: number, tokens: string[]) {
  const responses = await Promise.all(
    tokens.map((token, i) =>
      apps[i % apps.length].inject({
        method: "POST",
        url: `/api/proposals/${id}/${i % 2 ? "reject" : "approve"}`,
        headers: { authorization: `Bearer ${token}`, "if-match": '"1"' },
        payload: i % 2 ? { reason: "not now" } : {},
      }),
    ),
  );
  return responses.map((r) => ({
    status: r.statusCode,
    code: r.json().error?.code,
    state: r.json().proposal?.state,
  }));
}

async function expectOneWinner(store: Store, id: number, outcomes: Awaited<ReturnType<typeof race>>) {
  const won = outcomes.filter((o) => o.status === 200);
  expect(won).toHaveLength(1);
  expect(outcomes.filter((o) => o.status === 409).map((o) => o.code)).toEqual(
    Array(RACERS - 1).fill("NF_PROPOSAL_VERSION_CONFLICT"),
  );
  const stored = await store.proposals.get(id);
  expect(stored).toMatchObject({ revision: 2, state: won[0].state });
  expect((await store.proposals.audit(id)).map((a) => a.action)).toEqual([
    "create",
    won[0].state === "approved" ? "approve" : "reject",
  ]);
}

for (const name of ["pglite", "postgres"] satisfies BackendName[]) {
  describe(`racing changes on ${name}`, () => {
    const backend = useBackend(name);
    /** Closed in order: the servers first, then their stores. */
    const open: { close(): Promise<unknown> }[] = [];
    afterEach(async () => {
      for (const o of open.splice(0)) await o.close();
    });

    it("lets exactly one of several changes decided on the same revision through", async () => {
      let stores: Store[];
      if (name === "postgres") {
        // Two servers on one database, each with its own connections.
        const url = await backend.freshUrl();
        stores = [await openStore(url), await openStore(url)];
        open.push(...stores);
      } else stores = [await backend.fresh()];
      const apps = await Promise.all(
        stores.map((store) => buildApi({ store, clock: () => AT }, { logLevel: "silent" })),
      );
      open.unshift(...apps);
      const { id, tokens } = await proposalAndTokens(stores[0]);
      await expectOneWinner(stores[0], id, await race(apps, id, tokens));
    });
  });
}
