/**
 * The API's request and response shapes as JSON Schema (TypeBox): fastify validates requests and
 * serialises responses with them, and @fastify/swagger documents them at /docs. Request objects do
 * not allow additional properties, so a typo is an error, not a no-op.
 */
import { type TSchema, Type } from "typebox";
import { PROPOSAL_STATES } from "../proposals/states.ts";
import { ROLES } from "./auth.ts";

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Instant = Type.String({ format: "date-time" });
/** A plan, evidence or figures: documented in the README, passed through as the planner wrote them. */
const Document = Type.Object({}, { additionalProperties: true });

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: "stable NF_ code (README, error codes)" }),
      message: Type.String(),
      retriable: Type.Boolean(),
    }),
  },
  { $id: "Error" },
);

export const errorResponses = {
  400: Type.Ref("Error"),
  401: Type.Ref("Error"),
  403: Type.Ref("Error"),
  404: Type.Ref("Error"),
  429: Type.Ref("Error"),
};

export const State = Type.Union(
  PROPOSAL_STATES.map((s) => Type.Literal(s)),
  {
    description:
      "draft → pending_approval → approved → rolling_out → promoted, or rejected / rolled_back / superseded",
  },
);
export const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));

export const ProposalId = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) });

export const ProposalSummary = Type.Object({
  id: Type.Integer(),
  scope: Type.String(),
  version: Type.Integer(),
  revision: Type.Integer({ description: "the expected revision of the next change (If-Match)" }),
  state: State,
  contentHash: Type.String(),
  supersedes: Nullable(Type.Integer()),
  supersededBy: Nullable(Type.Integer()),
  predicted: Document,
  catalogHash: Nullable(Type.String()),
  createdAt: Instant,
  updatedAt: Instant,
});

export const Proposal = Type.Intersect([
  ProposalSummary,
  Type.Object({ plan: Document, exemplarTraceIds: Type.Array(Type.String()) }),
]);

export const AuditEntry = Type.Object({
  id: Type.Integer(),
  at: Instant,
  actor: Type.String(),
  action: Type.String(),
  from: Nullable(State),
  to: State,
  reason: Nullable(Type.String()),
  revision: Type.Integer(),
});

export const Rollout = Type.Object({
  id: Type.Integer(),
  variant: Type.String(),
  trafficShare: Type.Number(),
  startedAt: Instant,
  endedAt: Nullable(Instant),
  outcome: Nullable(Type.String()),
  judgements: Type.Array(Document),
});

export const ExemplarTrace = Type.Object({
  traceId: Type.String(),
  paths: Type.Array(Document, { description: "critical paths, one per root and orphan subtree" }),
});

export const Token = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: Role,
  createdAt: Instant,
  lastUsedAt: Nullable(Instant),
  revokedAt: Nullable(Instant),
});

/** Expected revision in the body, as an alternative to the If-Match header. */
const revision = Type.Optional(Type.Integer({ minimum: 0, description: "expected revision (or If-Match)" }));
const reason = (required: boolean) => {
  const schema = Type.String({ minLength: 1, maxLength: 2000 });
  return required ? schema : Type.Optional(schema);
};

export const ApproveBody = Type.Object({ revision, reason: reason(false) }, { additionalProperties: false });
export const RejectBody = Type.Object({ revision, reason: reason(true) }, { additionalProperties: false });
export const SupersedeBody = ApproveBody;

export const TokenCreateBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 200 }), role: Role },
  { additionalProperties: false },
);

/** Which windows a read covers: by start time (µs since the epoch) and source. */
export const WindowRange = Type.Object(
  {
    fromUs: Type.Optional(Type.Integer({ minimum: 0 })),
    toUs: Type.Optional(Type.Integer({ minimum: 0 })),
    source: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);

export const ProposalQuery = Type.Object(
  {
    state: Type.Optional(Type.Array(State, { maxItems: PROPOSAL_STATES.length })),
    scope: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
    before: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647 })),
  },
  { additionalProperties: false },
);

export const EdgeReport = Type.Object({
  from: Type.String(),
  to: Type.String(),
  calls: Type.Integer(),
  errors: Type.Integer(),
  asyncCalls: Type.Integer(),
  virtual: Type.Boolean(),
  estimated: Type.Integer(),
  skewed: Type.Integer(),
  networkUs: Type.Object({
    p50: Type.Number(),
    p95: Type.Number(),
    sum: Type.Number(),
    /** Hops behind the percentiles (exact order statistics up to 100 of them). */
    count: Type.Optional(Type.Integer()),
  }),
  criticalPathNetworkUs: Type.Number(),
  stragglerCount: Type.Integer(),
  barrierWaitUs: Type.Number(),
});

export const UnitReport = Type.Object({
  unit: Type.String(),
  spans: Type.Integer(),
  errors: Type.Integer(),
  criticalPathUs: Type.Number(),
  coldStarts: Type.Integer(),
  coldStartCriticalPathUs: Type.Number(),
  weightedDegree: Type.Number(),
  betweenness: Type.Number(),
  firstWindowUs: Nullable(Type.Number()),
  lastWindowUs: Nullable(Type.Number()),
});

export const WindowSummary = Type.Object({
  source: Type.String(),
  partition: Type.Integer(),
  startUs: Type.Number(),
  windowUs: Type.Number(),
  traces: Type.Integer(),
  spans: Type.Integer(),
  edges: Type.Integer(),
  units: Type.Integer(),
});

export const RolloutStartBody = Type.Object(
  {
    revision,
    variant: Type.String({
      minLength: 1,
      maxLength: 200,
      description: "what the candidate runs (its spans carry nanofuse.variant=candidate)",
    }),
    trafficShare: Type.Number({ exclusiveMinimum: 0, maximum: 1, description: "share of requests, (0, 1]" }),
    minSample: Type.Optional(
      Type.Integer({ minimum: 2, description: "requests per variant before the judge's first look" }),
    ),
    maxDurationMs: Type.Optional(
      Type.Integer({ minimum: 1, description: "undecided after this long: the rollout is exhausted" }),
    ),
    policy: Type.Optional(
      Type.Object({}, { additionalProperties: true, description: "other judge policy fields (README)" }),
    ),
    automatic: Type.Optional(
      Type.Boolean({ description: "the judge's promote or roll back is applied without a person" }),
    ),
    reason: reason(false),
  },
  { additionalProperties: false },
);
export const PromoteBody = ApproveBody;
export const RollbackBody = RejectBody;

const Counts = Type.Object({ requests: Type.Integer(), errors: Type.Integer(), latencies: Type.Integer() });

export const RolloutStatus = Type.Object({
  proposal: ProposalSummary,
  rollout: Nullable(Type.Intersect([Rollout, Type.Object({ policy: Document, automatic: Type.Boolean() })])),
  observations: Nullable(Type.Object({ control: Counts, candidate: Counts })),
  judgement: Nullable(Document),
  applies: Type.Array(Document),
});
