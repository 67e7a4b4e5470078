/**
 * Picks the applier a deployment is configured with. The configuration comes from src/config/ (the
 * one reader of the environment); nothing here reads it.
 */
import { type FileApplierOptions, fileApplier } from "./file.ts";
import { type HostDeployer, hostApplier } from "./host.ts";
import type { Applier } from "./types.ts";
import { type WebhookApplierOptions, webhookApplier } from "./webhook.ts";

export type ApplierConfig =
  | ({ kind: "file" } & FileApplierOptions)
  | ({ kind: "webhook" } & WebhookApplierOptions)
  | { kind: "host"; deployer: HostDeployer };

export function createApplier(config: ApplierConfig): Applier {
  switch (config.kind) {
    case "file":
      return fileApplier(config);
    case "webhook":
      return webhookApplier(config);
    case "host":
      return hostApplier(config.deployer);
  }
}

export type { HostDeployer } from "./host.ts";
export type { Applier, ApplyFailure, ApplyRequest, ApplyResult, ApplySuccess } from "./types.ts";
