/**
 * The error catalogue: every error nanofuse reports has a stable code that tests and users can rely
 * on (as fastify's lib/errors.js does). `severity` says what happened to the input: `reject` means
 * the item (span, line, rest of a file) was dropped; `warn` means it was kept with a repair.
 */
export const catalogue = {
  NF_FILE_UNREADABLE: { severity: "reject", retriable: false, message: "file cannot be read" },
  NF_FILE_NOT_REGULAR: {
    severity: "reject",
    retriable: false,
    message: "path is not a regular file (a FIFO, socket, device or directory): not read",
  },
  NF_LINE_LIMIT_CLAMPED: {
    severity: "warn",
    retriable: false,
    message: "line limit above the longest string V8 can hold: lowered to it",
  },
  NF_FILE_EMPTY: { severity: "reject", retriable: false, message: "file is empty" },
  NF_FORMAT_UNKNOWN: { severity: "reject", retriable: false, message: "content is not a known trace format" },
  NF_GZIP_CORRUPT: { severity: "reject", retriable: false, message: "gzip stream is corrupt or truncated" },
  NF_FILE_TOO_LARGE: {
    severity: "reject",
    retriable: false,
    message:
      "file is larger than the limit for its kind (traces: --max-file-bytes, decompressed, a gzip bomb?; catalogs and manifests: 8 MiB)",
  },
  NF_ELEMENT_TOO_LARGE: {
    severity: "reject",
    retriable: false,
    message: "one message (a ResourceSpans) exceeds the size limit: skipped without being held",
  },
  NF_JSON_MALFORMED: { severity: "reject", retriable: false, message: "malformed JSON" },
  NF_JSON_TOO_DEEP: {
    severity: "reject",
    retriable: false,
    message: "JSON nested too deep: the rest of its element is skipped, the rest of the input read",
  },
  NF_LINE_TOO_LONG: { severity: "reject", retriable: false, message: "line exceeds the maximum length" },
  NF_PROTO_MALFORMED: { severity: "reject", retriable: false, message: "malformed protobuf" },
  NF_SHAPE_INVALID: {
    severity: "reject",
    retriable: false,
    message: "value does not have the expected shape",
  },
  NF_SPAN_BAD_ID: { severity: "reject", retriable: false, message: "id has the wrong length or is not hex" },
  NF_SPAN_ZERO_ID: { severity: "reject", retriable: false, message: "id is all zeros" },
  NF_SPAN_END_BEFORE_START: { severity: "reject", retriable: false, message: "span ends before it starts" },
  NF_SPAN_BAD_TIMESTAMP: { severity: "reject", retriable: false, message: "timestamp is missing or absurd" },
  NF_SPAN_MISSING_SERVICE: {
    severity: "warn",
    retriable: false,
    message: "no service.name: unit set to unknown_service",
  },
  NF_SPAN_FRAGMENT: {
    severity: "warn",
    retriable: false,
    message: "Zipkin fragment without timestamp and no record of its span to merge into: left out",
  },
  NF_SPAN_BAD_TEXT: {
    severity: "warn",
    retriable: false,
    message: "span or service name holds invalid UTF-8 or lone surrogates: replaced by U+FFFD",
  },
  NF_SPAN_UNKNOWN_KIND: {
    severity: "warn",
    retriable: false,
    message: "unknown span kind: set to unspecified",
  },
  NF_SPAN_FUTURE: {
    severity: "warn",
    retriable: false,
    message: "span ends far ahead of the event clock: kept, clock not moved",
  },
  NF_SPAN_PARENT_CYCLE: {
    severity: "warn",
    retriable: false,
    message: "span is its own parent or closes a parent cycle: kept as an orphan",
  },
  NF_TRACE_EVICTED: {
    severity: "warn",
    retriable: false,
    message: "trace completed early to bound memory: flagged partial",
  },
  NF_TRACE_TOO_MANY_SPANS: {
    severity: "warn",
    retriable: false,
    message: "trace reached the span limit: completed early and flagged partial",
  },
  NF_CATALOG_INVALID: { severity: "reject", retriable: false, message: "unit catalog is invalid" },
  NF_MANIFEST_INVALID: { severity: "reject", retriable: false, message: "clustering manifest is invalid" },
  NF_MANIFEST_UNKNOWN_UNIT: {
    severity: "reject",
    retriable: false,
    message: "manifest names a unit the app does not have",
  },
  NF_MANIFEST_DUPLICATE_UNIT: {
    severity: "reject",
    retriable: false,
    message: "manifest puts a unit in more than one group",
  },
  NF_MANIFEST_MISSING_UNIT: {
    severity: "reject",
    retriable: false,
    message: "manifest leaves out a unit of the app",
  },
  NF_MANIFEST_MIXED_RUNTIME: {
    severity: "reject",
    retriable: false,
    message: "manifest puts units of different runtimes in one group",
  },
  NF_APP_INVALID: { severity: "reject", retriable: false, message: "app module is invalid" },
  NF_HOST_START_FAILED: { severity: "reject", retriable: true, message: "host could not start" },
  NF_CALL_TIMEOUT: { severity: "reject", retriable: true, message: "call timed out" },
  NF_CALL_FAILED: { severity: "reject", retriable: false, message: "call failed" },
  NF_RECORD_EMPTY: { severity: "reject", retriable: false, message: "Kafka record has no value" },
  NF_RECORD_TOO_LARGE: {
    severity: "reject",
    retriable: false,
    message: "Kafka record is larger than the daemon's limit",
  },
  NF_DEAD_LETTER_FAILED: {
    severity: "reject",
    retriable: true,
    message: "record could not be written to the dead-letter topic",
  },
  NF_KAFKA_FAILED: { severity: "reject", retriable: true, message: "Kafka client failed" },
  NF_JUDGE_POLICY_INVALID: { severity: "reject", retriable: false, message: "rollout policy is invalid" },
  NF_JUDGE_INPUT_INVALID: {
    severity: "reject",
    retriable: false,
    message: "rollout observations are invalid",
  },
  NF_JUDGE_BAD_SAMPLE: {
    severity: "warn",
    retriable: false,
    message: "latency is not a finite non-negative number: left out",
  },
  NF_APPLY_CONFIG_INVALID: {
    severity: "reject",
    retriable: false,
    message: "applier configuration is invalid",
  },
  NF_APPLY_REQUEST_INVALID: { severity: "reject", retriable: false, message: "apply request is invalid" },
  NF_APPLY_WRITE_FAILED: { severity: "reject", retriable: true, message: "manifest could not be written" },
  NF_APPLY_WEBHOOK_REFUSED: {
    severity: "reject",
    retriable: false,
    message: "webhook receiver refused the layout",
  },
  NF_APPLY_WEBHOOK_FAILED: { severity: "reject", retriable: true, message: "webhook could not be delivered" },
  NF_APPLY_HOST_FAILED: { severity: "reject", retriable: true, message: "host could not deploy the layout" },
  NF_NO_INPUT: { severity: "reject", retriable: false, message: "no input could be read" },
  NF_STORE_UNAVAILABLE: { severity: "reject", retriable: true, message: "store is unavailable" },
  NF_STORE_URL_INVALID: { severity: "reject", retriable: false, message: "store location is invalid" },
  NF_STORE_LOCKED: {
    severity: "reject",
    retriable: true,
    message: "store directory is in use by another process",
  },
  NF_STORE_MIGRATION_CHANGED: {
    severity: "reject",
    retriable: false,
    message: "an applied migration was edited (checksum differs)",
  },
  NF_STORE_MIGRATION_UNKNOWN: {
    severity: "reject",
    retriable: false,
    message: "the store has a migration this nanofuse does not know (written by a newer version)",
  },
  NF_STORE_MIGRATION_FAILED: { severity: "reject", retriable: false, message: "a migration failed" },
  NF_STORE_PROGRESS_CONFLICT: {
    severity: "reject",
    retriable: false,
    message: "ingest progress moved since it was read: batch refused",
  },
  NF_STORE_INVALID: { severity: "reject", retriable: false, message: "value cannot be stored" },
  NF_PROPOSAL_NOT_FOUND: { severity: "reject", retriable: false, message: "no such proposal" },
  NF_PROPOSAL_ILLEGAL_TRANSITION: {
    severity: "reject",
    retriable: false,
    message: "transition not allowed from the proposal's state",
  },
  NF_PROPOSAL_VERSION_CONFLICT: {
    severity: "reject",
    retriable: true,
    message: "proposal changed since it was read",
  },
  NF_PROPOSAL_REASON_REQUIRED: { severity: "reject", retriable: false, message: "a reason is required" },
  NF_ROLLOUT_INVALID: { severity: "reject", retriable: false, message: "rollout is invalid" },
  NF_ROLLOUT_NOT_FOUND: { severity: "reject", retriable: false, message: "no such rollout in progress" },
  NF_ROLLOUT_APPLY_FAILED: {
    severity: "reject",
    retriable: true,
    message:
      "the layout could not be applied: the proposal keeps its state and the failure is recorded (GET /api/proposals/{id}/rollout shows it)",
  },
  NF_TOKEN_INVALID: { severity: "reject", retriable: false, message: "token request is invalid" },
  // The HTTP API and the OTLP receiver (src/api/errors.ts maps each to its status).
  NF_AUTH_REQUIRED: { severity: "reject", retriable: false, message: "a bearer token is required" },
  NF_AUTH_INVALID: { severity: "reject", retriable: false, message: "the bearer token is not valid" },
  NF_AUTH_REVOKED: { severity: "reject", retriable: false, message: "the bearer token was revoked" },
  NF_FORBIDDEN: { severity: "reject", retriable: false, message: "the token's role does not allow this" },
  NF_REQUEST_INVALID: { severity: "reject", retriable: false, message: "request is invalid" },
  NF_BODY_TOO_LARGE: { severity: "reject", retriable: false, message: "request body is too large" },
  NF_MEDIA_TYPE_UNSUPPORTED: {
    severity: "reject",
    retriable: false,
    message: "content type or encoding is not supported",
  },
  NF_NOT_FOUND: { severity: "reject", retriable: false, message: "not found" },
  NF_DASHBOARD_NOT_BUILT: {
    severity: "reject",
    retriable: false,
    message: "the dashboard is not built: run npm run build (npm install does it through prepare)",
  },
  NF_REVISION_REQUIRED: {
    severity: "reject",
    retriable: false,
    message: "a change needs the revision it was decided on (If-Match header or revision field)",
  },
  NF_RATE_LIMITED: { severity: "reject", retriable: true, message: "too many requests" },
  NF_OVERLOADED: { severity: "reject", retriable: true, message: "server is overloaded" },
  NF_NOT_READY: { severity: "reject", retriable: true, message: "server is starting" },
  NF_API_UNAVAILABLE: { severity: "reject", retriable: true, message: "the nanofuse API cannot be reached" },
  NF_CONFIG_INVALID: { severity: "reject", retriable: false, message: "configuration is invalid" },
  NF_LISTEN_REFUSED: { severity: "reject", retriable: false, message: "refusing to listen" },
  NF_USAGE: { severity: "reject", retriable: false, message: "invalid usage" },
  NF_PATH_NOT_FOUND: { severity: "reject", retriable: false, message: "no such file or directory" },
  NF_PATH_NO_MATCH: { severity: "reject", retriable: false, message: "the pattern matches no file" },
  NF_IO_FAILED: { severity: "reject", retriable: true, message: "a file operation failed" },
  NF_INTERNAL: {
    severity: "reject",
    retriable: false,
    message: "unexpected error (a bug in nanofuse: please report it with the command that caused it)",
  },
  NF_HANDLER_ERROR: { severity: "reject", retriable: false, message: "the function threw an error" },
  NF_LOAD_FAILED: { severity: "reject", retriable: true, message: "requests of the load failed" },
  NF_HOST_TOO_MANY_GROUPS: {
    severity: "reject",
    retriable: false,
    message: "the manifest has more groups than the host may start",
  },
  NF_PLAN_NO_CATALOG: {
    severity: "warn",
    retriable: false,
    message: "no catalog: the plan assumes the default unit spec for every unit",
  },
  NF_PLAN_FEW_TRACES: { severity: "warn", retriable: false, message: "the plan rests on few traces" },
  NF_PLAN_TRACES_CAPPED: {
    severity: "warn",
    retriable: false,
    message: "the input holds more traces than the plan keeps",
  },
  NF_PLAN_MIXED_LAYOUTS: {
    severity: "warn",
    retriable: false,
    message: "the input mixes traces recorded under different layouts",
  },
  NF_PLAN_CURRENT_MISSING_UNIT: {
    severity: "warn",
    retriable: false,
    message: "the current clustering leaves out units of the traces: each is taken as a group of its own",
  },
  NF_PLAN_CURRENT_UNKNOWN_UNIT: {
    severity: "warn",
    retriable: false,
    message: "the current clustering names units that are in no trace: left out",
  },
  NF_CATALOG_UNKNOWN_UNIT: {
    severity: "warn",
    retriable: false,
    message: "the catalog's constraints name units that are in no trace",
  },
  NF_GROUP_EXITED: { severity: "warn", retriable: true, message: "a group process exited unexpectedly" },
} as const satisfies Record<string, { severity: "reject" | "warn"; retriable: boolean; message: string }>;

export type ErrorCode = keyof typeof catalogue;

/** Where in the input a problem was found. Never holds payload bytes (style 7). */
export interface Location {
  file?: string;
  line?: number;
  /** Byte offset in the (decompressed) stream. */
  offset?: number;
  /** Path inside a document, e.g. `resourceSpans[0].scopeSpans[1].spans[3]`. */
  path?: string;
}

export class NanofuseError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly where?: Location;

  constructor(code: ErrorCode, detail?: string, options: { where?: Location; cause?: unknown } = {}) {
    super(detail ? `${catalogue[code].message}: ${detail}` : catalogue[code].message, {
      cause: options.cause,
    });
    this.name = "NanofuseError";
    this.code = code;
    this.retriable = catalogue[code].retriable;
    this.where = options.where;
  }
}

/** An input problem as reported to the user: counted by code, printed with its location. */
export interface Problem {
  code: ErrorCode;
  message: string;
  where: Location;
}

export function problem(code: ErrorCode, detail: string | undefined, where: Location): Problem {
  return { code, message: detail ? `${catalogue[code].message}: ${detail}` : catalogue[code].message, where };
}

export function severityOf(code: ErrorCode): "reject" | "warn" {
  return catalogue[code].severity;
}

export function formatLocation(where: Location): string {
  const parts = [where.file ?? "<input>"];
  if (where.line !== undefined) parts.push(`line ${where.line}`);
  if (where.offset !== undefined) parts.push(`byte ${where.offset}`);
  if (where.path) parts.push(where.path);
  return parts.join(":");
}
