/** `GET /healthz`, the one public route: 200 once the server is ready, 503 while it starts or stops. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { Type } from "typebox";
import { NanofuseError } from "../../errors.ts";

export const healthRoutes: FastifyPluginAsyncTypebox<{ ready: () => boolean }> = async (app, { ready }) => {
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
      return { status: "ok" as const };
    },
  );
};
