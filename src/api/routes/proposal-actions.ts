/**
 * Write routes over proposals: approve, reject (with a reason), supersede. Each names the revision
 * its caller decided on (the `If-Match` header, as the proposal's ETag gives it, or the body's
 * `revision`), so of two people acting at once one wins and the other gets 409
 * NF_PROPOSAL_VERSION_CONFLICT; the store appends every change to the audit trail with its actor.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import { NanofuseError } from "../../errors.ts";
import type { ProposalAction } from "../../proposals/states.ts";
import type { Store } from "../../store/store.ts";
import { type Actor, actorName } from "../auth.ts";
import { ApproveBody, errorResponses, Proposal, ProposalId, RejectBody, SupersedeBody } from "../schemas.ts";
import { etagOf, proposalView } from "../views.ts";

export interface ActionRouteOptions {
  store: Store;
  clock: () => Date;
  /** Changes per minute per token. */
  writeRateLimit: number;
}

const ETAG = /^"(\d{1,10})"$|^(\d{1,10})$/;

/** The revision of `If-Match`: one strong entity tag (a weak one or `*` names no revision). */
function revisionFromHeader(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = ETAG.exec(header.trim());
  if (!match)
    throw new NanofuseError(
      "NF_REQUEST_INVALID",
      'If-Match must be one revision as the ETag gives it, e.g. "3"',
    );
  return Number(match[1] ?? match[2]);
}

export function expectedRevision(request: FastifyRequest, body: { revision?: number }): number {
  const header = request.headers["if-match"];
  const fromHeader = revisionFromHeader(Array.isArray(header) ? header.join(",") : header);
  const fromBody = body.revision;
  if (fromHeader === undefined && fromBody === undefined) throw new NanofuseError("NF_REVISION_REQUIRED");
  if (fromHeader !== undefined && fromBody !== undefined && fromHeader !== fromBody)
    throw new NanofuseError(
      "NF_REQUEST_INVALID",
      `If-Match says revision ${fromHeader}, the body ${fromBody}`,
    );
  return (fromHeader ?? fromBody) as number;
}

const ACTIONS = [
  { path: "approve", action: "approve", body: ApproveBody, summary: "Approve a pending proposal" },
  { path: "reject", action: "reject", body: RejectBody, summary: "Reject a proposal, saying why" },
  {
    path: "supersede",
    action: "supersede",
    body: SupersedeBody,
    summary: "Withdraw a proposal in favour of a later one",
  },
] as const satisfies readonly { path: string; action: ProposalAction; body: unknown; summary: string }[];

export const proposalActionRoutes: FastifyPluginAsyncTypebox<ActionRouteOptions> = async (app, options) => {
  const { store, clock } = options;
  // A change sent with only If-Match has no body; the body schema still applies to one that is sent.
  app.addHook("preValidation", async (request) => {
    request.body ??= {};
  });
  for (const { path, action, body, summary } of ACTIONS) {
    app.post(
      `/proposals/:id/${path}`,
      {
        config: { role: "approver", rateLimit: { max: options.writeRateLimit, timeWindow: 60_000 } },
        schema: {
          tags: ["proposals"],
          summary,
          description: "Needs the approver role. Answers 409 when the proposal moved on since it was read.",
          params: ProposalId,
          headers: Type.Object({ "if-match": Type.Optional(Type.String()) }),
          body,
          response: {
            200: Type.Object({ proposal: Proposal }),
            ...errorResponses,
            409: Type.Ref("Error"),
            428: Type.Ref("Error"),
          },
        },
      },
      async (request, reply) => {
        const requestBody = request.body as { revision?: number; reason?: string };
        const proposal = await store.proposals.transition(request.params.id, {
          action,
          expectedRevision: expectedRevision(request, requestBody),
          actor: actorName(request.actor as Actor),
          reason: requestBody.reason,
          at: clock(),
        });
        reply.header("etag", etagOf(proposal.revision));
        return { proposal: proposalView(proposal) };
      },
    );
  }
};
