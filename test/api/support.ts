/**
 * The API on a real store for route tests: a token per role plus a revoked one, a proposal as the
 * planner writes it (with an exemplar trace), and a snapshot of everything a request could change,
 * so a refused request can be shown to have changed nothing.
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import type { PathEntry } from "../../src/analyse/trace-analysis.ts";
import { type ApiDeps, type ApiOptions, buildApi } from "../../src/api/app.ts";
import type { Store, TokenRole } from "../../src/store/store.ts";
import { proposalMerging, TRACE_A } from "../support/proposals.ts";

export const AT = new Date("2026-03-01T12:00:00Z");

export const EXEMPLAR_PATHS: PathEntry[] = [
  {
    traceId: TRACE_A,
    rootSpanId: "00f067aa0ba902b7",
    orphan: false,
    startUs: 0,
    durationUs: 1234,
    sections: [
      { spanId: "00f067aa0ba902b7", unit: "checkout", operation: "POST /checkout", startUs: 0, endUs: 1234 },
    ],
  },
];

export interface ApiFixture {
  store: Store;
  app: FastifyInstance;
  tokens: Record<TokenRole | "revoked", string>;
  /** A proposal pending approval, at revision 1. */
  proposalId: number;
  /** Sends a request with the token of `who` (none: no Authorization header). */
  as(who: TokenRole | "revoked" | "none", request: InjectOptions): Promise<LightMyRequestResponse>;
}

export async function apiFixture(
  store: Store,
  options: Partial<ApiOptions> = {},
  clock: () => Date = () => AT,
  deps: Partial<Omit<ApiDeps, "store" | "clock">> = {},
): Promise<ApiFixture> {
  const token = async (role: TokenRole, name: string) =>
    (await store.tokens.create({ name, role, at: AT })).token;
  const tokens = {
    viewer: await token("viewer", "vera"),
    approver: await token("approver", "alice"),
    admin: await token("admin", "ada"),
    revoked: await token("admin", "former"),
  };
  const revokedId = /^nf_([0-9a-f]+)_/.exec(tokens.revoked)?.[1] as string;
  await store.tokens.revoke(revokedId, AT);
  const { proposal } = await store.proposals.propose({
    scope: "shop",
    plan: proposalMerging(["checkout", "inventory"]),
    exemplars: [{ traceId: TRACE_A, paths: EXEMPLAR_PATHS }],
    actor: "nanofuse planner",
    at: AT,
  });
  const app = await buildApi({ store, clock, ...deps }, { logLevel: "silent", ...options });
  await app.ready();
  return {
    store,
    app,
    tokens,
    proposalId: proposal.id,
    as(who, request) {
      const headers = { ...(request.headers ?? {}) };
      if (who !== "none") headers.authorization = `Bearer ${tokens[who]}`;
      return app.inject({ ...request, headers });
    },
  };
}

/** Everything a route could change: proposals, their audit trails and the tokens (but not their use). */
export async function snapshot(store: Store) {
  const proposals = await store.proposals.list({ limit: 1000 });
  return {
    proposals: await Promise.all(proposals.map((p) => store.proposals.get(p.id))),
    audit: await Promise.all(proposals.map((p) => store.proposals.audit(p.id))),
    tokens: (await store.tokens.list()).map(({ lastUsedAt: _, ...t }) => t),
  };
}

/** The stable code of an error answer. */
export const codeOf = (response: { json(): unknown }) =>
  (response.json() as { error: { code: string } }).error.code;
