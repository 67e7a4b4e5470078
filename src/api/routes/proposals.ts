/** Read routes over proposals: the list by state, one with its versions and audit trail, its exemplar traces. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { NanofuseError } from "../../errors.ts";
import type { ProposalRecord, Store } from "../../store/store.ts";
import {
  AuditEntry,
  ExemplarTrace,
  errorResponses,
  Proposal,
  ProposalId,
  ProposalQuery,
  ProposalSummary,
  Rollout,
} from "../schemas.ts";
import { auditView, etagOf, proposalView, rolloutView, summaryView } from "../views.ts";

const TraceId = Type.Object({ traceId: Type.String({ pattern: "^[0-9a-f]{32}$" }) });

export async function proposalOr404(store: Store, id: number): Promise<ProposalRecord> {
  const proposal = await store.proposals.get(id);
  if (!proposal) throw new NanofuseError("NF_PROPOSAL_NOT_FOUND", `no proposal ${id}`);
  return proposal;
}

export const proposalRoutes: FastifyPluginAsyncTypebox<{ store: Store }> = async (app, { store }) => {
  const tags = ["proposals"];

  app.get(
    "/proposals",
    {
      schema: {
        tags,
        summary: "Proposals, newest first, optionally of some states or one scope",
        querystring: ProposalQuery,
        response: {
          200: Type.Object({
            proposals: Type.Array(ProposalSummary),
            next: Type.Union([Type.Integer(), Type.Null()], { description: "`before` of the next page" }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { state, scope, limit = 100, before } = request.query;
      const page = await store.proposals.list({ states: state, scope, limit, beforeId: before });
      const next = page.length === limit ? page[page.length - 1].id : null;
      return { proposals: page.map(summaryView), next };
    },
  );

  app.get(
    "/proposals/:id",
    {
      schema: {
        tags,
        summary:
          "One proposal with its plan and evidence, the other versions of its scope, its audit trail and rollouts",
        params: ProposalId,
        response: {
          200: Type.Object({
            proposal: Proposal,
            versions: Type.Array(ProposalSummary),
            audit: Type.Array(AuditEntry),
            rollouts: Type.Array(Rollout),
          }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const proposal = await proposalOr404(store, request.params.id);
      const [versions, audit, rollouts] = await Promise.all([
        store.proposals.list({ scope: proposal.scope, limit: 1000 }),
        store.proposals.audit(proposal.id),
        store.rollouts.forProposal(proposal.id),
      ]);
      reply.header("etag", etagOf(proposal.revision));
      return {
        proposal: proposalView(proposal),
        versions: versions.map(summaryView),
        audit: audit.map(auditView),
        rollouts: rollouts.map(rolloutView),
      };
    },
  );

  app.get(
    "/proposals/:id/audit",
    {
      schema: {
        tags,
        summary: "The audit trail of a proposal, oldest first",
        params: ProposalId,
        response: { 200: Type.Object({ audit: Type.Array(AuditEntry) }), ...errorResponses },
      },
    },
    async (request) => {
      await proposalOr404(store, request.params.id);
      return { audit: (await store.proposals.audit(request.params.id)).map(auditView) };
    },
  );

  app.get(
    "/proposals/:id/traces",
    {
      schema: {
        tags,
        summary: "The traces kept as a proposal's evidence, with their critical paths",
        params: ProposalId,
        response: { 200: Type.Object({ traces: Type.Array(ExemplarTrace) }), ...errorResponses },
      },
    },
    async (request) => {
      await proposalOr404(store, request.params.id);
      return { traces: await store.proposals.exemplars(request.params.id) };
    },
  );

  app.get(
    "/traces/:traceId",
    {
      schema: {
        tags,
        summary: "A trace kept as evidence of any proposal, with its critical paths",
        params: TraceId,
        response: { 200: ExemplarTrace, ...errorResponses },
      },
    },
    async (request) => {
      const trace = await store.proposals.exemplarTrace(request.params.traceId);
      if (!trace)
        throw new NanofuseError("NF_NOT_FOUND", `trace ${request.params.traceId} is not kept as evidence`);
      return trace;
    },
  );
};
