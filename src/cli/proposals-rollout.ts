/**
 * `nanofuse proposals rollout|promote|rollback` against the API: start a rollout of an approved
 * proposal (or, without --revision, show the one running with the judge's verdict and its numbers),
 * promote its candidate, or roll it back saying why. Each change names the revision it was decided on.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { positive, positiveInteger } from "./numbers.ts";
import type { ApiClient } from "./proposals-client.ts";

type Json = Record<string, unknown>;

function share(value: string): number {
  const n = positive(value);
  if (n > 1) throw new InvalidArgumentError(`expected a share in (0, 1], got ${value}`);
  return n;
}

function policyJson(value: string): Json {
  try {
    const parsed = JSON.parse(value);
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Json;
  } catch {}
  throw new InvalidArgumentError("expected a JSON object of judge policy fields, e.g. '{\"looks\":3}'");
}

const count = (v: { requests: number; errors: number; latencies: number }) =>
  `${v.requests} requests, ${v.errors} errors`;

/** The rollout status in a few lines: state, counts, the judge's sentence, the applier's calls. */
export function rolloutText(doc: Json): string {
  const proposal = doc.proposal as Json;
  const rollout = doc.rollout as Json | null;
  const lines = [`proposal ${proposal.id}: ${proposal.state}, revision ${proposal.revision}`];
  if (!rollout) return `${lines[0]}; no rollout\n`;
  lines.push(
    `rollout ${rollout.id}: candidate ${rollout.variant} at ${Number(rollout.trafficShare) * 100}% of traffic, started ${rollout.startedAt}${rollout.automatic ? ", automatic" : ""}${rollout.outcome ? `, ${rollout.outcome} ${rollout.endedAt}` : ""}`,
  );
  const obs = doc.observations as Record<
    "control" | "candidate",
    { requests: number; errors: number; latencies: number }
  > | null;
  if (obs) lines.push(`  control ${count(obs.control)}; candidate ${count(obs.candidate)}`);
  const judgement = (doc.judgement ?? (rollout.judgements as Json[]).at(-1)?.result) as Json | undefined;
  if (judgement) lines.push(`judge: ${judgement.verdict} — ${judgement.explanation}`);
  for (const a of doc.applies as Json[])
    lines.push(`applied for ${a.action} at ${a.at}: ${a.ok ? "ok" : `failed ${a.code}`}`);
  return `${lines.join("\n")}\n`;
}

const revisionOption = (mandatory: boolean) => {
  const o = new Option("--revision <n>", "the revision you decided on (see `show`)").argParser(
    (v: string) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`expected a revision, got ${v}`);
      return n;
    },
  );
  return mandatory ? o.makeOptionMandatory() : o;
};

export function addRolloutCommands(
  command: Command,
  withClientOptions: (c: Command) => Command,
  clientFrom: (opts: Record<string, unknown>) => ApiClient,
): void {
  withClientOptions(
    command
      .command("rollout")
      .description(
        "Start a rollout of an approved proposal (with --revision), or show the one running with the judge's verdict",
      )
      .argument("<id>", "proposal id", positiveInteger)
      .addOption(revisionOption(false))
      .option("--variant <name>", "what the candidate runs (its spans carry nanofuse.variant=candidate)")
      .addOption(
        new Option("--traffic-share <x>", "share of requests the candidate gets, (0, 1]").argParser(share),
      )
      .addOption(
        new Option("--min-sample <n>", "requests per variant before the judge's first look").argParser(
          positiveInteger,
        ),
      )
      .addOption(
        new Option("--max-duration-ms <ms>", "undecided after this long: the rollout is exhausted").argParser(
          positiveInteger,
        ),
      )
      .addOption(new Option("--policy <json>", "other judge policy fields, as JSON").argParser(policyJson))
      .option("--automatic", "the judge's promote or roll back is applied without a person")
      .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text")),
  ).action(async (id: number, opts: Json) => {
    const client = clientFrom(opts);
    if (opts.revision === undefined) {
      const doc = await client.rollout(id);
      process.stdout.write(opts.format === "json" ? `${JSON.stringify(doc, null, 2)}\n` : rolloutText(doc));
      return;
    }
    if (opts.variant === undefined || opts.trafficShare === undefined)
      throw new InvalidArgumentError("starting a rollout needs --variant and --traffic-share");
    const body: Json = { variant: opts.variant, trafficShare: opts.trafficShare };
    if (opts.minSample !== undefined) body.minSample = opts.minSample;
    if (opts.maxDurationMs !== undefined) body.maxDurationMs = opts.maxDurationMs;
    if (opts.policy !== undefined) body.policy = opts.policy;
    if (opts.automatic) body.automatic = true;
    const proposal = await client.rolloutAction(id, "rollout", opts.revision as number, body);
    process.stdout.write(`proposal ${proposal.id} is ${proposal.state} (revision ${proposal.revision})\n`);
  });
  for (const [name, description, reasonRequired] of [
    [
      "promote",
      "Promote a rollout's candidate: the deployment's applier applies the proposal's layout",
      false,
    ],
    ["rollback", "Roll a rollout back, saying why: the applier re-applies the current layout", true],
  ] as const) {
    withClientOptions(
      command
        .command(name)
        .description(description)
        .argument("<id>", "proposal id", positiveInteger)
        .addOption(revisionOption(true))
        .addOption(
          new Option("--reason <text>", "why (kept in the audit trail)").makeOptionMandatory(reasonRequired),
        ),
    ).action(async (id: number, opts: { revision: number; reason?: string }) => {
      const body = opts.reason ? { reason: opts.reason } : {};
      const proposal = await clientFrom(opts).rolloutAction(id, name, opts.revision, body);
      process.stdout.write(`proposal ${proposal.id} is ${proposal.state} (revision ${proposal.revision})\n`);
    });
  }
}
