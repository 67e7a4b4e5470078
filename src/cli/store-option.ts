/**
 * `--store` for the commands that read recorded traces: `replay` and `analyse` write their windowed
 * aggregates (replacing what an earlier replay of the same source wrote), `plan` writes a versioned
 * proposal. Kept in one file so each command gains the option with a line or two.
 */
import { createHash } from "node:crypto";
import { resolve } from "node:path";
import type { Command } from "commander";
import { DEFAULT_WINDOW_US, type WindowedAggregates } from "../analyse/aggregates.ts";
import { Analyser } from "../analyse/analyser.ts";
import type { PathEntry } from "../analyse/trace-analysis.ts";
import { storeLocation } from "../config/store.ts";
import type { CallTree } from "../model/call-tree.ts";
import type { Proposal } from "../plan/proposal.ts";
import { describeLocation, parseStoreLocation } from "../store/location.ts";
import { openStore } from "../store/open.ts";
import type { JsonValue, Store } from "../store/store.ts";

export interface StoreOptions {
  store?: string;
  source?: string;
}

export function addStoreOptions(command: Command): Command {
  return command
    .option("--store <location>", "write to a store: postgres://… , a PGlite directory, or :memory:")
    .option("--source <name>", "source name of the aggregates in the store (default: from the input files)");
}

/** Opens the store at `--store`, else `DATABASE_URL`, else `./.nanofuse/`, runs `fn` and closes it. */
export async function withStore<T>(
  flag: string | undefined,
  fn: (store: Store, where: string) => Promise<T>,
) {
  const location = parseStoreLocation(storeLocation(flag));
  const store = await openStore(location);
  try {
    return await fn(store, describeLocation(location));
  } finally {
    await store.close();
  }
}

/** The same files (wherever the command runs from) give the same source, so a replay replaces itself. */
export function defaultSource(files: string[]): string {
  const paths = files.map((f) => resolve(f)).sort();
  return `files:${createHash("sha256").update(paths.join("\u0000")).digest("hex").slice(0, 16)}`;
}

export async function writeWindows(
  opts: StoreOptions,
  files: string[],
  windows: WindowedAggregates,
): Promise<void> {
  if (!opts.store) return;
  const source = opts.source ?? defaultSource(files);
  await withStore(opts.store, async (store, where) => {
    const summary = await store.aggregates.replaceSource(source, windows.windowUs, windows.windows.values());
    process.stderr.write(
      `stored ${summary.windows} windows, ${summary.edges} edges, ${summary.units} unit rows as source ${source} in ${where}\n`,
    );
  });
}

/** For `replay --store`: the analysis the store needs, run beside the replay's own inventory. */
export function storeAnalyser(opts: StoreOptions): {
  add(tree: CallTree): void;
  write(files: string[]): Promise<void>;
} {
  const analyser = opts.store ? new Analyser({ windowUs: DEFAULT_WINDOW_US }) : null;
  return {
    add: (tree) => analyser?.add(tree),
    write: async (files) => {
      if (analyser) await writeWindows(opts, files, analyser.finish().windows);
    },
  };
}

export interface PlanStoreOptions {
  store?: string;
  scope: string;
}

export async function writeProposal(
  opts: PlanStoreOptions,
  proposal: Proposal,
  context: { catalog?: unknown; paths: PathEntry[]; at: Date },
): Promise<void> {
  if (!opts.store) return;
  if (proposal.merges.length === 0) {
    process.stderr.write("no change is worth making: nothing written to the store\n");
    return;
  }
  const wanted = new Set(proposal.merges.flatMap((m) => m.edges.flatMap((e) => e.exemplarTraceIds)));
  const exemplars = [...wanted].sort().map((traceId) => ({
    traceId,
    paths: context.paths.filter((p) => p.traceId === traceId),
  }));
  await withStore(opts.store, async (store, where) => {
    const catalogHash =
      context.catalog === undefined
        ? undefined
        : await store.catalogs.save(JSON.parse(JSON.stringify(context.catalog)) as JsonValue, context.at);
    const {
      proposal: stored,
      created,
      superseded,
    } = await store.proposals.propose({
      scope: opts.scope,
      plan: proposal,
      catalogHash,
      exemplars,
      actor: "nanofuse plan",
      at: context.at,
    });
    const what = created ? "stored as" : "unchanged, already";
    const replaced = superseded ? `, superseding #${superseded.id} (version ${superseded.version})` : "";
    process.stderr.write(
      `${what} proposal #${stored.id}, version ${stored.version} of ${opts.scope}, ${stored.state}${replaced}, in ${where}\n`,
    );
  });
}
