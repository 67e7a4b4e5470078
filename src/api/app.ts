/**
 * The HTTP API, built without listening (style 9: tests drive it with `inject()`, `serve` listens).
 * One plugin per route group under /api/, all behind a bearer token (auth.ts); /healthz is public;
 * OpenAPI at /docs (behind a token too); the dashboard's files at / (public: they hold no data). Defaults: 64 KiB bodies, 60 writes
 * per minute per token, tokens remembered 5 s, proposal reads reused for 1 s.
 */
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import Fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import type { Applier } from "../apply/index.ts";
import { NanofuseError } from "../errors.ts";
import { RolloutController } from "../pipeline/rollouts.ts";
import type { Store } from "../store/store.ts";
import { type Authenticator, createAuthenticator, DEFAULT_AUTH_CACHE_MS } from "./auth.ts";
import { installErrorHandling, writeJsonError } from "./errors.ts";
import { cachingProposalReads, DEFAULT_READ_CACHE_MS } from "./read-cache.ts";
import { analysisRoutes } from "./routes/analysis.ts";
import { healthRoutes } from "./routes/health.ts";
import { proposalActionRoutes } from "./routes/proposal-actions.ts";
import { proposalRoutes } from "./routes/proposals.ts";
import { rolloutRoutes } from "./routes/rollouts.ts";
import { tokenRoutes } from "./routes/tokens.ts";
import { webRoutes } from "./routes/web.ts";
import { ErrorBody } from "./schemas.ts";
import { validatorCompiler } from "./validation.ts";

export interface ApiDeps {
  store: Store;
  clock: () => Date;
  /** False while the server starts or stops: /healthz answers 503. */
  ready?: () => boolean;
  /** How promoted and rolled-back layouts reach the deployment (none: only the state changes). */
  applier?: Applier | null;
  /** The built dashboard (dist/web/), served at `/`; none: no dashboard. */
  webDir?: string;
}

export interface ApiOptions {
  bodyLimit: number;
  /** Writes per minute per token. */
  writeRateLimit: number;
  authCacheMs: number;
  /** How long proposal reads are reused (read-cache.ts); 0 turns the cache off. */
  readCacheMs: number;
  logLevel: string;
}

export const DEFAULT_API_OPTIONS: ApiOptions = {
  bodyLimit: 64 * 1024,
  writeRateLimit: 60,
  authCacheMs: DEFAULT_AUTH_CACHE_MS,
  readCacheMs: DEFAULT_READ_CACHE_MS,
  logLevel: "warn",
};

/** fastify's ajv, but unknown fields are refused instead of silently dropped. */
export const AJV_OPTIONS = {
  customOptions: { removeAdditional: false, coerceTypes: "array", useDefaults: true },
} as const;

export function authHook(auth: Authenticator) {
  return async (request: FastifyRequest) => {
    request.actor = await auth.authenticate(request, request.routeOptions.config.role ?? "viewer");
  };
}

export async function buildApi(deps: ApiDeps, options: Partial<ApiOptions> = {}): Promise<FastifyInstance> {
  const o = { ...DEFAULT_API_OPTIONS, ...options };
  const { clock } = deps;
  const store = cachingProposalReads(deps.store, clock, o.readCacheMs);
  const app = Fastify({
    logger: o.logLevel === "silent" ? false : { level: o.logLevel },
    bodyLimit: o.bodyLimit,
    return503OnClosing: true,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.addSchema(ErrorBody);
  // Bodies are JSON; fastify would also parse text/plain, only for the schema to refuse it.
  app.removeContentTypeParser("text/plain");
  installErrorHandling(app, writeJsonError);
  const auth = createAuthenticator(store.tokens, clock, o.authCacheMs);
  const onRequest = authHook(auth);
  app.decorateRequest("actor", null);

  await app.register(swagger, {
    openapi: {
      info: {
        title: "nanofuse",
        version: "0.1.0",
        description: "Proposals, their evidence and the analysis behind them",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs", uiHooks: { onRequest } });
  await app.register(healthRoutes, { ready: deps.ready ?? (() => true), store });
  if (deps.webDir) await app.register(webRoutes, { dir: deps.webDir });
  await app.register(
    async (api) => {
      api.addHook("onRequest", onRequest);
      // After the token check, so that limits count per token rather than per address.
      await api.register(rateLimit, {
        global: false,
        hook: "preHandler",
        keyGenerator: (request) => request.actor?.tokenId ?? request.ip,
        errorResponseBuilder: (_request, context) =>
          new NanofuseError(
            "NF_RATE_LIMITED",
            `at most ${context.max} changes a minute; retry in ${context.after}`,
          ),
      });
      await api.register(analysisRoutes, { store });
      await api.register(proposalRoutes, { store });
      await api.register(proposalActionRoutes, { store, clock, writeRateLimit: o.writeRateLimit });
      const rollouts = new RolloutController(store, deps.applier ?? null, deps.store);
      await api.register(rolloutRoutes, { rollouts, clock, writeRateLimit: o.writeRateLimit });
      await api.register(tokenRoutes, { store, clock, auth, writeRateLimit: o.writeRateLimit });
    },
    { prefix: "/api" },
  );
  return app;
}
