/** `nanofuse serve` (and `npm start`): the API, the OTLP/HTTP receiver and the live analysis, until Ctrl-C. */
import { Command } from "commander";
import { addSchemaOptions } from "../config/options.ts";
import { CONFIG_FILE_OPTION, loadServeConfig, SERVE_SCHEMA } from "../config/serve.ts";
import type { RunningServer } from "../service/server.ts";
import type { ProposalRecord } from "../store/store.ts";
import { startSelfTelemetry } from "../telemetry/self-telemetry.ts";
import { tracedStore } from "../telemetry/traced-store.ts";
import type { CommandState } from "./command-state.ts";
import { LISTINGS } from "./commands.ts";
import { ms } from "./format.ts";

function proposalLines(p: ProposalRecord): string[] {
  const { baseline, proposed } = p.predicted;
  return [
    `proposal ${p.id} (scope ${p.scope}, version ${p.version}, ${p.state}, revision ${p.revision}): ${p.plan.groups.length} groups instead of ${p.plan.current.length}`,
    `  predicted p50 ${ms(baseline.p50Us)} → ${ms(proposed.p50Us)}, p95 ${ms(baseline.p95Us)} → ${ms(proposed.p95Us)} (${p.predicted.traces} traces)`,
    ...p.plan.merges.map((m) => `  ${m.reason}`),
  ];
}

async function banner(server: RunningServer): Promise<string> {
  const { apiUrl, otlpUrl, seeded, firstToken } = server;
  const lines = [
    `nanofuse is serving (store ${server.storeDescription}, ${server.store.backend})`,
    `  API        ${apiUrl}/api/   OpenAPI ${apiUrl}/docs   health ${apiUrl}/healthz`,
    `  OTLP/HTTP  ${otlpUrl}   (protobuf or JSON, gzip; OTEL_EXPORTER_OTLP_ENDPOINT=${otlpUrl.replace(/\/v1\/traces$/, "")})`,
    "",
  ];
  if (seeded)
    lines.push(
      `first start: replayed the bundled recording (${seeded.traces} traces, ${seeded.spans} spans) and planned it:`,
      ...proposalLines(seeded.proposal.proposal),
      "",
    );
  else {
    const pending = await server.store.proposals.list({ states: ["pending_approval"], limit: 1000 });
    lines.push(`${pending.length} proposal(s) pending approval`, "");
  }
  if (firstToken)
    lines.push(
      "the store had no API token, so an admin token was made; it is shown only now:",
      `  export NANOFUSE_TOKEN=${firstToken}`,
      "",
    );
  lines.push(
    `open:   ${apiUrl}/            (the dashboard; paste the token once)`,
    "look:   npx nanofuse proposals list            (uses NANOFUSE_URL and NANOFUSE_TOKEN)",
    `        curl -H "Authorization: Bearer $NANOFUSE_TOKEN" ${apiUrl}/api/proposals`,
    "act:    npx nanofuse proposals approve <id> --revision <revision>",
    `tokens: POST ${apiUrl}/api/tokens with an admin token, or \`nanofuse token create --role approver\``,
    "        (an embedded store is one process's: run that while the server is stopped)",
    "stop:   Ctrl-C",
  );
  return `${lines.join("\n")}\n`;
}

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve(signal);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

export function serveCommand(_state: CommandState): Command {
  const command = new Command("serve").description(LISTINGS.serve.description);
  command.option(
    CONFIG_FILE_OPTION.flag,
    `a JSON or YAML file of options (keys as below in camelCase) [${CONFIG_FILE_OPTION.env}; default none]`,
  );
  addSchemaOptions(command, SERVE_SCHEMA);
  command.addHelpText(
    "after",
    "\nPrecedence: flag, then environment variable, then config file, then default.",
  );
  return command.action(async (flags: Record<string, unknown>) => {
    const config = await loadServeConfig(flags);
    const telemetry = await startSelfTelemetry();
    // Loaded after the SDK started, so that its HTTP instrumentation sees fastify's `http`.
    const { startServer } = await import("../service/server.ts");
    const server = await startServer(
      config,
      (line) => process.stderr.write(`${line}\n`),
      undefined,
      telemetry.enabled ? tracedStore : undefined,
    );
    process.stdout.write(await banner(server));
    const signal = await untilSignal();
    process.stderr.write(`nanofuse: ${signal}: writing the last windows and stopping\n`);
    await server.stop();
    await telemetry.shutdown();
  });
}
