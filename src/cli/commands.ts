/**
 * The commands as `nanofuse --help` lists them. This module imports nothing, so the listing costs no
 * command's imports; each command module takes its description from here, and main.ts loads a
 * command's module only when it runs.
 */
export interface CommandListing {
  name: string;
  aliases: string[];
  /** As the loaded command's `usage()` reads, so the listing is the same loaded or not. */
  usage: string;
  description: string;
}

export const LISTINGS = {
  replay: {
    name: "replay",
    aliases: [],
    usage: "[options] <paths...>",
    description:
      "Reads recorded traces (OTLP JSON/protobuf, Jaeger JSON, Zipkin JSON, gzip) and reports what is in them",
  },
  analyse: {
    name: "analyse",
    aliases: ["analyze"],
    usage: "[options] <paths...>",
    description:
      "Critical paths, hop cost, barrier stragglers, cold starts and the service graph of recorded traces",
  },
  host: {
    name: "host",
    aliases: [],
    usage: "[options] [command]",
    description:
      "Runs an app's functions one process per group as a clustering manifest says, records their traces, " +
      "and prints the entry URL; stops on SIGINT/SIGTERM or when the process that started it exits",
  },
  plan: {
    name: "plan",
    aliases: [],
    usage: "[options] <paths...>",
    description: "Proposes which units to deploy together, with predicted effect and evidence",
  },
  daemon: {
    name: "daemon",
    aliases: [],
    usage: "[options]",
    description: "Consumes OTLP spans from Kafka and analyses them continuously; stops on SIGINT/SIGTERM",
  },
  serve: {
    name: "serve",
    aliases: [],
    usage: "[options]",
    description: "Serves the API and an OTLP/HTTP receiver, analysing and planning the traces it receives",
  },
  token: {
    name: "token",
    aliases: [],
    usage: "[options] [command]",
    description: "API tokens (bearer tokens with a role) in the store",
  },
  proposals: {
    name: "proposals",
    aliases: [],
    usage: "[options] [command]",
    description: "Proposals through the nanofuse API (or a store with --store)",
  },
  store: {
    name: "store",
    aliases: [],
    usage: "[options] [command]",
    description: "Store maintenance",
  },
} as const satisfies Record<string, CommandListing>;
