/**
 * `nanofuse proposals list|show|approve|reject` (and rollout|promote|rollback, ./proposals-rollout.ts) against the API (`--url`/NANOFUSE_URL,
 * `--token`/NANOFUSE_TOKEN), for people who live in a terminal. A change names the revision it was
 * decided on (`show` prints it): when someone else acted first the API answers
 * NF_PROPOSAL_VERSION_CONFLICT and nothing changes. With `--store`, list and show read a store
 * directly instead (./proposals.ts), for a store no server runs on; changes always go through the
 * API, which names the token as the actor.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { CLIENT_SCHEMA, loadClientConfig } from "../config/client.ts";
import { addSchemaOptions } from "../config/options.ts";
import { isProposalState, PROPOSAL_STATES, type ProposalState } from "../proposals/states.ts";
import type { AuditEntry, ProposalRecord, ProposalSummary } from "../store/store.ts";
import type { CommandState } from "./command-state.ts";
import { LISTINGS } from "./commands.ts";
import { ms, table } from "./format.ts";
import { positiveInteger } from "./numbers.ts";
import { proposalsCommand as storeProposalsCommand } from "./proposals.ts";
import { ApiClient, type Change } from "./proposals-client.ts";
import { addRolloutCommands } from "./proposals-rollout.ts";

const when = (d: Date) => d.toISOString().replace("T", " ").slice(0, 19);
const formatOption = () =>
  new Option("--format <format>", "output format").choices(["text", "json"]).default("text");

function states(value: string, previous: ProposalState[] = []): ProposalState[] {
  if (!isProposalState(value))
    throw new InvalidArgumentError(`expected one of ${PROPOSAL_STATES.join(", ")}, got ${value}`);
  return [...previous, value];
}

function revisionOf(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new InvalidArgumentError(`expected a revision number, got ${value}`);
  return n;
}

export function listText(rows: ProposalSummary[]): string {
  if (rows.length === 0) return "no proposals\n";
  const head = ["id", "scope", "version", "state", "revision", "p50 now → proposed", "created (UTC)"];
  const body = rows.map((p) => [
    String(p.id),
    p.scope,
    `v${p.version}`,
    p.state,
    String(p.revision),
    `${ms(p.predicted.baseline.p50Us)} → ${ms(p.predicted.proposed.p50Us)}`,
    when(p.createdAt),
  ]);
  return `${table([head, ...body]).join("\n")}\n`;
}

export function showText(p: ProposalRecord, audit: AuditEntry[]): string {
  const lines = [
    `proposal ${p.id}: version ${p.version} of ${p.scope}, ${p.state}, revision ${p.revision}`,
    "",
    "groups",
    ...p.plan.groups.map((g) => `  [${g.join(", ")}]`),
    "",
    `predicted p50 ${ms(p.predicted.baseline.p50Us)} → ${ms(p.predicted.proposed.p50Us)}, p95 ${ms(p.predicted.baseline.p95Us)} → ${ms(p.predicted.proposed.p95Us)} (${p.predicted.traces} traces)`,
    ...p.plan.merges.flatMap((m) => [`  ${m.reason}`]),
    "",
    "audit",
    ...table(audit.map((a) => [when(a.at), a.action, `${a.from ?? "-"} → ${a.to}`, a.actor, a.reason ?? ""])),
  ];
  return `${lines.join("\n")}\n`;
}

function clientFrom(opts: Record<string, unknown>): ApiClient {
  const config = loadClientConfig(opts);
  return new ApiClient(config.url, config.token);
}

const withClientOptions = (command: Command) => addSchemaOptions(command, CLIENT_SCHEMA);
const storeOption = () =>
  new Option(
    "--store <location>",
    "read this store directly instead of the API (postgres://… or a PGlite directory)",
  );

/** Runs the store reader's own `proposals` command with the same, already validated, options. */
async function fromStore(state: CommandState, args: string[]): Promise<void> {
  const command = storeProposalsCommand(state);
  for (const sub of command.commands) sub.exitOverride();
  await command.parseAsync(args, { from: "user" });
}

export function proposalsApiCommand(state: CommandState): Command {
  const command = new Command("proposals").description(LISTINGS.proposals.description);
  withClientOptions(
    command
      .command("list")
      .description("Proposals, newest first")
      .option("--state <state>", "only proposals in this state (repeatable)", states)
      .option("--scope <name>", "only proposals of this scope")
      .addOption(new Option("--limit <n>", "at most this many").argParser(positiveInteger).default(50))
      .addOption(formatOption())
      .addOption(storeOption()),
  ).action(
    async (opts: {
      state?: ProposalState[];
      scope?: string;
      limit: number;
      format: string;
      store?: string;
    }) => {
      if (opts.store) {
        const filters = [
          ...(opts.state ?? []).flatMap((s) => ["--state", s]),
          ...(opts.scope ? ["--scope", opts.scope] : []),
        ];
        return fromStore(state, [
          "list",
          "--store",
          opts.store,
          "--format",
          opts.format,
          "--limit",
          String(opts.limit),
          ...filters,
        ]);
      }
      const rows = await clientFrom(opts).list({ states: opts.state, scope: opts.scope, limit: opts.limit });
      process.stdout.write(opts.format === "json" ? `${JSON.stringify(rows, null, 2)}\n` : listText(rows));
    },
  );
  withClientOptions(
    command
      .command("show")
      .description("One proposal with its plan, evidence and audit trail")
      .argument("<id>", "proposal id", positiveInteger)
      .addOption(formatOption())
      .addOption(storeOption()),
  ).action(async (id: number, opts: { format: string; store?: string }) => {
    if (opts.store)
      return fromStore(state, ["show", String(id), "--store", opts.store, "--format", opts.format]);
    const client = clientFrom(opts);
    const proposal = await client.get(id);
    if (!proposal) throw new InvalidArgumentError(`no proposal ${id}`);
    const audit = await client.audit(id);
    process.stdout.write(
      opts.format === "json"
        ? `${JSON.stringify({ proposal, audit }, null, 2)}\n`
        : showText(proposal, audit),
    );
  });
  const change = (name: "approve" | "reject", description: string, reasonRequired: boolean) => {
    const sub = command
      .command(name)
      .description(description)
      .argument("<id>", "proposal id", positiveInteger)
      .addOption(
        new Option("--revision <n>", "the revision you decided on (see `show`)")
          .argParser(revisionOf)
          .makeOptionMandatory(),
      )
      .addOption(
        new Option("--reason <text>", "why (kept in the audit trail)").makeOptionMandatory(reasonRequired),
      );
    withClientOptions(sub).action(async (id: number, opts: { revision: number; reason?: string }) => {
      const what: Change =
        name === "reject"
          ? { action: "reject", reason: opts.reason as string }
          : { action: "approve", reason: opts.reason };
      const proposal = await clientFrom(opts).change(id, opts.revision, what);
      process.stdout.write(`proposal ${proposal.id} is ${proposal.state} (revision ${proposal.revision})\n`);
    });
  };
  change("approve", "Approve a proposal pending approval", false);
  change("reject", "Reject a proposal, saying why", true);
  addRolloutCommands(command, withClientOptions, clientFrom);
  return command;
}
