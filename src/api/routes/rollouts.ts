/**
 * Rollout routes: start one for an approved proposal (the candidate's label, its traffic share, the
 * judge's minimum sample, maximum duration and policy), read it with the variants' counts and the
 * judge's verdict on them, promote or roll back. Writes need the approver role and the revision the
 * caller decided on (If-Match or the body's `revision`), and are audited by the store.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import type { RolloutController } from "../../pipeline/rollouts.ts";
import { type Actor, actorName } from "../auth.ts";
import {
  errorResponses,
  PromoteBody,
  Proposal,
  ProposalId,
  RollbackBody,
  RolloutStartBody,
  RolloutStatus,
} from "../schemas.ts";
import { etagOf, proposalView, rolloutStatusView } from "../views.ts";
import { expectedRevision } from "./proposal-actions.ts";

export interface RolloutRouteOptions {
  rollouts: RolloutController;
  clock: () => Date;
  writeRateLimit: number;
}

const writeResponses = {
  200: Type.Object({ proposal: Proposal }),
  ...errorResponses,
  409: Type.Ref("Error"),
  428: Type.Ref("Error"),
  502: Type.Ref("Error"),
};

export const rolloutRoutes: FastifyPluginAsyncTypebox<RolloutRouteOptions> = async (app, options) => {
  const { rollouts, clock } = options;
  const tags = ["rollouts"];
  const write = { role: "approver" as const, rateLimit: { max: options.writeRateLimit, timeWindow: 60_000 } };
  const headers = Type.Object({ "if-match": Type.Optional(Type.String()) });
  app.addHook("preValidation", async (request) => {
    if (request.method === "POST") request.body ??= {};
  });

  app.get(
    "/proposals/:id/rollout",
    {
      schema: {
        tags,
        summary: "The proposal's rollout: its policy, the variants' counts, the judge's verdict now",
        params: ProposalId,
        response: { 200: RolloutStatus, ...errorResponses },
      },
    },
    async (request, reply) => {
      const status = await rollouts.status(request.params.id, clock());
      reply.header("etag", etagOf(status.proposal.revision));
      return rolloutStatusView(status);
    },
  );

  app.get(
    "/proposals/:id/rollout/latencies",
    {
      schema: {
        tags,
        summary: "The latest rollout's successful request latencies per variant, in µs, in arrival order",
        params: ProposalId,
        response: {
          200: Type.Object({ control: Type.Array(Type.Number()), candidate: Type.Array(Type.Number()) }),
          ...errorResponses,
        },
      },
    },
    async (request) => rollouts.latencies(request.params.id),
  );

  app.post(
    "/proposals/:id/rollout",
    {
      config: write,
      schema: {
        tags,
        summary: "Start rolling out an approved proposal",
        description: "Needs the approver role; 409 when the proposal is not approved or moved on.",
        params: ProposalId,
        headers,
        body: RolloutStartBody,
        response: writeResponses,
      },
    },
    async (request, reply) => {
      const body = request.body;
      const proposal = await rollouts.start(request.params.id, {
        expectedRevision: expectedRevision(request, body),
        actor: actorName(request.actor as Actor),
        at: clock(),
        variant: body.variant,
        trafficShare: body.trafficShare,
        minSample: body.minSample,
        maxDurationMs: body.maxDurationMs,
        policy: body.policy,
        automatic: body.automatic,
      });
      reply.header("etag", etagOf(proposal.revision));
      return { proposal: proposalView(proposal) };
    },
  );

  for (const [path, body, summary] of [
    ["promote", PromoteBody, "Promote the candidate: apply the proposal's layout everywhere"],
    ["rollback", RollbackBody, "Roll back, saying why: re-apply the current layout"],
  ] as const) {
    app.post(
      `/proposals/:id/${path}`,
      {
        config: write,
        schema: {
          tags,
          summary,
          description:
            "Needs the approver role. The deployment's applier runs first; when it fails the proposal keeps rolling out, the failure is recorded and the answer is 502 NF_ROLLOUT_APPLY_FAILED.",
          params: ProposalId,
          headers,
          body,
          response: writeResponses,
        },
      },
      async (request, reply) => {
        const requestBody = request.body as { revision?: number; reason?: string };
        const input = {
          expectedRevision: expectedRevision(request, requestBody),
          actor: actorName(request.actor as Actor),
          at: clock(),
          reason: requestBody.reason,
        };
        const id = request.params.id;
        const proposal =
          path === "promote" ? await rollouts.promote(id, input) : await rollouts.rollBack(id, input);
        reply.header("etag", etagOf(proposal.revision));
        return { proposal: proposalView(proposal) };
      },
    );
  }
};
