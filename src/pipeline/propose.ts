/** Stores a planned epoch as a proposal, with the catalog it was planned under (kept once per content). */
import type { Catalog } from "../model/catalog.ts";
import type { JsonValue, ProposeResult, Store } from "../store/store.ts";
import type { PlannedEpoch } from "./planning.ts";

export async function proposePlanned(
  store: Store,
  planned: PlannedEpoch,
  context: { scope: string; catalog: Catalog; actor: string; at: Date },
): Promise<ProposeResult> {
  const catalog = JSON.parse(JSON.stringify(context.catalog)) as JsonValue;
  return store.proposals.propose({
    scope: context.scope,
    plan: planned.proposal,
    catalogHash: await store.catalogs.save(catalog, context.at),
    exemplars: planned.exemplars,
    actor: context.actor,
    at: context.at,
  });
}
