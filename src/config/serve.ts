/**
 * The configuration of `nanofuse serve`, in one table: `serve --help` is generated from it and
 * `loadServeConfig` reads it from flags, the environment and an optional file (`--config`), in that
 * order (options.ts). Defaults: API on 127.0.0.1:8080, OTLP/HTTP on 127.0.0.1:4318, the embedded
 * store in ./.nanofuse/, windows of 60 s written every 10 s, a planning run every 5 minutes.
 */
import { DEFAULT_BUFFER_OPTIONS } from "../assemble/trace-buffer.ts";
import {
  integer,
  nonEmpty,
  type OptionSpec,
  oneOf,
  type Resolved,
  readConfigFile,
  resolveOptions,
} from "./options.ts";
import { PACKAGE_ROOT } from "./package-root.ts";
import { DEFAULT_STORE_DIR } from "./store.ts";

/** The demo shop's baseline recording and its catalog, replayed into an empty store on first start. */
const BUNDLED_SEED = "fixtures/shop-baseline.otlp.jsonl.gz";
const BUNDLED_SEED_CATALOG = "examples/shop/catalog.yaml";

const text = (
  env: string,
  value: string,
  description: string,
  fallback: string,
  parse: (text: string) => string = nonEmpty,
): OptionSpec<string> => ({ env, value, description, default: fallback, parse });
const number = (
  env: string,
  value: string,
  description: string,
  fallback: number,
  min = 1,
  max?: number,
): OptionSpec<number> => ({ env, value, description, default: fallback, parse: integer(min, max) });
/** A file, or `none`; relative paths of the bundled defaults are resolved from the package. */
const optionalFile = (env: string, description: string, bundled?: string): OptionSpec<string | null> => ({
  env,
  value: "<file|none>",
  description,
  default: bundled ? `${PACKAGE_ROOT}${bundled}` : null,
  parse: (t) => (t.trim() === "none" ? null : nonEmpty(t)),
  show: (v) => (v === null ? "none" : (bundled ?? v)),
});

export const SERVE_SCHEMA = {
  store: text(
    "DATABASE_URL",
    "<url|dir>",
    "postgres:// URL, or a directory for the embedded store",
    DEFAULT_STORE_DIR,
  ),
  host: text("NANOFUSE_HOST", "<address>", "address the API listens on", "127.0.0.1"),
  port: number("NANOFUSE_PORT", "<port>", "port of the API (0: any free port)", 8080, 0, 65535),
  otlpHost: text("NANOFUSE_OTLP_HOST", "<address>", "address the OTLP/HTTP receiver listens on", "127.0.0.1"),
  otlpPort: number(
    "NANOFUSE_OTLP_PORT",
    "<port>",
    "port of the OTLP/HTTP receiver (0: any free port)",
    4318,
    0,
    65535,
  ),
  otlpAuth: {
    env: "NANOFUSE_OTLP_AUTH",
    value: "<none|token>",
    description: "whether the receiver requires a bearer token (any role)",
    default: "none",
    parse: oneOf("none", "token"),
  } satisfies OptionSpec<"none" | "token">,
  apiBodyLimit: number("NANOFUSE_API_BODY_LIMIT", "<bytes>", "largest API request body", 64 * 1024),
  otlpBodyLimit: number(
    "NANOFUSE_OTLP_BODY_LIMIT",
    "<bytes>",
    "largest OTLP request body, after decompression",
    16 * 1024 * 1024,
  ),
  apiReadCacheMs: number(
    "NANOFUSE_API_READ_CACHE_MS",
    "<ms>",
    "how long the API reuses a proposal read (0: never); changes made elsewhere show after this",
    1000,
    0,
  ),
  writeRateLimit: number("NANOFUSE_WRITE_RATE_LIMIT", "<n>", "API writes per minute per token", 60),
  otlpRateLimit: number(
    "NANOFUSE_OTLP_RATE_LIMIT",
    "<n>",
    "OTLP requests per second per client address",
    1000,
  ),
  maxEventLoopDelayMs: number(
    "NANOFUSE_MAX_EVENT_LOOP_DELAY_MS",
    "<ms>",
    "the receiver answers 503 while the event loop lags more than this",
    1000,
  ),
  maxBufferedSpans: number(
    "NANOFUSE_MAX_BUFFERED_SPANS",
    "<n>",
    "spans held in memory before the receiver answers 503",
    DEFAULT_BUFFER_OPTIONS.maxBufferedSpans,
  ),
  idleMs: number(
    "NANOFUSE_IDLE_MS",
    "<ms>",
    "a trace is complete after this much wall time without new spans",
    DEFAULT_BUFFER_OPTIONS.idleUs / 1000,
  ),
  windowS: number("NANOFUSE_WINDOW_S", "<s>", "length of an aggregate window", 60),
  flushS: number(
    "NANOFUSE_FLUSH_S",
    "<s>",
    "how often completed traces' windows are written to the store",
    10,
  ),
  planS: number("NANOFUSE_PLAN_S", "<s>", "how often the planner runs when new traces arrived", 300),
  planMinTraces: number("NANOFUSE_PLAN_MIN_TRACES", "<n>", "traces needed before the first plan", 100),
  planMaxTraces: number(
    "NANOFUSE_PLAN_MAX_TRACES",
    "<n>",
    "traces a plan is based on at most; then planning starts on fresh traces",
    100_000,
  ),
  scope: text("NANOFUSE_SCOPE", "<name>", "scope of the proposals planned from received traces", "default"),
  catalog: optionalFile("NANOFUSE_CATALOG", "unit catalog (YAML or JSON) for planning received traces"),
  seed: optionalFile(
    "NANOFUSE_SEED",
    "traces replayed and planned when the store is empty (scope demo)",
    BUNDLED_SEED,
  ),
  seedCatalog: optionalFile("NANOFUSE_SEED_CATALOG", "unit catalog of the seed traces", BUNDLED_SEED_CATALOG),
  applier: {
    env: "NANOFUSE_APPLIER",
    value: "<none|file:path|webhook:url>",
    description:
      "how a promoted or rolled-back layout reaches the deployment: a manifest file (or directory), a signed webhook, or only the state",
    default: { kind: "none" },
    parse: parseApplier,
    show: (v) => (v.kind === "none" ? "none" : `${v.kind}:${v.target}`),
  } satisfies OptionSpec<ApplierChoice>,
  applierSecret: {
    env: "NANOFUSE_APPLIER_SECRET",
    value: "<secret>",
    description: "HMAC secret shared with the webhook's receiver (prefer the variable to the flag)",
    default: null,
    parse: nonEmpty,
    show: (v) => (v === null ? "none" : "(set)"),
  } satisfies OptionSpec<string | null>,
  logLevel: {
    env: "NANOFUSE_LOG_LEVEL",
    value: "<level>",
    description: "server log level on stderr",
    default: "warn",
    parse: oneOf("silent", "error", "warn", "info", "debug"),
  } satisfies OptionSpec<"silent" | "error" | "warn" | "info" | "debug">,
} as const;

export type ServeConfig = Resolved<typeof SERVE_SCHEMA>;

export type ApplierChoice = { kind: "none" } | { kind: "file" | "webhook"; target: string };

function parseApplier(text: string): ApplierChoice {
  const t = text.trim();
  if (t === "none") return { kind: "none" };
  const match = /^(file|webhook):(.+)$/.exec(t);
  if (!match) throw new Error(`expected none, file:<path> or webhook:<url>, got ${JSON.stringify(t)}`);
  const kind = match[1] as "file" | "webhook";
  if (kind === "webhook" && !/^https?:\/\//.test(match[2]))
    throw new Error(`webhook: expected an http(s) URL, got ${JSON.stringify(match[2])}`);
  return { kind, target: match[2] };
}

/** The config file option is read first: it says where the rest may come from. */
export const CONFIG_FILE_OPTION = { flag: "--config <file>", env: "NANOFUSE_CONFIG" } as const;

export async function loadServeConfig(
  flags: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<ServeConfig> {
  const path = (flags.config as string | undefined) ?? env[CONFIG_FILE_OPTION.env];
  const file = path ? await readConfigFile(path) : undefined;
  return resolveOptions(SERVE_SCHEMA, { flags, env, file });
}
