/** Token administration (admin role): list, create (the secret is shown once), revoke. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { NanofuseError } from "../../errors.ts";
import type { Store } from "../../store/store.ts";
import type { Authenticator } from "../auth.ts";
import { errorResponses, Token, TokenCreateBody } from "../schemas.ts";
import { tokenView } from "../views.ts";

export interface TokenRouteOptions {
  store: Store;
  clock: () => Date;
  auth: Authenticator;
  writeRateLimit: number;
}

export const tokenRoutes: FastifyPluginAsyncTypebox<TokenRouteOptions> = async (app, options) => {
  const { store, clock, auth } = options;
  const tags = ["tokens"];
  const write = { role: "admin", rateLimit: { max: options.writeRateLimit, timeWindow: 60_000 } } as const;

  app.get(
    "/tokens",
    {
      config: { role: "admin" },
      schema: {
        tags,
        summary: "API tokens (never their secrets)",
        response: { 200: Type.Object({ tokens: Type.Array(Token) }), ...errorResponses },
      },
    },
    async () => ({ tokens: (await store.tokens.list()).map(tokenView) }),
  );

  app.post(
    "/tokens",
    {
      config: write,
      schema: {
        tags,
        summary: "Create a token; its secret is in this answer only",
        body: TokenCreateBody,
        response: { 201: Type.Object({ token: Type.String(), record: Token }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { token, record } = await store.tokens.create({ ...request.body, at: clock() });
      reply.status(201);
      return { token, record: tokenView(record) };
    },
  );

  app.delete(
    "/tokens/:id",
    {
      config: write,
      schema: {
        tags,
        summary: "Revoke a token",
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: Type.Object({ token: Token }), ...errorResponses },
      },
    },
    async (request) => {
      const record = await store.tokens.revoke(request.params.id, clock());
      if (!record) throw new NanofuseError("NF_NOT_FOUND", `no token ${request.params.id}`);
      auth.forget();
      return { token: tokenView(record) };
    },
  );
};
