/**
 * `GET /healthz`, the one public route: 200 once the server is ready and its store answers; 503
 * NF_NOT_READY while it starts or stops, NF_STORE_UNAVAILABLE while the store does not answer.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { NanofuseError } from "../../errors.ts";
import type { Store } from "../../store/store.ts";

export const healthRoutes: FastifyPluginAsyncTypebox<{
  ready: () => boolean;
  store: Pick<Store, "ping">;
}> = async (app, { ready, store }) => {
  app.get(
    "/healthz",
    {
      schema: {
        tags: ["health"],
        summary: "Readiness (no token needed)",
        response: { 200: Type.Object({ status: Type.Literal("ok") }), 503: Type.Ref("Error") },
      },
    },
    async () => {
      if (!ready()) throw new NanofuseError("NF_NOT_READY");
      await store.ping();
      return { status: "ok" as const };
    },
  );
};
