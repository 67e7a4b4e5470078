/**
 * Loss of parallelism: a FaaS instance runs one invocation at a time (AWS Lambda's model, and the
 * default here: `concurrency: 1`), so calls that fusion makes in-process run on the caller's single
 * worker one after another, even when the recording shows them in parallel (a fan-out). A group is
 * single-worker when any member declares concurrency 1. The re-timing (retime.ts) applies it; a unit
 * with `concurrency` above 1 (an async Node server, say) keeps its fan-outs parallel.
 */
import type { Catalog } from "../../model/catalog.ts";
import { unitSpec } from "../catalog.ts";

export const DEFAULT_CONCURRENCY = 1;

export function isSingleWorker(catalog: Catalog, group: readonly string[]): boolean {
  return group.some((unit) => (unitSpec(catalog, unit).concurrency ?? DEFAULT_CONCURRENCY) <= 1);
}
