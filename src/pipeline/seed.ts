/**
 * First start: recorded traces replayed into an empty store and planned, so that a newcomer sees a
 * real proposal at once. The replay is `nanofuse plan`'s (spans' own clock), the windows replace
 * whatever the source held (a second seed writes the same rows), and the proposal is the one
 * `nanofuse plan` prints for the same files and catalog.
 */

import { DEFAULT_WINDOW_US } from "../analyse/aggregates.ts";
import { Analyser } from "../analyse/analyser.ts";
import type { Catalog } from "../model/catalog.ts";
import type { PlanOptions } from "../plan/planner.ts";
import type { ProposeResult, Store } from "../store/store.ts";
import { PlanningEpoch } from "./planning.ts";
import { proposePlanned } from "./propose.ts";
import { replayFiles } from "./replay.ts";

export interface SeedOptions {
  source: string;
  scope: string;
  windowUs: number;
  catalog: Catalog;
  plan: Partial<PlanOptions>;
  actor: string;
  at: Date;
}

export interface SeedResult {
  traces: number;
  spans: number;
  rejected: number;
  proposal: ProposeResult;
}

/** Whether the store has nothing yet: no windows and no proposals. */
export async function isEmptyStore(store: Store): Promise<boolean> {
  const [sources, proposals] = await Promise.all([
    store.aggregates.sources(),
    store.proposals.list({ limit: 1 }),
  ]);
  return sources.length === 0 && proposals.length === 0;
}

export async function seedStore(
  store: Store,
  files: string[],
  options: Partial<SeedOptions> & Pick<SeedOptions, "catalog" | "at">,
): Promise<SeedResult> {
  const o = {
    source: "fixtures",
    scope: "demo",
    windowUs: DEFAULT_WINDOW_US,
    plan: {},
    actor: "nanofuse (first start)",
    ...options,
  };
  const analyser = new Analyser({ windowUs: o.windowUs });
  const epoch = new PlanningEpoch();
  const replay = await replayFiles(files, (tree) => {
    analyser.add(tree);
    epoch.add(tree);
  });
  const result = analyser.finish();
  epoch.addWindows(result.total);
  await store.aggregates.replaceSource(o.source, o.windowUs, result.windows.windows.values());
  const planned = epoch.plan(o.catalog, o.plan);
  const proposal = await proposePlanned(store, planned, o);
  const rejected = Object.values(replay.problems.bySeverity("reject")).reduce((a, b) => a + b, 0);
  return { traces: epoch.traces, spans: replay.spansRead, rejected, proposal };
}
