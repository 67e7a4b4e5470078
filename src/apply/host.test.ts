import { describe, expect, it } from "vitest";
import { NanofuseError } from "../errors.ts";
import type { ClusteringManifest } from "../model/manifest.ts";
import { createApplier } from "./index.ts";

const manifest: ClusteringManifest = { version: "v9", groups: [{ name: "all", units: ["a", "b"] }] };
const request = { proposalId: "p-9", version: 9, manifest, idempotencyKey: "k-9" };

describe("the host applier interface", () => {
  it("hands the checked manifest and the proposal to the deployer and reports success", async () => {
    const deployed: unknown[] = [];
    const applier = createApplier({
      kind: "host",
      deployer: {
        target: "nanofuse host 127.0.0.1:4000",
        deploy: async (m, context) => void deployed.push([m, context]),
      },
    });
    expect(await applier.apply(request)).toMatchObject({ ok: true, applier: "host", attempts: 1 });
    expect(deployed).toEqual([[manifest, { proposalId: "p-9", version: 9, idempotencyKey: "k-9" }]]);
  });

  it("turns a deployer's rejection into a failure result with its reason", async () => {
    const applier = createApplier({
      kind: "host",
      deployer: {
        target: "nanofuse host",
        deploy: async () => {
          throw new NanofuseError("NF_HOST_START_FAILED", "group all did not start");
        },
      },
    });
    const result = await applier.apply(request);
    expect(result).toMatchObject({ ok: false, code: "NF_APPLY_HOST_FAILED", retriable: true, attempts: 1 });
    expect(result.ok === false && result.message).toContain("group all did not start");
  });
});

describe("createApplier", () => {
  it("builds the applier a deployment is configured with", () => {
    expect(createApplier({ kind: "file", path: "layouts/current.json" })).toMatchObject({
      kind: "file",
      target: "layouts/current.json",
    });
    expect(
      createApplier({ kind: "webhook", url: "https://deploy.example/hook?t=1", secret: "s" }),
    ).toMatchObject({
      kind: "webhook",
      target: "https://deploy.example/hook",
    });
  });
});
