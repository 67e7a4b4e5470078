/**
 * Bearer tokens and roles on every route, on a real PGlite store: nothing but /healthz answers
 * without a valid token, a revoked token is refused, a role below the route's is 403, and none of
 * these requests changes the store. Admins manage tokens through the API.
 */
import type { InjectOptions } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildReceiver } from "../../src/receiver/app.ts";
import type { TokenRole } from "../../src/store/store.ts";
import { TRACE_A } from "../support/proposals.ts";
import { useBackend } from "../support/store-backends.ts";
import { type ApiFixture, AT, apiFixture, codeOf, snapshot } from "./support.ts";

const backend = useBackend("pglite");
let api: ApiFixture;

beforeEach(async () => {
  api = await apiFixture(await backend.fresh());
});
afterEach(async () => {
  await api.app.close();
});

function routes(id: number): (InjectOptions & { role: TokenRole })[] {
  const change = (action: string, payload: Record<string, unknown>) => ({
    method: "POST" as const,
    url: `/api/proposals/${id}/${action}`,
    payload,
    role: "approver" as const,
  });
  return [
    { url: "/api/proposals", role: "viewer" },
    { url: `/api/proposals/${id}`, role: "viewer" },
    { url: `/api/proposals/${id}/audit`, role: "viewer" },
    { url: `/api/proposals/${id}/traces`, role: "viewer" },
    { url: `/api/traces/${TRACE_A}`, role: "viewer" },
    { url: "/api/units", role: "viewer" },
    { url: "/api/graph", role: "viewer" },
    { url: "/api/edges", role: "viewer" },
    { url: "/api/windows", role: "viewer" },
    { url: "/docs", role: "viewer" },
    { url: "/docs/json", role: "viewer" },
    change("approve", { revision: 1 }),
    change("reject", { revision: 1, reason: "no" }),
    change("supersede", { revision: 1 }),
    { url: "/api/tokens", role: "admin" },
    { method: "POST", url: "/api/tokens", payload: { name: "ci", role: "viewer" }, role: "admin" },
    { method: "DELETE", url: "/api/tokens/0123456789abcdef", role: "admin" },
  ];
}

const BELOW: Record<TokenRole, TokenRole[]> = {
  viewer: [],
  approver: ["viewer"],
  admin: ["viewer", "approver"],
};

describe("authentication and roles", () => {
  it("answers /healthz without a token", async () => {
    const response = await api.app.inject({ url: "/healthz" });
    expect(response.json()).toEqual({ status: "ok" });
  });

  it("refuses every other route without a token, with a malformed, forged or revoked token, and below its role", async () => {
    const before = await snapshot(api.store);
    const forged = `${api.tokens.admin.slice(0, -4)}AAAA`;
    for (const { role, ...route } of routes(api.proposalId)) {
      const tried = (authorization: string | undefined) =>
        api.app.inject({
          ...route,
          headers: { ...route.headers, ...(authorization ? { authorization } : {}) },
        });
      const outcomes = {
        none: await tried(undefined),
        basic: await tried("Basic YWRtaW46YWRtaW4="),
        garbage: await tried("Bearer not-a-token"),
        forged: await tried(`Bearer ${forged}`),
        revoked: await tried(`Bearer ${api.tokens.revoked}`),
      };
      const seen = Object.fromEntries(
        Object.entries(outcomes).map(([k, r]) => [k, `${r.statusCode} ${codeOf(r)}`]),
      );
      expect({ url: route.url, ...seen }).toEqual({
        url: route.url,
        none: "401 NF_AUTH_REQUIRED",
        basic: "401 NF_AUTH_INVALID",
        garbage: "401 NF_AUTH_INVALID",
        forged: "401 NF_AUTH_INVALID",
        revoked: "401 NF_AUTH_REVOKED",
      });
      expect(outcomes.none.headers["www-authenticate"]).toBe('Bearer realm="nanofuse"');
      for (const lower of BELOW[role]) {
        const response = await api.as(lower, route);
        expect({ url: route.url, lower, got: `${response.statusCode} ${codeOf(response)}` }).toEqual({
          url: route.url,
          lower,
          got: "403 NF_FORBIDDEN",
        });
      }
    }
    expect(await snapshot(api.store)).toEqual(before);
  });

  it("serves the OpenAPI document at /docs/json to a viewer, listing every route", async () => {
    const doc = (await api.as("viewer", { url: "/docs/json" })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/api/proposals",
        "/api/proposals/{id}",
        "/api/proposals/{id}/approve",
        "/api/proposals/{id}/reject",
        "/api/proposals/{id}/supersede",
        "/api/edges",
        "/api/tokens",
        "/healthz",
      ]),
    );
  });
});

describe("the receiver with --otlp-auth token", () => {
  it("refuses spans without a valid token, in the encoding of the request, and takes them with any role's", async () => {
    const offered: number[] = [];
    const intake = {
      accepting: () => true,
      offer: (spans: readonly unknown[]) => void offered.push(spans.length),
    };
    const receiver = await buildReceiver(
      { intake, clock: () => AT, tokens: api.store.tokens },
      { auth: "token", logLevel: "silent" },
    );
    const send = (authorization?: string) =>
      receiver.inject({
        method: "POST",
        url: "/v1/traces",
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
        payload: "{}",
      });
    const refusals = [await send(), await send("Bearer nf_nope"), await send(`Bearer ${api.tokens.revoked}`)];
    expect(refusals.map((r) => `${r.statusCode} ${r.json().code} ${r.json().message.split(":")[0]}`)).toEqual(
      ["401 16 NF_AUTH_REQUIRED", "401 16 NF_AUTH_INVALID", "401 16 NF_AUTH_REVOKED"],
    );
    expect((await send(`Bearer ${api.tokens.viewer}`)).statusCode).toBe(200);
    expect(offered).toEqual([0]);
    await receiver.close();
  });
});

describe("token administration", () => {
  it("lets an admin create a token that works at once, and revoke it so that it is refused from then on", async () => {
    const created = await api.as("admin", {
      method: "POST",
      url: "/api/tokens",
      payload: { name: "ci", role: "approver" },
    });
    expect(created.statusCode).toBe(201);
    const { token, record } = created.json();
    expect(record).toMatchObject({ name: "ci", role: "approver", revokedAt: null });
    const use = () =>
      api.app.inject({ url: "/api/proposals", headers: { authorization: `Bearer ${token}` } });
    expect((await use()).statusCode).toBe(200);
    const listed = (await api.as("admin", { url: "/api/tokens" })).json();
    expect(listed.tokens.map((t: { name: string }) => t.name)).toContain("ci");
    expect(JSON.stringify(listed)).not.toContain(token.slice(-20));
    const revoked = await api.as("admin", { method: "DELETE", url: `/api/tokens/${record.id}` });
    expect(revoked.json().token.revokedAt).not.toBeNull();
    const after = await use();
    expect({ status: after.statusCode, code: codeOf(after) }).toEqual({
      status: 401,
      code: "NF_AUTH_REVOKED",
    });
  });

  it("answers 400 to a token of an unknown role or without a name, and 404 when revoking an unknown one", async () => {
    const before = await snapshot(api.store);
    const create = (payload: Record<string, unknown>) =>
      api.as("admin", { method: "POST", url: "/api/tokens", payload });
    for (const payload of [
      { name: "x", role: "root" },
      { role: "viewer" },
      { name: "", role: "viewer" },
      { name: 3, role: "viewer" },
    ]) {
      const response = await create(payload);
      expect({ payload, got: `${response.statusCode} ${codeOf(response)}` }).toEqual({
        payload,
        got: "400 NF_REQUEST_INVALID",
      });
    }
    const unknown = await api.as("admin", { method: "DELETE", url: "/api/tokens/0123456789abcdef" });
    expect({ status: unknown.statusCode, code: codeOf(unknown) }).toEqual({
      status: 404,
      code: "NF_NOT_FOUND",
    });
    expect(await snapshot(api.store)).toEqual(before);
  });
});
