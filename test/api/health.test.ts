/**
 * `/healthz` says whether the server can serve: 503 NF_NOT_READY while it starts or stops, 503
 * NF_STORE_UNAVAILABLE (retriable) once its PostgreSQL store stops answering, 200 otherwise.
 */
import { describe, expect, it } from "vitest";
import { buildApi } from "../../src/api/app.ts";
import { openStore } from "../../src/store/open.ts";
import { useBackend } from "../support/store-backends.ts";

const backend = useBackend("postgres");

describe("/healthz", () => {
  it("answers 200 when ready, 503 while not ready, and 503 once the store does not answer", async () => {
    const store = await openStore(await backend.freshUrl());
    let ready = false;
    const app = await buildApi(
      { store, clock: () => new Date(), ready: () => ready },
      { logLevel: "silent" },
    );
    const health = async () => {
      const r = await app.inject({ url: "/healthz" });
      return { status: r.statusCode, code: r.json().error?.code, retryAfter: r.headers["retry-after"] };
    };
    expect(await health()).toEqual({ status: 503, code: "NF_NOT_READY", retryAfter: "5" });
    ready = true;
    expect(await health()).toEqual({ status: 200, code: undefined, retryAfter: undefined });
    await store.close();
    expect(await health()).toMatchObject({ status: 503, code: "NF_STORE_UNAVAILABLE" });
    await app.close();
  });
});
