/**
 * The interface point for the `nanofuse host` applier: applying a layout by re-deploying the demo
 * app's groups under the host, without losing in-flight requests. The deployer itself comes with the
 * host's variant work; this applier turns whatever it does into an ApplyResult (it never throws),
 * like the file and webhook appliers, so the rollout API treats all three alike.
 */
import type { ClusteringManifest } from "../model/manifest.ts";
import {
  type Applier,
  type ApplyRequest,
  type ApplyResult,
  checkRequest,
  failure,
  reasonOf,
} from "./types.ts";

export interface HostDeployer {
  /** Where it deploys, for results (e.g. the host's entry URL). */
  readonly target: string;
  /**
   * Runs `manifest`: resolves once the new layout serves and the old one has drained; rejects (with a
   * NanofuseError where it can) when the layout could not be deployed and the old one still serves.
   */
  deploy(manifest: ClusteringManifest, context: Omit<ApplyRequest, "manifest">): Promise<void>;
}

export function hostApplier(deployer: HostDeployer): Applier {
  const target = deployer.target;
  return {
    kind: "host",
    target,
    async apply(request: ApplyRequest): Promise<ApplyResult> {
      const outcome = { applier: "host" as const, target, attempts: 0, history: [] };
      const checked = checkRequest(request, outcome);
      if ("failure" in checked) return checked.failure;
      const { proposalId, version, idempotencyKey } = request;
      try {
        await deployer.deploy(checked.manifest, { proposalId, version, idempotencyKey });
        return { ok: true, ...outcome, attempts: 1, history: [{ attempt: 1 }] };
      } catch (error) {
        const what = reasonOf(error);
        const done = { ...outcome, attempts: 1, history: [{ attempt: 1, error: what }] };
        return failure(done, "NF_APPLY_HOST_FAILED", what);
      }
    },
  };
}
