/**
 * The unit catalog (DESIGN.md "Planning"): what is known about each deployable unit beyond the
 * traces. Every field has a default; the loader fills them in.
 */
export interface UnitSpec {
  runtime: string;
  memoryMb: number;
  baseCostPerHour: number;
  keepAliveSeconds: number;
  dependencies: string[];
  owner?: string;
  /** Invocations one instance runs at once; 1 (the default) as in AWS Lambda. */
  concurrency?: number;
}

export interface CatalogConstraints {
  /** Pairs of units that must never share a group. */
  neverWith: [string, string][];
  /** Units never moved out of their current group. */
  pinned: string[];
  maxGroupSize?: number;
  maxGroupMemoryMb?: number;
}

export interface Catalog {
  defaults: UnitSpec;
  units: Record<string, UnitSpec>;
  constraints: CatalogConstraints;
}
