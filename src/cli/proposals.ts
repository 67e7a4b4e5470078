/** `nanofuse proposals list|show`: proposals read from a store (the API client comes with `serve`). */
import { Command, InvalidArgumentError, Option } from "commander";
import { NanofuseError } from "../errors.ts";
import { isProposalState, PROPOSAL_STATES, type ProposalState } from "../proposals/states.ts";
import type { ProposalRecord, ProposalSummary } from "../store/store.ts";
import type { CommandState } from "./command-state.ts";
import { ms, table } from "./format.ts";
import { positiveInteger } from "./numbers.ts";
import { withStore } from "./store-option.ts";

interface ReadOptions {
  store?: string;
  format: "text" | "json";
}

const storeOption = () =>
  new Option(
    "--store <location>",
    "postgres://…, a PGlite directory or :memory: (default: DATABASE_URL, else ./.nanofuse/)",
  );
const formatOption = () =>
  new Option("--format <format>", "output format").choices(["text", "json"]).default("text");
const day = (d: Date) => d.toISOString().replace("T", " ").slice(0, 19);

function listText(rows: ProposalSummary[]): string {
  if (rows.length === 0) return "no proposals\n";
  const lines = table([
    ["id", "scope", "version", "state", "revision", "p50 now → proposed", "created (UTC)"],
    ...rows.map((p) => [
      `#${p.id}`,
      p.scope,
      `v${p.version}`,
      p.state,
      `${p.revision}`,
      `${ms(p.predicted.baseline.p50Us)} → ${ms(p.predicted.proposed.p50Us)}`,
      day(p.createdAt),
    ]),
  ]);
  return `${lines.join("\n")}\n`;
}

function showText(p: ProposalRecord, audit: Awaited<ReturnType<typeof details>>["audit"]): string {
  const lines = [
    `proposal #${p.id}: version ${p.version} of ${p.scope}, ${p.state} (revision ${p.revision}), content ${p.contentHash.slice(0, 12)}`,
    p.supersedes === null ? "" : `supersedes #${p.supersedes}`,
    p.supersededBy === null ? "" : `superseded by #${p.supersededBy}`,
    "",
    "groups",
    ...p.plan.groups.map((g) => `  [${g.join(", ")}]`),
    "",
    `predicted p50 ${ms(p.predicted.baseline.p50Us)} → ${ms(p.predicted.proposed.p50Us)}, p95 ${ms(p.predicted.baseline.p95Us)} → ${ms(p.predicted.proposed.p95Us)} (${p.predicted.traces} traces)`,
  ];
  for (const m of p.plan.merges)
    lines.push("", `${m.kind} [${m.units.join(", ")}] → [${m.into.join(", ")}]`, `  ${m.reason}`);
  lines.push("", "audit");
  lines.push(
    ...table(audit.map((a) => [day(a.at), a.action, `${a.from ?? "-"} → ${a.to}`, a.actor, a.reason ?? ""])),
  );
  return `${lines.filter((l, i) => l !== "" || lines[i - 1] !== "").join("\n")}\n`;
}

async function details(store: Parameters<Parameters<typeof withStore>[1]>[0], id: number) {
  const proposal = await store.proposals.get(id);
  if (!proposal) throw new NanofuseError("NF_PROPOSAL_NOT_FOUND", `proposal ${id}`);
  const [audit, rollouts, exemplars] = await Promise.all([
    store.proposals.audit(id),
    store.rollouts.forProposal(id),
    store.proposals.exemplars(id),
  ]);
  return { proposal, audit, rollouts, exemplars };
}

function states(value: string, previous: ProposalState[] = []): ProposalState[] {
  if (!isProposalState(value))
    throw new InvalidArgumentError(`expected one of ${PROPOSAL_STATES.join(", ")}, got ${value}`);
  return [...previous, value];
}

export function proposalsCommand(_state: CommandState): Command {
  const command = new Command("proposals").description("Versioned proposals in a store");
  command
    .command("list")
    .description("Proposals, newest first")
    .addOption(storeOption())
    .addOption(formatOption())
    .option("--state <state>", "only proposals in this state (repeatable)", states)
    .option("--scope <name>", "only proposals of this scope")
    .addOption(new Option("--limit <n>", "at most this many").argParser(positiveInteger).default(50))
    .action(async (opts: ReadOptions & { state?: ProposalState[]; scope?: string; limit: number }) => {
      const rows = await withStore(opts.store, (store) =>
        store.proposals.list({ states: opts.state, scope: opts.scope, limit: opts.limit }),
      );
      process.stdout.write(opts.format === "json" ? `${JSON.stringify(rows)}\n` : listText(rows));
    });
  command
    .command("show")
    .description("One proposal with its plan, evidence, audit trail, rollouts and exemplar traces")
    .argument("<id>", "proposal id", positiveInteger)
    .addOption(storeOption())
    .addOption(formatOption())
    .action(async (id: number, opts: ReadOptions) => {
      const doc = await withStore(opts.store, (store) => details(store, id));
      process.stdout.write(
        opts.format === "json" ? `${JSON.stringify(doc)}\n` : showText(doc.proposal, doc.audit),
      );
    });
  return command;
}
