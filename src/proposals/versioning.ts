/**
 * Versions of a scope's proposals: the same content (hash of the clustering) is the same proposal,
 * whatever state it reached; changed content is the next version, and it replaces the versions still
 * waiting for a decision (draft, pending_approval). Versions already approved or rolling out are left
 * to the people acting on them. Pure.
 */

import type { ProposalState } from "./states.ts";
import { SUPERSEDABLE } from "./states.ts";

export interface VersionView {
  id: number;
  version: number;
  state: ProposalState;
  contentHash: string;
}

export type VersionDecision =
  | { kind: "existing"; id: number }
  | {
      kind: "new";
      version: number;
      /** The scope's latest version (the lineage link), or null for the first. */
      supersedes: number | null;
      /** Versions to move to superseded in the same transaction. */
      replace: number[];
    };

export function decideVersion(scopeVersions: readonly VersionView[], contentHash: string): VersionDecision {
  const same = scopeVersions.find((v) => v.contentHash === contentHash);
  if (same) return { kind: "existing", id: same.id };
  let latest: VersionView | undefined;
  for (const v of scopeVersions) if (!latest || v.version > latest.version) latest = v;
  return {
    kind: "new",
    version: (latest?.version ?? 0) + 1,
    supersedes: latest?.id ?? null,
    replace: scopeVersions
      .filter((v) => SUPERSEDABLE.has(v.state))
      .map((v) => v.id)
      .sort((a, b) => a - b),
  };
}
